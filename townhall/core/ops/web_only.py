"""The middleware that only pages need, which the JSON API goes past (ADR 0019).

Sessions, staff sign-in, the second factor, flash messages and sign-in lockout serve people in browsers.
The API authenticates API keys only and never a browser's session (``core.api_auth``), so under /api/ these
would cost every request their CPU and give nothing. ``WebOnlyMiddleware`` stands in ``MIDDLEWARE`` where
they stood, and holds ``WEB_ONLY_MIDDLEWARE`` as a chain of its own: a page goes through it as it went
through them, in the same order, with any ``process_view`` hooks they have; an API request goes straight on
to the next middleware.
CSRF stays in ``MIDDLEWARE``, where Django's deployment checks look for it; the API's views are exempt.

Django's admin and django-axes look for their middleware in ``MIDDLEWARE`` only, so settings silence those
checks (admin.E408-E410, axes.W002) and ``web_only_middleware_check`` asks the same of
``WEB_ONLY_MIDDLEWARE`` instead.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured, MiddlewareNotUsed
from django.core.handlers.exception import convert_exception_to_response
from django.http import HttpRequest, HttpResponse
from django.utils.module_loading import import_string

from townhall.core.views.errors import is_api

Handler = Callable[[HttpRequest], Any]  # a response (Django types it loosely: sync or async)
ViewHook = Callable[[HttpRequest, Callable[..., Any], Any, Any], HttpResponse | None]


class WebOnlyMiddleware:
    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response
        self.view_hooks: list[ViewHook] = []
        chain = get_response
        for path in reversed(settings.WEB_ONLY_MIDDLEWARE):  # built inside out, as Django builds MIDDLEWARE
            middleware = import_string(path)
            if not getattr(middleware, "sync_capable", True):
                raise ImproperlyConfigured(f"{path} cannot serve a WSGI request")
            try:
                instance = middleware(chain)
            except MiddlewareNotUsed:
                continue
            if hasattr(instance, "process_view"):
                self.view_hooks.insert(0, instance.process_view)
            for hook in ("process_exception", "process_template_response"):
                if hasattr(instance, hook):  # the chain of its own would not call them: refuse, not ignore
                    raise ImproperlyConfigured(f"{path} has {hook}, which WEB_ONLY_MIDDLEWARE does not run")
            chain = convert_exception_to_response(instance)
        self.pages = chain

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request) if is_api(request) else self.pages(request)

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: Any
    ) -> HttpResponse | None:
        if is_api(request):
            return None
        for hook in self.view_hooks:
            response = hook(request, view, args, kwargs)
            if response is not None:
                return response
        return None


# What the silenced checks asked of MIDDLEWARE, asked of WEB_ONLY_MIDDLEWARE, in the order they must run.
NEEDED_IN_ORDER = (
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "axes.middleware.AxesMiddleware",
)


@checks.register(checks.Tags.security)
def web_only_middleware_check(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """The silenced checks' question, asked where the middleware now is: in WEB_ONLY_MIDDLEWARE when
    WebOnlyMiddleware runs it, else in MIDDLEWARE itself."""
    in_place = "townhall.core.ops.web_only.WebOnlyMiddleware" in settings.MIDDLEWARE
    where = "WEB_ONLY_MIDDLEWARE" if in_place else "MIDDLEWARE"
    listed = getattr(settings, "WEB_ONLY_MIDDLEWARE", []) if in_place else settings.MIDDLEWARE
    if [path for path in listed if path in NEEDED_IN_ORDER] != list(NEEDED_IN_ORDER):
        return [
            checks.Error(
                f"{where} must hold, in this order: " + ", ".join(NEEDED_IN_ORDER),
                hint="Sessions, staff sign-in, messages and sign-in lockout must run for every page.",
                id="townhall.E001",
            )
        ]
    return []
