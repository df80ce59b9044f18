"""Read-only measures of every service: volumes, channels, costs, time to decide."""
