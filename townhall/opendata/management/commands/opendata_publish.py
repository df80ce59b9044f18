"""Publish the open datasets whose schedule is due. Run it from cron or the task worker; safe to run twice."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from townhall.opendata.services import datasets_publish_due


class Command(BaseCommand):
    help = "Publish every open dataset whose schedule (weekly or monthly) is due; a version only when content changed"

    def handle(self, *args: Any, **options: Any) -> None:
        published = datasets_publish_due()
        for version in published:
            self.stdout.write(f"Published {version.dataset} version {version.number} ({version.row_count} rows)")
        self.stdout.write(self.style.SUCCESS(f"{len(published)} new version(s) published"))
