"""Writes on agreements, access decisions and referrals."""
