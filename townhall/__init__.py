"""Townhall: a shared, open-standards digital platform for local public services."""
