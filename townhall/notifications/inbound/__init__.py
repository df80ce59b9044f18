"""Mail coming in: replies from residents, and bounces of what we sent."""
