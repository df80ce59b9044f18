"""`manage.py demo_load`: the demo organisations, staff and published definitions (idempotent)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from townhall.demo.loader import demo_load


class Command(BaseCommand):
    help = "Load the demo organisations, staff in every role and the definitions in definitions/. Safe to re-run."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--definitions", type=Path, default=None, help="folder of definitions to publish")

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("The demo has public passwords: it cannot be loaded when DJANGO_ENV=production")
        report = demo_load(definitions_dir=options["definitions"])
        for line in report.created:
            self.stdout.write(f"created {line}")
        for name in report.definitions_published:
            self.stdout.write(f"published {name}")
        for name in report.definitions_unchanged:
            self.stdout.write(f"unchanged {name}")
        for warning in report.warnings:
            self.stderr.write(self.style.WARNING(warning))
        for name, problem in report.definitions_failed:
            self.stderr.write(self.style.ERROR(f"FAILED {name}: {problem}"))
        if not report.created and not report.definitions_published:
            self.stdout.write("Demo data already loaded: nothing changed.")
        if not report.ok:
            raise CommandError(f"{len(report.definitions_failed)} definition(s) could not be published")
