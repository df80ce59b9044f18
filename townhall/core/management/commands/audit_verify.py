from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from townhall.core.selectors.audit import audit_chains_verify


class Command(BaseCommand):
    help = "Prove every audit chain (or those named) is intact, and name the first broken link."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("chains", nargs="*", help="chain keys such as org:3 or platform (default: all)")

    def handle(self, *args: Any, chains: list[str], **options: Any) -> None:
        results = audit_chains_verify(chains=chains or None)
        failures = 0
        for key, broken in results.items():
            if broken is None:
                self.stdout.write(f"{key}: intact")
            else:
                failures += 1
                self.stdout.write(f"{key}: BROKEN at event {broken.sequence}: {broken.reason}")
        if failures:
            raise CommandError(f"{failures} audit chain(s) broken")
        self.stdout.write(self.style.SUCCESS(f"{len(results)} audit chain(s) verified"))
