"""Resident journeys: any published definition served as an accessible online service."""
