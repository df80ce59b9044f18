"""Mail in triage: a caseworker files it on the right case or closes it with a reason; nothing else leaves."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.cases.test_inbound import PDF, reply
from townhall.cases.models import CaseEventKind
from townhall.core.errors import NotFound, ValidationFailed
from townhall.core.models import AuditEvent
from townhall.core.roles import Role
from townhall.notifications.models import InboundMessage, InboundStatus
from townhall.notifications.services.inbound import inbound_receive
from townhall.notifications.services.triage import inbound_close, inbound_file_on_case


@pytest.fixture
def stray(open_case, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    """A reply naming a reference that does not exist, sent to the county's address: it waits in triage."""
    case = open_case()  # the county has mail, so the message can be placed by the reference in its subject
    with django_capture_on_commit_callbacks(execute=True):
        message = inbound_receive(raw=reply("council@replies.example", "Re: my badge", PDF), rcpt_to=["x@y"])
    message.refresh_from_db()
    assert message.status == InboundStatus.TRIAGE and message.organisation is None
    # Triage belongs to an organisation; mail that matched none is routed by a platform admin first.
    InboundMessage.objects.filter(pk=message.pk).update(organisation=case.organisation)
    message.refresh_from_db()
    return message, case


def triage_url(org, *args) -> str:
    if args:
        return reverse(
            "notifications:triage-act", kwargs={"organisation_slug": org.slug, "message_id": args[0], "act": args[1]}
        )
    return reverse("notifications:triage", kwargs={"organisation_slug": org.slug})


def test_filing_puts_the_reply_and_its_clean_attachment_on_the_case(county, make_staff, stray) -> None:
    message, case = stray
    worker = make_staff(county, Role.CASEWORKER)
    inbound_file_on_case(
        organisation=county, actor=worker, message_id=message.pk, case_reference=case.reference.lower()
    )
    message.refresh_from_db()
    assert message.status == InboundStatus.MATCHED and message.matched_by == "staff"
    assert case.events.filter(kind=CaseEventKind.REPLY).count() == 1
    assert case.documents.get().original_name == "letter.pdf"
    assert AuditEvent.objects.filter(action="inbound_mail.filed", object_id=str(message.pk)).exists()


def test_a_wrong_reference_is_refused_and_the_message_stays(county, make_staff, stray) -> None:
    message, _ = stray
    with pytest.raises(ValidationFailed) as raised:
        inbound_file_on_case(
            organisation=county,
            actor=make_staff(county, Role.CASEWORKER),
            message_id=message.pk,
            case_reference="ZZZZ-9999",
        )
    assert raised.value.code == "case_not_found"
    message.refresh_from_db()
    assert message.status == InboundStatus.TRIAGE and message.case_reference == ""


def test_closing_needs_a_reason_and_is_audited(county, make_staff, stray) -> None:
    message, _ = stray
    worker = make_staff(county, Role.CASEWORKER)
    with pytest.raises(ValidationFailed):
        inbound_close(organisation=county, actor=worker, message_id=message.pk, reason=" ")
    inbound_close(organisation=county, actor=worker, message_id=message.pk, reason="Spam")
    message.refresh_from_db()
    assert message.status == InboundStatus.CLOSED and message.closed_reason == "Spam"
    assert AuditEvent.objects.filter(action="inbound_mail.closed").exists()
    with pytest.raises(NotFound):  # once handled it is no longer in triage
        inbound_close(organisation=county, actor=worker, message_id=message.pk, reason="Again")


def test_another_organisation_cannot_touch_the_message(county, district, make_staff, stray) -> None:
    message, _ = stray
    with pytest.raises(NotFound):
        inbound_close(
            organisation=district, actor=make_staff(district, Role.CASEWORKER), message_id=message.pk, reason="x"
        )
    message.refresh_from_db()
    assert message.status == InboundStatus.TRIAGE


def test_the_triage_page_lists_files_and_shows_errors(county, make_staff, verified_client, stray) -> None:
    message, case = stray
    client = verified_client(make_staff(county, Role.CASEWORKER))
    body = client.get(triage_url(county)).content.decode()
    assert "Re: my badge" in body and "It matched no case" in body and "letter.pdf (clean)" in body
    wrong = client.post(triage_url(county, message.pk, "file"), {"case_reference": "ZZZZ-9999"})
    assert wrong.status_code == 422
    assert "govuk-error-summary" in wrong.content.decode()
    assert f'href="#case_reference-{message.pk}"' in wrong.content.decode()
    done = client.post(triage_url(county, message.pk, "file"), {"case_reference": case.reference}, follow=True)
    assert done.status_code == 200 and f"Filed on case {case.reference}" in done.content.decode()
    assert "Nothing is waiting." in done.content.decode()


def test_the_triage_page_is_not_for_analysts_or_outsiders(county, district, make_staff, verified_client) -> None:
    assert verified_client(make_staff(county, Role.ANALYST)).get(triage_url(county)).status_code == 403
    assert verified_client(make_staff(district, Role.CASEWORKER)).get(triage_url(county)).status_code == 404
