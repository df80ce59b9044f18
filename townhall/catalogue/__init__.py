"""Service definitions: the versioned open format, its checks, and the service directory."""
