"""Escalate overdue cases to their team managers. Run it from cron or the task worker; safe to run twice."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from townhall.cases.services.escalation import cases_escalate_overdue


class Command(BaseCommand):
    help = "Escalate cases past their service-level due date to their team's managers"

    def handle(self, *args: Any, **options: Any) -> None:
        escalated = cases_escalate_overdue()
        for case in escalated:
            self.stdout.write(f"Escalated {case.reference} (due {case.due_on})")
        self.stdout.write(self.style.SUCCESS(f"{len(escalated)} case(s) escalated"))
