"""Staff email the resident from the case page; the message goes through the outbox and its reply comes back."""

from __future__ import annotations

import pytest
from django.urls import reverse

from townhall.cases.models import Case, CaseEvent, CaseEventKind
from townhall.cases.services import case_email_resident
from townhall.core.errors import PermissionDenied, ValidationFailed
from townhall.core.models import AuditEvent
from townhall.core.roles import Role
from townhall.notifications.models import Notification


def email_url(case) -> str:
    return reverse(
        "cases:email-resident", kwargs={"organisation_slug": case.organisation.slug, "reference": case.reference}
    )


def test_the_email_is_queued_recorded_and_audited(county, open_case, make_staff) -> None:
    case = open_case()
    worker = make_staff(county, Role.CASEWORKER)
    event = case_email_resident(case=case, subject="Your photo", body="Please send a clearer photo.", actor=worker)
    assert event.kind == CaseEventKind.MESSAGE and event.actor == worker
    message = Notification.objects.get(pk=event.data["notification"])
    assert message.to == "gwen@example.test" and message.kind == "staff_message"
    assert message.subject == f"Your photo [{case.reference}]" and message.case_reference == case.reference
    audit = AuditEvent.objects.get(action="case.resident_emailed")
    assert audit.object_id == case.reference and audit.data["notification"] == message.pk


@pytest.mark.parametrize(
    ("subject", "body", "code"),
    [("", "Hello", "subject_required"), ("Hi", "  ", "message_required"), ("x" * 201, "Hello", "subject_too_long")],
)
def test_bad_input_is_refused_and_nothing_is_queued(county, open_case, make_staff, subject, body, code) -> None:
    case = open_case()
    before = Notification.objects.count()
    with pytest.raises(ValidationFailed) as raised:
        case_email_resident(case=case, subject=subject, body=body, actor=make_staff(county, Role.CASEWORKER))
    assert raised.value.code == code
    assert Notification.objects.count() == before
    assert not CaseEvent.objects.filter(kind=CaseEventKind.MESSAGE).exists()


def test_no_email_address_is_a_clear_error(county, open_case, make_staff) -> None:
    case = open_case()
    Case.objects.filter(pk=case.pk).update(resident_email="")
    case.refresh_from_db()
    with pytest.raises(ValidationFailed) as raised:
        case_email_resident(case=case, subject="Hi", body="Hello", actor=make_staff(county, Role.CASEWORKER))
    assert raised.value.code == "no_resident_email"


def test_an_analyst_cannot_email_residents(county, open_case, make_staff) -> None:
    with pytest.raises(PermissionDenied):
        case_email_resident(case=open_case(), subject="Hi", body="Hello", actor=make_staff(county, Role.ANALYST))


def test_the_case_page_form_sends_and_shows_it_on_the_timeline(county, open_case, make_staff, verified_client) -> None:
    case = open_case()
    client = verified_client(make_staff(county, Role.CASEWORKER))
    page = client.get(reverse("cases:case", kwargs={"organisation_slug": county.slug, "reference": case.reference}))
    assert "Email the resident" in page.content.decode() and "gwen@example.test" in page.content.decode()
    response = client.post(
        email_url(case), {"subject": "Your photo", "message": "Please send a clearer photo."}, follow=True
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Email queued to the resident" in body
    assert "Email to resident: Your photo" in body and "Please send a clearer photo." in body
    assert Notification.objects.filter(kind="staff_message", case_reference=case.reference).count() == 1


def test_the_form_shows_an_error_summary_and_keeps_the_message(county, open_case, make_staff, verified_client) -> None:
    case = open_case()
    client = verified_client(make_staff(county, Role.CASEWORKER))
    response = client.post(email_url(case), {"subject": "", "message": "Keep these words"})
    body = response.content.decode()
    assert response.status_code == 422
    assert "govuk-error-summary" in body and 'href="#subject"' in body and "Enter a subject" in body
    assert "Keep these words" in body
    assert not Notification.objects.filter(kind="staff_message").exists()


def test_another_organisations_staff_cannot_email_this_resident(
    county, district, open_case, make_staff, verified_client
) -> None:
    case = open_case()
    outsider = verified_client(make_staff(district, Role.CASEWORKER))
    response = outsider.post(email_url(case), {"subject": "Hi", "message": "Hello"})
    assert response.status_code in {403, 404}
    assert not Notification.objects.filter(kind="staff_message").exists()


def test_the_residents_answer_to_a_staff_email_comes_back_to_the_case(
    county, open_case, make_staff, django_capture_on_commit_callbacks
) -> None:
    from tests.cases.test_inbound import reply
    from townhall.notifications.services.inbound import inbound_receive
    from townhall.notifications.tokens import reply_address

    case = open_case()
    event = case_email_resident(
        case=case, subject="Your photo", body="Please send a clearer photo.", actor=make_staff(county, Role.CASEWORKER)
    )
    address = reply_address(event.data["notification"])
    with django_capture_on_commit_callbacks(execute=True):
        inbound_receive(raw=reply(address, "Re: Your photo"), rcpt_to=[address])
    assert case.events.filter(kind=CaseEventKind.REPLY).count() == 1
