"""Organisations (tenants), staff roles, the audit trail and the platform's shared building blocks."""
