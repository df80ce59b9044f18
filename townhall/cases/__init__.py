"""Cases: the workflow a definition describes, automatic decisions, and the back office."""
