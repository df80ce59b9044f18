"""A site for the floor benchmark only: the platform's settings and URLs, plus endpoints that each do less
than a submission. Never mounted by the platform itself (bench/floor_bench.py starts it)."""
