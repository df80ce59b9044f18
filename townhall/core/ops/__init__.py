"""Running Townhall in production: health and readiness, metrics, request ids and JSON logs,
security headers and rate limits. See docs/operations.md and docs/security.md."""
