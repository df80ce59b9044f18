"""Liveness (``/healthz``) and readiness (``/readyz``) for load balancers, systemd and orchestrators.

``/healthz`` answers 200 while the process can serve a request at all; it never touches the database,
so a database outage does not get healthy web processes killed. ``/readyz`` answers 200 only when the
database answers, every migration this code knows is applied, the task queue table is reachable and
the cache (which holds the rate-limit counters) works; otherwise 503 with the reason for each check.
Reasons name the kind of failure only; the details go to the log with the request id.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.apps import apps
from django.core.cache import caches
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)

_migrations_applied = False  # once true it stays true for this process: code and schema only move forward


def check_database() -> None:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_migrations() -> None:
    global _migrations_applied
    if _migrations_applied:
        return
    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        raise RuntimeError(f"{len(plan)} migrations not applied")
    _migrations_applied = True


def check_task_queue() -> None:
    apps.get_model("django_tasks_database", "DBTaskResult").objects.only("pk").first()


def check_cache() -> None:
    from django.conf import settings

    cache = caches[getattr(settings, "RATELIMIT_USE_CACHE", "default")]
    cache.set("townhall:readyz", "1", 10)
    if cache.get("townhall:readyz") != "1":
        raise RuntimeError("cache did not keep a value")


CHECKS: dict[str, Callable[[], None]] = {
    "database": check_database,
    "migrations": check_migrations,
    "task_queue": check_task_queue,
    "cache": check_cache,
}


def _reason(exc: Exception) -> str:
    if isinstance(exc, RuntimeError):
        return str(exc)
    return f"unavailable ({type(exc).__name__})"


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def readyz(request: HttpRequest) -> JsonResponse:
    results: dict[str, str] = {}
    ready = True
    for name, check in CHECKS.items():
        if results.get("database", "ok") != "ok" and name != "cache":  # without a database they say nothing new
            results[name] = "skipped"
            continue
        try:
            check()
        except Exception as exc:  # any failure means not ready; never a 500
            logger.warning("Readiness check %s failed", name, exc_info=True)
            results[name] = _reason(exc)
            ready = False
        else:
            results[name] = "ok"
    return JsonResponse({"status": "ok" if ready else "unavailable", "checks": results}, status=200 if ready else 503)
