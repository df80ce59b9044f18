"""Benchmarks: `make bench` runs them all; each writes its own section of docs/performance.md."""


class ChecksFailed(Exception):
    """A benchmark's checks failed. ``python -m bench`` writes its section (``body``, with every figure) all the
    same, and exits non-zero."""

    def __init__(self, body: str) -> None:
        super().__init__("checks failed")
        self.body = body
