"""Retention: closed cases past their definition's retention period are anonymised or deleted."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone

from townhall.cases.models import Case, CaseEvent, CaseEventKind, Document
from townhall.cases.services._steps import record_event
from townhall.catalogue.models import DefinitionVersion
from townhall.core.models import Organisation
from townhall.core.services.audit import audit_record


@dataclass
class RetentionReport:
    dry_run: bool
    anonymised: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.anonymised) + len(self.deleted)


def _due(now: datetime) -> list[tuple[Case, str]]:
    """Every closed case past its retention period, with the action its definition asks for."""
    found: list[tuple[Case, str]] = []
    version_ids = (
        Case.objects.filter(decided_at__isnull=False, anonymised_at__isnull=True)
        .values_list("version_id", flat=True)
        .distinct()
    )
    for version in DefinitionVersion.objects.filter(pk__in=list(version_ids)):
        retention = version.definition().retention
        cutoff = now - timedelta(days=retention.days)
        cases = Case.objects.filter(version=version, decided_at__lt=cutoff, anonymised_at__isnull=True).select_related(
            "organisation"
        )
        found.extend((case, retention.action) for case in cases.order_by("decided_at", "pk"))
    return found


def _remove_documents(case: Case) -> None:
    """Delete the case's document rows now and their files once the transaction commits."""
    names = list(Document.objects.filter(case=case).values_list("file", flat=True))
    Document.objects.filter(case=case).delete()

    def remove_files() -> None:
        for name in names:
            default_storage.delete(name)

    transaction.on_commit(remove_files)


def _anonymise(case: Case, now: datetime) -> None:
    _remove_documents(case)
    CaseEvent.objects.filter(case=case).exclude(text="").update(text="")
    Case.objects.filter(pk=case.pk).update(
        answers={},
        resident_email="",
        resident_name="",
        postcode="",
        name_search="",
        postcode_search="",
        anonymised_at=now,
    )
    record_event(case, CaseEventKind.ANONYMISED, when=now)


def cases_retention(*, dry_run: bool = False, now: datetime | None = None) -> RetentionReport:
    """Apply each definition's retention to closed cases. ``dry_run`` changes nothing and reports what would."""
    now = now or timezone.now()
    report = RetentionReport(dry_run=dry_run)
    due = _due(now)
    by_organisation: dict[Organisation, list[tuple[Case, str]]] = defaultdict(list)
    for case, action in due:
        by_organisation[case.organisation].append((case, action))
    for organisation, items in by_organisation.items():
        done: dict[str, list[str]] = {"anonymised": [], "deleted": []}
        with transaction.atomic():
            for case, action in items:
                if action == "delete" and not dry_run:
                    try:
                        with transaction.atomic():  # a rolled-back savepoint drops its on_commit too
                            _remove_documents(case)
                            case.delete()
                        done["deleted"].append(case.reference)
                        continue
                    except ProtectedError:
                        pass  # another app still holds it (a referral): anonymise instead
                elif action == "delete":
                    done["deleted"].append(case.reference)
                    continue
                if not dry_run:
                    _anonymise(case, now)
                done["anonymised"].append(case.reference)
            if not dry_run:
                audit_record(
                    organisation=organisation,
                    actor=None,
                    action="cases.retention_applied",
                    object_type="case",
                    data={**done, "at": now},
                )
        report.anonymised += done["anonymised"]
        report.deleted += done["deleted"]
    return report
