"""Rate limits on residents' journey forms and on the JSON API, failing closed.

Counters live in the cache named by ``RATELIMIT_USE_CACHE`` (django-ratelimit's fixed windows). The API
is limited per client address and, when a bearer token is sent, per token (hashed); residents' journey
POSTs per client address. If the cache cannot be reached the request is refused (503 with
``Retry-After``) rather than let through: a limit that silently stops working protects nothing.

The API answers an RFC 9457 problem with the stable code ``rate_limited`` (or ``rate_limit_unavailable``);
pages answer a GOV.UK-style error page. Token-authenticated webhooks (``RATELIMIT_EXEMPT_PATHS``) are
not limited, so a burst of delivery receipts is never refused.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django_ratelimit.core import get_usage

from townhall.core.errors import Problem
from townhall.core.views.errors import problem_response

logger = logging.getLogger(__name__)

# Staff pages inside the journeys app are not residents' journeys; they sit behind sign-in.
_NOT_RESIDENT = {"assisted", "walk"}


def client_ip(request: HttpRequest) -> str:
    """The caller's address: ``REMOTE_ADDR``, or the entry our own proxies added to X-Forwarded-For."""
    proxies = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0))
    if proxies > 0:
        forwarded = [p.strip() for p in request.headers.get("X-Forwarded-For", "").split(",") if p.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return str(request.META.get("REMOTE_ADDR", "") or "unknown")


def _ip_key(group: str, request: HttpRequest) -> str:
    return client_ip(request)


def _token_key(group: str, request: HttpRequest) -> str:
    auth = request.headers.get("Authorization", "")
    return hashlib.sha256(auth.encode()).hexdigest()


class Refusal(Exception):
    def __init__(self, status: int, code: str, retry_after: int) -> None:
        super().__init__(code)
        self.status, self.code, self.retry_after = status, code, retry_after


def _check(request: HttpRequest, group: str, key: Callable[[str, HttpRequest], str], rate: str) -> None:
    try:
        usage = get_usage(request, group=group, key=key, rate=rate, increment=True)
    except Exception as exc:  # the cache is down or misconfigured: refuse rather than allow
        logger.error("Rate limit counters unavailable; refusing the request", exc_info=True)
        raise Refusal(503, "rate_limit_unavailable", 30) from exc
    if usage is None:  # no rate applies
        return
    if usage["should_limit"]:
        logger.warning("Rate limit %s reached", group, extra={"rate_limit_group": group})
        raise Refusal(429, "rate_limited", max(1, int(usage["time_left"])))


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


class RateLimitMiddleware:
    """Checks limits once the URL is resolved (``process_view``), before the view runs."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

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
        try:
            if request.path.startswith(api_prefix):
                _check(request, "api-ip", _ip_key, settings.RATELIMIT_API_IP)
                if request.headers.get("Authorization"):
                    _check(request, "api-key", _token_key, settings.RATELIMIT_API_KEY)
            elif _is_resident_post(request):
                _check(request, "resident-post", _ip_key, settings.RATELIMIT_RESIDENT_POST)
        except Refusal as refusal:
            if request.path.startswith(api_prefix):
                return _api_response(refusal)
            return _page_response(request, refusal)
        return None
