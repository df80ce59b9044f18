"""Security headers: CSP (with the templates' inline script allowed by hash), HSTS, frame options and friends."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import pytest
from django.test import Client, override_settings

from townhall.core.ops.security_headers import content_security_policy

BASE_HTML = Path(__file__).resolve().parents[2] / "townhall" / "templates" / "base.html"


@pytest.mark.django_db
def test_pages_carry_csp_frame_options_nosniff_and_referrer_policy(client: Client) -> None:
    response = client.get("/")
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    for directive in ("default-src 'self'", "object-src 'none'", "frame-ancestors 'none'", "base-uri 'self'"):
        assert directive in csp
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]


def test_the_inline_script_in_the_base_template_is_allowed_by_its_hash() -> None:
    body = re.search(r"<script>(.*?)</script>", BASE_HTML.read_text(), re.DOTALL)
    assert body is not None
    digest = base64.b64encode(hashlib.sha256(body.group(1).encode()).digest()).decode()
    script_src = next(d for d in content_security_policy().split("; ") if d.startswith("script-src"))
    assert f"'sha256-{digest}'" in script_src


def test_api_responses_carry_the_headers_too(client: Client) -> None:
    response = client.get("/healthz")
    assert "Content-Security-Policy" in response and response["X-Frame-Options"] == "DENY"


@override_settings(SECURE_HSTS_SECONDS=31536000, SECURE_HSTS_INCLUDE_SUBDOMAINS=True, SECURE_HSTS_PRELOAD=True)
def test_hsts_is_sent_over_https_with_production_settings(client: Client) -> None:
    response = client.get("/healthz", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


def test_production_settings_turn_hsts_on(tmp_path: Path) -> None:
    import json
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "DJANGO_ENV": "production",
        "SECRET_KEY": "x" * 50,
        "DJANGO_SETTINGS_MODULE": "townhall.settings",
        "TOWNHALL_VAR_DIR": str(tmp_path),
    }
    script = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps([s.SECURE_HSTS_SECONDS, s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE,"
        " s.X_FRAME_OPTIONS, s.CSP_ENABLED, s.LOG_FORMAT, s.DEBUG]))"
    )
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == [31536000, True, True, True, "DENY", True, "json", False]


@override_settings(SECURE_SSL_REDIRECT=True)
def test_probes_are_not_redirected_to_https(client: Client) -> None:
    assert client.get("/healthz").status_code == 200
    assert client.get("/").status_code == 301
