"""Django's PostgreSQL backend, with few-row inserts written as plain VALUES (see compiler.py)."""
