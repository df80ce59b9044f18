"""The platform's settings, with the floor benchmark's URLs; ``FLOOR_BARE=1`` also drops every middleware."""

import os

from townhall.settings import *  # noqa: F403  # the real settings, unchanged but for the two lines below

ROOT_URLCONF = "bench.floor_site.urls"
if os.environ.get("FLOOR_BARE") == "1":
    MIDDLEWARE: list[str] = []
