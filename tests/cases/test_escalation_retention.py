from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from townhall.cases.models import Case, CaseEvent, CaseEventKind
from townhall.cases.services import case_note_add, case_open, case_transition, cases_escalate_overdue, cases_retention
from townhall.core.models import AuditEvent
from townhall.core.roles import Role
from townhall.core.services.organisations import membership_grant
from townhall.notifications.models import Notification


@pytest.fixture
def case(county, blue_badge, answers):
    return case_open(organisation=county, version=blue_badge, answers=answers, channel="online", actor=None)


def test_overdue_cases_escalate_to_the_team_manager_once(county, case, make_staff) -> None:
    manager = make_staff(county)
    membership_grant(actor=None, organisation=county, user=manager, role=Role.TEAM_MANAGER, team="badges")
    make_staff(county, Role.TEAM_MANAGER)  # another team's manager is not told
    later = case.due_on + dt.timedelta(days=3)
    assert cases_escalate_overdue(today=case.due_on) == []
    escalated = cases_escalate_overdue(today=later)
    assert [c.reference for c in escalated] == [case.reference]
    assert cases_escalate_overdue(today=later) == []  # safe to run twice
    notes = Notification.objects.filter(case_reference=case.reference, kind="case.escalated")
    assert [n.to for n in notes] == [manager.email]
    assert CaseEvent.objects.filter(case=case, kind=CaseEventKind.ESCALATED).count() == 1
    assert AuditEvent.objects.filter(action="case.escalated").count() == 1


def test_paused_and_decided_cases_do_not_escalate(county, case, make_staff) -> None:
    worker = make_staff(county, Role.CASEWORKER)
    case_transition(case=case, transition_id="ask_for_information", actor=worker)
    assert cases_escalate_overdue(today=case.due_on + dt.timedelta(days=30)) == []


def test_escalate_command(county, case) -> None:
    out = io.StringIO()
    Case.objects.filter(pk=case.pk).update(due_on=timezone.localdate() - dt.timedelta(days=2))
    call_command("cases_escalate", stdout=out)
    call_command("cases_escalate", stdout=out)
    assert f"Escalated {case.reference}" in out.getvalue()
    assert out.getvalue().count("Escalated ") == 1


def test_retention_dry_run_then_anonymise(county, case, make_staff) -> None:
    worker = make_staff(county, Role.CASEWORKER)
    case_note_add(case=case, text="Spoke to Gwen at home", actor=worker)
    case = case_transition(case=case, transition_id="refuse", actor=worker, reason="Gwen is not eligible")
    Case.objects.filter(pk=case.pk).update(decided_at=timezone.now() - dt.timedelta(days=400))
    out = io.StringIO()
    call_command("cases_retention", "--dry-run", stdout=out)
    assert f"Would anonymise {case.reference}" in out.getvalue()
    case.refresh_from_db()
    assert case.resident_name == "Gwen Jones"
    assert not AuditEvent.objects.filter(action="cases.retention_applied").exists()
    call_command("cases_retention", stdout=out)
    case.refresh_from_db()
    assert case.anonymised_at is not None
    assert (case.answers, case.resident_name, case.resident_email, case.postcode) == ({}, "", "", "")
    assert not CaseEvent.objects.filter(case=case).exclude(text="").exists()
    assert AuditEvent.objects.filter(action="cases.retention_applied").count() == 1
    assert cases_retention().total == 0  # already done


def test_retention_keeps_cases_inside_their_period(county, case, make_staff) -> None:
    worker = make_staff(county, Role.CASEWORKER)
    case_transition(case=case, transition_id="refuse", actor=worker, reason="No")
    Case.objects.filter(pk=case.pk).update(decided_at=timezone.now() - dt.timedelta(days=300))
    assert cases_retention().total == 0


def test_retention_deletes_when_the_definition_says_so(county, answers, make_staff) -> None:
    from tests.cases.conftest import BLUE_BADGE, publish

    version = publish(county, BLUE_BADGE.replace("action: anonymise", "action: delete"), number=2)
    case = case_open(organisation=county, version=version, answers=answers, channel="online", actor=None)
    case_transition(case=case, transition_id="refuse", actor=make_staff(county, Role.CASEWORKER), reason="No")
    Case.objects.filter(pk=case.pk).update(decided_at=timezone.now() - dt.timedelta(days=366))
    report = cases_retention()
    assert report.deleted == [case.reference]
    assert not Case.objects.filter(pk=case.pk).exists()


def test_retention_removes_document_files_after_commit(
    county, case, make_staff, settings, tmp_path, django_capture_on_commit_callbacks
) -> None:
    from django.core.files.storage import default_storage

    from tests.cases.test_documents import PNG, FakeScanner
    from townhall.cases.services import document_upload

    settings.MEDIA_ROOT = tmp_path
    document = document_upload(case=case, file=io.BytesIO(PNG), filename="p.png", actor=None, scanner=FakeScanner())
    name = document.file.name
    assert default_storage.exists(name)
    case_transition(case=case, transition_id="refuse", actor=make_staff(county, Role.CASEWORKER), reason="No")
    Case.objects.filter(pk=case.pk).update(decided_at=timezone.now() - dt.timedelta(days=400))
    with django_capture_on_commit_callbacks(execute=True):
        assert cases_retention().anonymised == [case.reference]
    assert not default_storage.exists(name)
    assert not case.documents.exists()


def test_escalation_task_runs_the_service(county, case) -> None:
    from townhall.cases.tasks import cases_escalate_task

    Case.objects.filter(pk=case.pk).update(due_on=timezone.localdate() - dt.timedelta(days=5))
    assert cases_escalate_task.call() == 1
    assert cases_escalate_task.call() == 0
