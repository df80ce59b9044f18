"""Anonymise or delete closed cases past their definition's retention period."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from townhall.cases.services.retention import cases_retention


class Command(BaseCommand):
    help = "Apply each service definition's retention period to closed cases"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Report what would happen; change nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        report = cases_retention(dry_run=options["dry_run"])
        verb = "Would" if report.dry_run else "Did"
        for reference in report.anonymised:
            self.stdout.write(f"{verb} anonymise {reference}")
        for reference in report.deleted:
            self.stdout.write(f"{verb} delete {reference}")
        summary = f"{len(report.anonymised)} anonymised, {len(report.deleted)} deleted"
        self.stdout.write(self.style.SUCCESS(f"Dry run: {summary}" if report.dry_run else summary))
