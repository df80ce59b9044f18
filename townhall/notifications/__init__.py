"""Email and SMS to residents, through one sender Protocol, with replies coming back in."""
