"""The `definitions walk ID` subcommand: report the pages each branch of a journey visits."""

from __future__ import annotations

from typing import Any

from townhall.catalogue.models import DefinitionVersion
from townhall.journeys.walker import walk


def _version(definition_id: str, organisation_code: str | None, number: int | None) -> DefinitionVersion | None:
    versions = DefinitionVersion.objects.select_related("service__organisation").filter(service__slug=definition_id)
    if organisation_code:
        versions = versions.filter(service__organisation__code=organisation_code)
    if number is not None:
        versions = versions.filter(number=number)
    drafts = versions.filter(status="draft")
    return (drafts if number is None and drafts.exists() else versions).order_by("-number").first()


def walk_command(*, definition_id: str, organisation_code: str | None, number: int | None, out: Any) -> int:
    version = _version(definition_id, organisation_code, number)
    if version is None:
        out.write(f"No definition {definition_id!r} found\n")
        return 2
    mode = "dry run (draft)" if version.status == "draft" else "submitted in a throwaway transaction"
    out.write(f"{definition_id} v{version.number} ({version.status}) — {mode}, rolled back afterwards\n")
    branches = walk(version)
    failed = 0
    for index, branch in enumerate(branches, start=1):
        choices = ", ".join(f"{k}={v}" for k, v in branch.choices.items()) or "sample answers"
        out.write(f"\nBranch {index}: {choices}\n")
        out.write(f"  pages visited ({len(branch.pages)}): {' → '.join(branch.pages)}\n")
        out.write(f"  outcome: {branch.outcome}\n")
        failed += 0 if branch.ok else 1
    out.write(f"\n{len(branches)} branches, {failed} failed\n")
    return 1 if failed else 0
