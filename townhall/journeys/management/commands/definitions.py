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
        walk = sub.add_parser(
            "walk",
            help="walk every branch of a definition's journey to submission with sample answers "
            "(in a throwaway transaction, always rolled back; a draft's submission is a dry run)",
        )
        walk.add_argument("definition_id", metavar="ID", help="the definition (service) id, such as report-missed-bin")
        walk.add_argument("--organisation", help="the owning organisation's code, when several use the same id")
        walk.add_argument("--version", type=int, help="a version number; default the draft, else the newest")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "check":
            from townhall.catalogue.cli import check_files

            status = check_files(options["files"], out=self.stdout, output_format=options["format"])
            if status:
                raise SystemExit(status)
        elif action == "walk":
            from townhall.journeys.management.walk import walk_command

            status = walk_command(
                definition_id=options["definition_id"],
                organisation_code=options.get("organisation"),
                number=options.get("version"),
                out=self.stdout,
            )
            if status:
                raise SystemExit(status)
