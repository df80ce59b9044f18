"""Content-Security-Policy and Permissions-Policy on every response.

HSTS, X-Frame-Options, X-Content-Type-Options, Referrer-Policy and Cross-Origin-Opener-Policy come from
Django's own middleware and settings. The CSP allows scripts and styles from the platform only. The few
inline scripts and ``style`` attributes in the Jinja templates are allowed by their SHA-256 hashes,
computed from the templates themselves when the first response is made, so the policy follows the
templates without anyone copying hashes by hand (a template expression inside one would not match and
is not allowed).
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse

_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.DOTALL | re.IGNORECASE)
_STYLE_ATTRIBUTE = re.compile(r"\sstyle=\"([^\"{}]*)\"")


def _hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def _template_dirs() -> Iterable[Path]:
    engines: list[dict[str, Any]] = list(settings.TEMPLATES)
    for engine in engines:
        for directory in engine.get("DIRS", []):
            yield Path(directory)


@cache
def inline_hashes() -> tuple[tuple[str, ...], tuple[str, ...]]:
    scripts: set[str] = set()
    styles: set[str] = set()
    for directory in _template_dirs():
        for path in sorted(directory.rglob("*.html")):
            text = path.read_text(encoding="utf-8")
            scripts.update(_hash(body) for body in _INLINE_SCRIPT.findall(text) if "{{" not in body and body.strip())
            styles.update(_hash(body) for body in _STYLE_ATTRIBUTE.findall(text))
    return tuple(sorted(scripts)), tuple(sorted(styles))


@cache
def content_security_policy() -> str:
    scripts, styles = inline_hashes()
    style_src = ["'self'", *(["'unsafe-hashes'", *styles] if styles else [])]
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'", *scripts],
        "style-src": style_src,
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'", *getattr(settings, "CSP_FORM_ACTION_EXTRA", [])],
    }
    policy = "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())
    if report_uri := getattr(settings, "CSP_REPORT_URI", ""):
        policy += f"; report-uri {report_uri}"
    return policy


PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not getattr(settings, "CSP_ENABLED", True):
            return response
        if any(request.path.startswith(p) for p in getattr(settings, "CSP_EXEMPT_PATHS", ())):
            return response
        header = "Content-Security-Policy-Report-Only" if getattr(settings, "CSP_REPORT_ONLY", False) else None
        response.headers.setdefault(header or "Content-Security-Policy", content_security_policy())
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response
