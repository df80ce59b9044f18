"""The deployment files: production settings pass Django's deployment checks, the units and image are sound."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


def production_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "LOG_"))}
    env.update(
        DJANGO_ENV="production",
        DJANGO_SETTINGS_MODULE="townhall.settings",
        SECRET_KEY="a-test-only-secret-key-that-is-long-and-random-enough-1234567890",
        ALLOWED_HOSTS="townhall.example",
        TOWNHALL_VAR_DIR=str(tmp_path),
    )
    env.update(extra)
    return env


def test_prod_check_passes_with_production_settings(tmp_path: Path) -> None:
    """What `make prod-check` runs: `manage.py check --deploy --fail-level WARNING`."""
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=production_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key(tmp_path: Path) -> None:
    env = production_env(tmp_path)
    del env["SECRET_KEY"]
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180
    )
    assert result.returncode != 0 and "SECRET_KEY must be set" in result.stderr


def test_the_makefile_has_prod_check() -> None:
    makefile = (ROOT / "Makefile").read_text()
    assert "prod-check:" in makefile and "check --deploy --fail-level WARNING" in makefile


def test_the_makefile_runs_the_image_check_outside_make_test() -> None:
    """`make image-check` builds and runs the image (root, apt, minutes), so `make test` never depends on it."""
    makefile = (ROOT / "Makefile").read_text()
    assert "\nimage-check:\n\tdeploy/image-check.sh\n" in makefile
    test_line = next(line for line in makefile.splitlines() if line.startswith("test:"))
    assert "image-check" not in test_line


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_units_are_valid() -> None:
    units = [str(p) for p in sorted((DEPLOY / "systemd").glob("*.service"))]
    assert len(units) == 3
    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *units], capture_output=True, text=True, timeout=60
    )
    # The only complaint allowed on a machine without Townhall installed is the missing /opt/townhall.
    problems = [line for line in result.stderr.splitlines() if line.strip() and "is not executable" not in line]
    assert problems == []


def test_systemd_units_run_as_townhall_with_the_env_file_and_hardening() -> None:
    for unit in (DEPLOY / "systemd").glob("*.service"):
        text = unit.read_text()
        for line in (
            "User=townhall",
            "EnvironmentFile=/etc/townhall/townhall.env",
            "NoNewPrivileges=yes",
            "ProtectSystem=strict",
            "ReadWritePaths=/var/lib/townhall",
        ):
            assert line in text, (unit.name, line)
    web = (DEPLOY / "systemd" / "townhall-web.service").read_text()
    assert "ExecStart=/opt/townhall/.venv/bin/python deploy/web.py" in web and "ExecReload=/bin/kill -s HUP" in web


def test_the_dockerfile_builds_a_non_root_web_image_with_static_files() -> None:
    text = (DEPLOY / "Dockerfile").read_text()
    # The base images are build arguments (deploy/image-check.sh passes local stand-ins); the defaults are public.
    assert "\nARG NODE_IMAGE=node:20-bookworm-slim\n" in text and "\nFROM ${NODE_IMAGE} AS assets\n" in text
    assert "\nARG PYTHON_IMAGE=python:3.11-slim\n" in text and "\nFROM ${PYTHON_IMAGE} AS runtime\n" in text
    assert text.index("ARG PYTHON_IMAGE") < text.index("\nFROM ")
    assert "pip install --require-hashes --no-deps -r requirements.lock" in text
    assert "collectstatic --no-input" in text
    assert "\nUSER townhall\n" in text and text.index("USER townhall") > text.index("collectstatic")
    assert 'CMD ["python", "deploy/web.py"]' in text
    assert "/healthz" in text  # HEALTHCHECK
    assert ".venv" in (DEPLOY / "Dockerfile.dockerignore").read_text()
    # Workers serve no HTTP, so the documented worker commands leave the web HEALTHCHECK out.
    workers = [line for line in text.splitlines() if "manage.py db_worker" in line or "deliver_notifications" in line]
    assert workers and all("--no-healthcheck" in line for line in workers)


def test_the_example_env_names_only_settings_that_exist() -> None:
    settings_text = (ROOT / "townhall" / "settings.py").read_text() + (DEPLOY / "web.py").read_text()
    for line in (DEPLOY / "townhall.env.example").read_text().splitlines():
        if line and not line.startswith("#"):
            name = line.split("=", 1)[0]
            assert f'"{name}"' in settings_text or f"'{name}'" in settings_text, name


def test_deploy_scripts_are_strict_bash() -> None:
    for name in ("backup.sh", "restore.sh", "image-check.sh"):
        path = DEPLOY / name
        assert os.access(path, os.X_OK)
        assert "set -euo pipefail" in path.read_text()
        subprocess.run(["bash", "-n", str(path)], check=True)


def test_no_stylesheet_rule_points_at_an_image_the_build_leaves_out() -> None:
    """Manifest storage refuses a stylesheet that refers to a missing file; the crest is never ours to ship."""
    css = (ROOT / "townhall" / "static" / "dist" / "townhall.css").read_text()
    referenced = set(re.findall(r"url\([\"']?(images/[^\"')]+)", css))
    shipped = {f"images/{p.name}" for p in (ROOT / "townhall" / "static" / "dist" / "images").glob("*")}
    assert "crest" not in css.replace("copyright-logo", "")
    assert referenced <= shipped, referenced - shipped


def _pins(lock: str) -> dict[str, str]:
    """name → the lock's requirement line and hashes for it, from a `uv pip compile --generate-hashes` file."""
    text = (ROOT / lock).read_text()
    blocks = re.split(r"\n(?=[a-z0-9])", text)
    return {block.split("==", 1)[0]: block.split("    #", 1)[0].strip() for block in blocks if "==" in block}


def test_production_installs_the_runtime_lock_and_development_the_same_pins_with_tools() -> None:
    runtime, development = _pins("requirements.lock"), _pins("requirements-dev.lock")
    assert {"django", "granian", "psycopg", "redis"} <= set(runtime) and "gunicorn" not in runtime
    # Every runtime package is pinned, with the same hashes, in the development lock: tests run what ships.
    assert {name: development.get(name) for name in runtime} == runtime
    tools = {"pytest", "hypothesis", "playwright", "moto", "mypy", "ruff", "schemathesis", "babel"}
    assert tools <= set(development) and not tools & set(runtime)
    makefile = (ROOT / "Makefile").read_text()
    assert "-r requirements-dev.lock" in makefile


def _web_module() -> Any:
    spec = importlib.util.spec_from_file_location("townhall_deploy_web", DEPLOY / "web.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_web_server_takes_its_settings_from_the_environment() -> None:
    web = _web_module()
    defaults = web.server_settings({})
    assert (defaults["address"], defaults["port"]) == ("0.0.0.0", 8000)
    assert defaults["workers"] == web.cores() and defaults["blocking_threads"] == 2
    assert defaults["target"] == "townhall.wsgi:application" and str(defaults["interface"]) == "wsgi"
    assert defaults["respawn_failed_workers"] and defaults["workers_max_rss"] == 1024
    assert web.server_settings({"PORT": "8080"})["port"] == 8080
    chosen = web.server_settings(
        {"WEB_BIND": "[::1]:9000", "WEB_CONCURRENCY": "3", "WEB_THREADS": "4", "WEB_MAX_RSS_MB": "512"}
        | {"LOG_LEVEL": "WARNING"}
    )
    assert (chosen["address"], chosen["port"], chosen["workers"], chosen["blocking_threads"]) == ("::1", 9000, 3, 4)
    assert chosen["workers_max_rss"] == 512 and str(chosen["log_level"].value) == "warning"
    for wrong in ("localhost", "[::1]", ":8000", "127.0.0.1:http"):
        with pytest.raises(SystemExit, match="WEB_BIND must be host:port"):
            web.server_settings({"WEB_BIND": wrong})


def test_the_web_server_refuses_counts_that_are_not_whole_numbers() -> None:
    web = _web_module()
    for name in ("WEB_CONCURRENCY", "WEB_THREADS", "WEB_MAX_RSS_MB"):
        for wrong in ("two", "0", "-1", "1.5"):
            with pytest.raises(SystemExit, match=f"{name} must be a whole number of at least 1, not '{wrong}'"):
                web.server_settings({name: wrong})


def test_the_web_server_empties_the_metrics_directory_on_start(tmp_path: Path) -> None:
    metrics = tmp_path / "metrics"
    metrics.mkdir()
    (metrics / "counter_123.db").write_bytes(b"an old worker's counts")
    _web_module().empty_metrics_directory({"PROMETHEUS_MULTIPROC_DIR": str(metrics)})
    assert metrics.is_dir() and not any(metrics.iterdir())


def test_the_web_server_gives_its_workers_a_statement_timeout_unless_one_is_set() -> None:
    web = _web_module()
    env: dict[str, str] = {}
    web.worker_environment(env)
    assert env == {"DJANGO_SETTINGS_MODULE": "townhall.settings", "DATABASE_STATEMENT_TIMEOUT_MS": "30000"}
    chosen = {"DATABASE_STATEMENT_TIMEOUT_MS": "0", "DJANGO_SETTINGS_MODULE": "elsewhere.settings"}
    web.worker_environment(chosen)
    assert chosen == {"DATABASE_STATEMENT_TIMEOUT_MS": "0", "DJANGO_SETTINGS_MODULE": "elsewhere.settings"}
