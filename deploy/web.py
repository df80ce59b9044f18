"""Townhall's web server: Granian serving ``townhall.wsgi`` (``python deploy/web.py``; ADR 0020).

Every value can be changed from the environment:

- ``WEB_BIND`` (``host:port``; default ``0.0.0.0:$PORT``, ``PORT`` default 8000);
- ``WEB_CONCURRENCY``: worker processes (default: one for each core this process may run on);
- ``WEB_THREADS``: threads in each worker running Django (default 2);
- ``WEB_MAX_RSS_MB``: a worker using more memory than this is replaced (default 1024);
- ``LOG_LEVEL``: Granian's own log lines (Townhall logs each request itself, as JSON with its request id);
- ``DATABASE_STATEMENT_TIMEOUT_MS``: PostgreSQL cancels a web request's statement after this long (default
  30000; ``0`` for none), so a runaway query answers "service unavailable" instead of holding a worker.

With ``PROMETHEUS_MULTIPROC_DIR`` set, every worker writes its request metrics there and /metrics adds them
up; the directory is emptied on start. ``SIGHUP`` replaces the workers; ``SIGTERM`` stops after the
requests in hand, waiting at most 30 s.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def cores() -> int:
    """The cores this process may run on (a container's CPU set, not the host's count)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _count(env: Mapping[str, str], name: str, default: int) -> int:
    """A whole number of at least 1 from the environment, or a clear refusal instead of a traceback."""
    text = env.get(name) or str(default)
    if not text.isdigit() or int(text) < 1:
        raise SystemExit(f"{name} must be a whole number of at least 1, not {text!r}")
    return int(text)


def server_settings(env: Mapping[str, str] = os.environ) -> dict[str, Any]:
    """Granian's settings from the environment: the arguments of ``granian.Granian``."""
    from granian.constants import HTTPModes, Interfaces
    from granian.log import LogLevels

    bind = env.get("WEB_BIND") or f"0.0.0.0:{env.get('PORT', '8000')}"
    host, _, port = bind.rpartition(":")
    if not host or not port.isdigit():
        raise SystemExit(f"WEB_BIND must be host:port, such as 127.0.0.1:8000 or [::1]:8000, not {bind!r}")
    return {
        "target": "townhall.wsgi:application",
        "working_dir": ROOT,
        "interface": Interfaces.WSGI,
        "address": host.strip("[]"),
        "port": int(port),
        "workers": _count(env, "WEB_CONCURRENCY", cores()),
        "blocking_threads": _count(env, "WEB_THREADS", 2),
        "blocking_threads_idle_timeout": 600,  # the longest Granian allows: each thread keeps its connection
        "http": HTTPModes.http1,  # behind the TLS-terminating proxy, which speaks HTTP/2 to browsers
        "websockets": False,
        "backlog": 2048,
        "respawn_failed_workers": True,
        "workers_max_rss": _count(env, "WEB_MAX_RSS_MB", 1024),
        "workers_kill_timeout": 30,
        "log_level": LogLevels((env.get("LOG_LEVEL") or "info").lower()),
        "log_access": False,
    }


def empty_metrics_directory(env: Mapping[str, str] = os.environ) -> None:
    directory = env.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        shutil.rmtree(directory, ignore_errors=True)
        Path(directory).mkdir(parents=True, exist_ok=True)


def worker_environment(env: dict[str, str] | os._Environ[str] = os.environ) -> None:
    """What the workers inherit, unless already set: the settings module, and a statement timeout."""
    env.setdefault("DJANGO_SETTINGS_MODULE", "townhall.settings")
    env.setdefault("DATABASE_STATEMENT_TIMEOUT_MS", "30000")


def main() -> None:
    from granian import Granian

    empty_metrics_directory()
    worker_environment()
    sys.path.insert(0, str(ROOT))
    Granian(**server_settings()).serve()


if __name__ == "__main__":
    main()
