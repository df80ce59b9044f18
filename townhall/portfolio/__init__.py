"""The ICT investment planner: initiatives, scenarios and the optimiser."""
