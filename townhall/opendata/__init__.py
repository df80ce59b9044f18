"""Open data, published by default, with disclosure control."""
