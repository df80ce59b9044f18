"""Prometheus metrics at ``/metrics``: requests, task queue depth, notification lag and cases by state.

Request counters are kept in the process by ``MetricsMiddleware``. With several web worker processes set
``PROMETHEUS_MULTIPROC_DIR`` to a directory (deploy/web.py empties it on start) so every worker's
counts are added up. Queue depth, notification lag and cases by state are SQL aggregates computed when
Prometheus scrapes, by ``DatabaseCollector``, so they are right whichever process answers.

``/metrics`` fails closed: it answers only a caller presenting ``METRICS_TOKEN`` as a bearer token, or a
direct (unproxied) caller from ``METRICS_ALLOWED_NETWORKS`` (loopback by default).
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
import time
from collections.abc import Callable, Iterator

from django.apps import apps
from django.conf import settings
from django.db.models import Count, Min
from django.db.models.functions import Coalesce, Greatest
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

logger = logging.getLogger(__name__)
request_logger = logging.getLogger("townhall.requests")

REQUESTS = Counter(
    "townhall_http_requests", "HTTP requests answered, by route name, method and status", ["route", "method", "status"]
)
LATENCY = Histogram(
    "townhall_http_request_duration_seconds",
    "Time to answer an HTTP request, by route name",
    ["route", "method"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}


def route_of(request: HttpRequest) -> str:
    """The URL pattern's name (bounded cardinality), never the raw path."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "unmatched"
    return match.view_name or match.route or "unnamed"


class MetricsMiddleware:
    """Counts and times every request; logs one line per request when ``LOG_REQUESTS`` is on."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        elapsed = time.perf_counter() - started
        route = route_of(request)
        method = request.method if request.method in _METHODS else "OTHER"
        REQUESTS.labels(route, method, str(response.status_code)).inc()
        LATENCY.labels(route, method).observe(elapsed)
        if getattr(settings, "LOG_REQUESTS", False):
            request_logger.info(
                "%s %s %s",
                method,
                request.path,
                response.status_code,
                extra={"route": route, "status": response.status_code, "duration_ms": round(elapsed * 1000, 1)},
            )
        return response


class DatabaseCollector(Collector):
    """Gauges computed from the database at scrape time (a handful of indexed aggregates)."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        up = GaugeMetricFamily("townhall_metrics_database_up", "1 if the database gauges below could be read")
        try:
            families = list(self._families())
        except Exception:  # the scrape still answers, saying the database gauges are missing
            logger.warning("Database metrics could not be read", exc_info=True)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from families

    def _families(self) -> Iterator[GaugeMetricFamily]:
        now = timezone.now()

        tasks = GaugeMetricFamily(
            "townhall_task_queue_depth", "Background tasks waiting to run, by queue", labels=["queue"]
        )
        task_model = apps.get_model("django_tasks_database", "DBTaskResult")
        ready = task_model.objects.filter(status="READY").values_list("queue_name").annotate(n=Count("pk")).order_by()
        for queue_name, n in ready:
            tasks.add_metric([queue_name], n)
        yield tasks

        if apps.is_installed("townhall.notifications"):
            notification = apps.get_model("notifications", "Notification")
            final = ["delivered", "permanent-failure", "technical-failure"]
            pending = GaugeMetricFamily(
                "townhall_notifications_pending",
                "Notifications not yet in a final state, by channel",
                labels=["channel"],
            )
            by_channel = (
                notification.objects.exclude(status__in=final).values_list("channel").annotate(n=Count("pk")).order_by()
            )
            for channel, n in by_channel:
                pending.add_metric([channel], n)
            yield pending

            due_at = Greatest("next_attempt_at", Coalesce("send_after", "next_attempt_at"))
            oldest = (
                notification.objects.filter(status="created")
                .annotate(due_at=due_at)
                .filter(due_at__lte=now)
                .aggregate(oldest=Min("due_at"))["oldest"]
            )
            lag = GaugeMetricFamily(
                "townhall_notification_lag_seconds",
                "Age of the oldest notification that is due and not yet sent (0 when none is waiting)",
            )
            lag.add_metric([], max(0.0, (now - oldest).total_seconds()) if oldest else 0.0)
            yield lag

        if apps.is_installed("townhall.cases"):
            case = apps.get_model("cases", "Case")
            cases = GaugeMetricFamily(
                "townhall_cases", "Cases by organisation and workflow state", labels=["organisation", "state"]
            )
            by_state = case.objects.values_list("organisation__slug", "state").annotate(n=Count("pk")).order_by()
            for organisation, state, n in by_state:
                cases.add_metric([organisation, state], n)
            yield cases


def _networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    raw = getattr(settings, "METRICS_ALLOWED_NETWORKS", ["127.0.0.1/32", "::1/128"])
    return [ipaddress.ip_network(n.strip(), strict=False) for n in raw if n.strip()]


def metrics_allowed(request: HttpRequest) -> bool:
    token = getattr(settings, "METRICS_TOKEN", "")
    auth = request.headers.get("Authorization", "")
    if token and auth.startswith("Bearer ") and hmac.compare_digest(auth[7:].encode(), token.encode()):
        return True
    if "X-Forwarded-For" in request.headers:  # came through the proxy: its address says nothing about the caller
        return False
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in network for network in _networks())


def render_metrics() -> bytes:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        process_registry = CollectorRegistry()
        MultiProcessCollector(process_registry)  # type: ignore[no-untyped-call]
    else:
        process_registry = REGISTRY
    database_registry = CollectorRegistry()
    database_registry.register(DatabaseCollector())
    return generate_latest(process_registry) + generate_latest(database_registry)


@never_cache
def metrics_view(request: HttpRequest) -> HttpResponse:
    if not metrics_allowed(request):
        return HttpResponse("Forbidden\n", status=403, content_type="text/plain")
    return HttpResponse(render_metrics(), content_type=CONTENT_TYPE_LATEST)
