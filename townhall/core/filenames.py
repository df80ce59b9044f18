"""The name an uploaded file is kept under: what the sender called it, made safe to store and show."""

from __future__ import annotations


def safe_filename(filename: str, default: str = "upload") -> str:
    """No folders, no control characters (PostgreSQL refuses NUL in text), at most the last 200 characters."""
    name = "".join(ch for ch in filename or "" if ch.isprintable()).replace("/", "_").replace("\\", "_").strip()
    return name[-200:] or default
