"""Instructions a request costs, counted by valgrind's callgrind: a figure the machine's speed cannot move.

The benchmarks that time a server under load (journeys, floor) measure CPU seconds, and on these shared
machines the same code has cost 3.1 ms a submission in one hour and 7.3 ms in another. Instructions do not
drift: callgrind counts the same total for the same program and input whatever else the machine is doing,
so two versions of the code compare on any day.

A child process (``python -m bench.instructions <path> <requests>``) loads the platform with the settings
it is given, sends ``WARM_UP`` requests through Django's WSGI handler in process, then the number asked for.
It runs twice under callgrind, with none and with many requests: the difference between the two totals,
divided by the number, is the instructions of one request, with start-up and warm-up taken out. Each
request POSTs the journeys benchmark's complete missed-bin answers with a fresh ``Idempotency-Key``, as an
API client would (``LOCAL_CACHE_SECONDS`` is raised so nothing a process remembers expires mid-count: under
valgrind a count takes minutes, and a slower machine would otherwise read the key again more often).
"""

from __future__ import annotations

import io
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
WARM_UP = 50


def available() -> bool:
    return shutil.which("valgrind") is not None


def _total(out_file: Path) -> int:
    """The instructions callgrind counted in all (its ``totals:`` or ``summary:`` line)."""
    match = re.search(r"^(?:totals|summary):\s+(\d+)", out_file.read_text(), re.M)
    if match is None:
        raise RuntimeError(f"callgrind wrote no total to {out_file}")
    return int(match.group(1))


def _child(env: dict[str, str], path: str, key: str, requests: int, valgrind: list[str]) -> None:
    done = subprocess.run(
        [*valgrind, sys.executable, "-m", "bench.instructions", path, str(requests)],
        cwd=ROOT,
        # One hash seed, so both runs start up alike (str hashing, and so dict and set layouts, vary with it).
        env={**env, "LOCAL_CACHE_SECONDS": "3600", "BENCH_API_KEY": key, "PYTHONHASHSEED": "0"},
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise RuntimeError(f"counting {path} failed: {done.stderr[-2000:]}")


def per_request(env: dict[str, str], path: str, key: str, requests: int) -> float:
    """Instructions one request to ``path`` costs in process, with the settings ``env`` names.

    Two processes that start alike still differ by a few million instructions (where objects land in
    memory changes how Python's dicts and sets hash them), so ``requests`` should be large enough that
    they cost a few billion between them.
    """
    few, many = 0, requests
    # Once without valgrind first: it checks that the path answers, and compiles any module whose bytecode is
    # out of date, which would otherwise be counted in whichever run came first.
    _child(env, path, key, 1, [])
    workdir = Path(tempfile.mkdtemp(prefix="townhall-bench-callgrind-"))
    try:
        totals = []
        for requests in (few, many):
            out_file = workdir / f"callgrind.{requests}.out"
            _child(env, path, key, requests, ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out_file}"])
            totals.append(_total(out_file))
        return (totals[1] - totals[0]) / (many - few)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


# --------------------------------------------------------------------------------------------------
# The child: run under callgrind by per_request().
# --------------------------------------------------------------------------------------------------


def _environ(path: str, key: str, body: bytes) -> dict[str, Any]:
    return {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": path,
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1",
        "HTTP_AUTHORIZATION": f"Bearer {key}",
        "CONTENT_TYPE": "application/json",
        "HTTP_ACCEPT": "application/json",
        "HTTP_X_FORWARDED_PROTO": "https",  # as behind the TLS-terminating proxy
        "HTTP_IDEMPOTENCY_KEY": f"callgrind-{secrets.token_hex(8)}",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }


def child_main(path: str, requests: int) -> None:
    import django
    from django.core.handlers.wsgi import WSGIHandler

    from bench.journeys_bench import missed_bin_body

    django.setup()
    application = WSGIHandler()
    key = os.environ["BENCH_API_KEY"]
    statuses: list[str] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], None]:
        statuses.append(status)
        return lambda data: None  # (the old write() callable, which Django never calls)

    for n in range(WARM_UP + requests):
        answer = application(_environ(path, key, missed_bin_body(f"resident{n}@example.test")), start_response)
        content = b"".join(answer)
        getattr(answer, "close", lambda: None)()
        if not statuses[-1].startswith("2"):
            raise SystemExit(f"{path} answered {statuses[-1]}: {content[:300]!r}")


if __name__ == "__main__":
    child_main(sys.argv[1], int(sys.argv[2]))
