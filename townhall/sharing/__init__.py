"""Data sharing between partners under agreements the platform enforces."""
