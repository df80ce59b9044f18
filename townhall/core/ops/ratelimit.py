"""Rate limits on residents' journey forms and on the JSON API, failing closed.

Counters live in the cache named by ``RATELIMIT_USE_CACHE``, in fixed windows (a rate such as ``300/m``
allows 300 requests in each minute; each client's minute starts at its own offset, so windows do not all
turn over at once). The API is limited per client address and, when a bearer token is sent, per token
(hashed); residents' journey POSTs per client address. A request's counters are all counted at once: one
round trip to Redis (``core/ops/cache.py``), or an add and an increment per counter on any other Django
cache. If the cache cannot be reached, or does not count, the request is refused (503 with
``Retry-After``) rather than let through: a limit that silently stops working protects nothing.

The API answers an RFC 9457 problem with the stable code ``rate_limited`` (or ``rate_limit_unavailable``);
pages answer a GOV.UK-style error page. Token-authenticated webhooks (``RATELIMIT_EXEMPT_PATHS``) are
not limited, so a burst of delivery receipts is never refused.
"""

from __future__ import annotations

import hashlib
import logging
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import BaseCache, caches
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from townhall.core.errors import Problem
from townhall.core.views.errors import problem_response

logger = logging.getLogger(__name__)

# Staff pages inside the journeys app are not residents' journeys; they sit behind sign-in.
_NOT_RESIDENT = {"assisted", "walk"}
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_EXPIRY_MARGIN = 5  # seconds a counter outlives its window, so a slow clock never reads a window twice


def client_ip(request: HttpRequest) -> str:
    """The caller's address: ``REMOTE_ADDR``, or the entry our own proxies added to X-Forwarded-For."""
    proxies = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0))
    if proxies > 0:
        forwarded = [p.strip() for p in request.headers.get("X-Forwarded-For", "").split(",") if p.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return str(request.META.get("REMOTE_ADDR", "") or "unknown")


def parse_rate(rate: str) -> tuple[int, int]:
    """``"300/m"`` → (300, 60): requests allowed, in a window of so many seconds (``"10/5m"`` → (10, 300))."""
    allowed, _, per = rate.partition("/")
    try:
        return int(allowed), int(per[:-1] or 1) * _UNITS[per[-1:]]
    except (KeyError, ValueError):
        raise ImproperlyConfigured(f"Rate {rate!r} is not like 300/m (per s, m, h or d)") from None


@dataclass(frozen=True)
class Limit:
    """One counter a request adds to: ``who`` (an address, a hashed token) in ``group``, at ``rate``."""

    group: str
    who: str
    rate: str

    def window(self, now: int) -> tuple[str, int, int, int]:
        """(cache key, allowed, seconds the key lives, seconds left in the window) for the window holding now."""
        allowed, period = parse_rate(self.rate)
        offset = zlib.crc32(self.who.encode()) % period
        start = now - (now - offset) % period
        key = f"ratelimit:{self.group}:{start}:{hashlib.sha256(self.who.encode()).hexdigest()[:32]}"
        return key, allowed, period + _EXPIRY_MARGIN, start + period - now


def count(cache: BaseCache, keys: list[tuple[str, int]]) -> list[int | None]:
    """Add one to each counter (key, seconds it lives), creating it at 1; returns the counts.

    A cache that can count many at once (``count_hits``, the Redis backend) does so in one round trip. A
    count is None where the cache kept nothing (django-redis ignoring its errors, say).
    """
    many = getattr(cache, "count_hits", None)
    if many is not None:
        return list(many(keys))
    counts: list[int | None] = []
    for key, timeout in keys:
        if cache.add(key, 1, timeout):
            counts.append(1)
            continue
        try:
            counts.append(cache.incr(key))
        except ValueError:  # it expired between the two calls: a new window starts with this request
            counts.append(1 if cache.add(key, 1, timeout) else None)
    return counts


class Refusal(Exception):
    def __init__(self, status: int, code: str, retry_after: int) -> None:
        super().__init__(code)
        self.status, self.code, self.retry_after = status, code, retry_after


def _enforce(limits: list[Limit]) -> None:
    now = int(time.time())
    windows = [limit.window(now) for limit in limits]
    try:
        counts = count(caches[settings.RATELIMIT_USE_CACHE], [(key, lives) for key, _, lives, _ in windows])
    except Exception as exc:  # the cache is down or misconfigured: refuse rather than allow
        logger.error("Rate limit counters unavailable; refusing the request", exc_info=True)
        raise Refusal(503, "rate_limit_unavailable", 30) from exc
    for limit, (_, allowed, _, left), counted in zip(limits, windows, counts, strict=True):
        if counted is None:
            logger.error("Rate limit counter %s was not kept; refusing the request", limit.group)
            raise Refusal(503, "rate_limit_unavailable", 30)
        if counted > allowed:
            logger.warning("Rate limit %s reached", limit.group, extra={"rate_limit_group": limit.group})
            raise Refusal(429, "rate_limited", max(1, left))


def _is_resident_post(request: HttpRequest) -> bool:
    match = request.resolver_match
    return (
        request.method == "POST"
        and match is not None
        and match.app_name == "journeys"
        and match.url_name not in _NOT_RESIDENT
        and "local_pay" not in match.namespaces
    )


def _api_response(refusal: Refusal) -> HttpResponse:
    if refusal.status == 429:
        title, detail = "Too many requests", "Slow down: try again after the number of seconds in Retry-After"
    else:
        title, detail = "Service unavailable", "Requests cannot be counted at the moment: try again later"
    response = problem_response(Problem(refusal.status, refusal.code, title, detail))
    response["Retry-After"] = str(refusal.retry_after)
    return response


def _page_response(request: HttpRequest, refusal: Refusal) -> HttpResponse:
    response = render(
        request,
        "errors/429.html",
        {"retry_after": refusal.retry_after, "unavailable": refusal.status == 503},
        status=refusal.status,
    )
    response["Retry-After"] = str(refusal.retry_after)
    response["X-Townhall-Error"] = refusal.code
    return response


def _api_limits(request: HttpRequest) -> list[Limit]:
    limits = [Limit("api-ip", client_ip(request), settings.RATELIMIT_API_IP)]
    if token := request.headers.get("Authorization"):
        limits.append(Limit("api-key", token, settings.RATELIMIT_API_KEY))  # hashed in its key, never kept
    return limits


def _resident_limits(request: HttpRequest) -> list[Limit]:
    if not _is_resident_post(request):
        return []
    return [Limit("resident-post", client_ip(request), settings.RATELIMIT_RESIDENT_POST)]


class RateLimitMiddleware:
    """Checks limits once the URL is resolved (``process_view``), before the view runs."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        for name in ("RATELIMIT_API_IP", "RATELIMIT_API_KEY", "RATELIMIT_RESIDENT_POST"):
            parse_rate(getattr(settings, name))  # a mistyped rate stops the server starting, not every request

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: Any
    ) -> HttpResponse | None:
        if not getattr(settings, "RATELIMIT_ENABLE", True):
            return None
        if request.path in getattr(settings, "RATELIMIT_EXEMPT_PATHS", ()):
            return None
        api_prefix = getattr(settings, "RATELIMIT_API_PREFIX", "/api/")
        is_api = request.path.startswith(api_prefix)
        limits = _api_limits(request) if is_api else _resident_limits(request)
        if not limits:
            return None
        try:
            _enforce(limits)
        except Refusal as refusal:
            return _api_response(refusal) if is_api else _page_response(request, refusal)
        return None
