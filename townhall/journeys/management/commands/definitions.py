"""`manage.py definitions check FILE...` (catalogue's checker) and `definitions walk ID` (journey walker)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Work with service definitions: check files, or walk a published definition's journey."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        check = sub.add_parser("check", help="run the platform's checks on definition files")
        check.add_argument("files", nargs="+")
        check.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "check":
            from townhall.catalogue.cli import check_files

            status = check_files(options["files"], out=self.stdout, output_format=options["format"])
            if status:
                raise SystemExit(status)
