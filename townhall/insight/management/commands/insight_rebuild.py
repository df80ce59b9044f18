"""Rebuild the month summaries insight and open data read. Run it nightly (cron, a systemd timer or the worker)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from townhall.insight.services.rebuild import insight_rebuild


class Command(BaseCommand):
    help = "Summarise every closed month of every service from the records, replacing the summaries at once"

    def handle(self, *args: Any, **options: Any) -> None:
        run = insight_rebuild()
        if run is None:
            self.stdout.write("No cases yet: nothing to summarise")
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Summarised {run.rows} service-months from {run.first_month:%B %Y} to {run.last_month:%B %Y}"
                f" in {run.seconds:.1f} s"
            )
        )
