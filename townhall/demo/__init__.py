"""Demo organisations, staff and services, loaded once by `make setup`."""
