from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from townhall.core.roles import Role
from townhall.core.services.api_keys import api_key_create
from townhall.notifications.models import InboundMessage, Notification, Status
from townhall.notifications.services import notification_queue

from .test_inbound import mail

NOTIFY_ID = "5c2c7f5e-2a4b-4f1e-9d6a-3b8e1f0c7a92"  # Notify's id for the accepted message: a UUID


@pytest.fixture
def tokens(settings: Any) -> Any:
    settings.NOTIFY_CALLBACK_TOKEN = "notify-callback-secret-0123456789"
    settings.INBOUND_WEBHOOK_TOKEN = "inbound-webhook-secret-0123456789"
    return settings


@pytest.fixture
def accepted(district: Any) -> Notification:
    n = notification_queue(
        organisation=district, channel="sms", to="07700900123", body="Your bin", case_reference="HX7K-9M3T"
    )
    Notification.objects.filter(pk=n.pk).update(status=Status.SENDING, provider="notify", provider_id=NOTIFY_ID)
    return n


def callback(client: Client, payload: dict[str, Any], token: str = "notify-callback-secret-0123456789") -> Any:
    return client.post(
        "/api/v1/notifications/notify-callback",
        payload,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


def notify_payload(n: Notification, status: str) -> dict[str, Any]:
    # The fields GOV.UK Notify documents for delivery receipt callbacks.
    return {
        "id": NOTIFY_ID,
        "reference": n.reference,
        "to": n.to,
        "status": status,
        "created_at": "2026-11-23T09:00:00.000000Z",
        "completed_at": "2026-11-23T09:00:05.000000Z",
        "sent_at": "2026-11-23T09:00:01.000000Z",
        "notification_type": "sms",
        "template_id": "1ac1f2f4-7a3d-4b0e-9a77-0c9e3a3a0e51",
        "template_version": 1,
    }


def test_notify_callback_marks_delivered(client: Client, tokens: Any, accepted: Notification) -> None:
    response = callback(client, notify_payload(accepted, "delivered"))
    assert response.status_code == 200, response.content
    assert response.json() == {"reference": accepted.reference, "status": "delivered", "changed": True}
    accepted.refresh_from_db()
    assert accepted.status == Status.DELIVERED
    assert accepted.completed_at is not None and accepted.completed_at.second == 5
    again = callback(client, notify_payload(accepted, "permanent-failure"))  # stale: delivered is final for SMS
    accepted.refresh_from_db()
    assert again.status_code == 200 and accepted.status == Status.DELIVERED


def test_notify_callback_permanent_failure(client: Client, tokens: Any, accepted: Notification) -> None:
    assert callback(client, notify_payload(accepted, "permanent-failure")).status_code == 200
    accepted.refresh_from_db()
    assert accepted.status == Status.PERMANENT_FAILURE


def test_notify_callback_interim_status_changes_nothing(client: Client, tokens: Any, accepted: Notification) -> None:
    response = callback(client, notify_payload(accepted, "sending"))
    assert response.json()["changed"] is False


def test_notify_callback_sent_as_another_media_type_is_refused(
    client: Client, tokens: Any, accepted: Notification
) -> None:
    """GOV.UK Notify sends its receipts as application/json (test_notify_callback_marks_delivered); nothing else."""
    response = client.generic(
        "POST",
        "/api/v1/notifications/notify-callback",
        json.dumps(notify_payload(accepted, "delivered")),
        content_type="text/plain",
        HTTP_AUTHORIZATION="Bearer notify-callback-secret-0123456789",
    )
    assert response.status_code == 415 and response.json()["code"] == "unsupported_media_type"
    accepted.refresh_from_db()
    assert accepted.status == Status.SENDING


def test_notify_callback_needs_the_bearer_token(client: Client, tokens: Any, accepted: Notification) -> None:
    assert callback(client, notify_payload(accepted, "delivered"), token="wrong").status_code == 401
    tokens.NOTIFY_CALLBACK_TOKEN = ""
    assert callback(client, notify_payload(accepted, "delivered"), token="").status_code == 401
    accepted.refresh_from_db()
    assert accepted.status == Status.SENDING


def test_notify_callback_unknown_reference_or_id_is_404(client: Client, tokens: Any, accepted: Notification) -> None:
    payload = notify_payload(accepted, "delivered")
    assert callback(client, {**payload, "reference": "th-unknown"}).json()["code"] == "notification_not_found"
    assert callback(client, {**payload, "id": "0b6f0b8a-6c1d-4e55-8a3e-2f4c9d7e1b30"}).status_code == 404


@pytest.mark.parametrize(
    "notify_id",
    ["notify-id-1", "", "x" * 100_000, "5c2c7f5e2a4b4f1e9d6a3b8e1f0c7a92", "{5c2c7f5e-2a4b-4f1e-9d6a-3b8e1f0c7a92}"],
    ids=["not-a-uuid", "empty", "very-long", "no-hyphens", "braces"],
)
def test_notify_callback_with_an_id_that_is_not_a_uuid_is_a_problem(
    client: Client, tokens: Any, accepted: Notification, notify_id: str
) -> None:
    for status in ("delivered", "sending"):  # an interim status is refused too: the id is checked first
        response = callback(client, {**notify_payload(accepted, status), "id": notify_id})
        assert response.status_code == 422, response.content[:300]
        problem = response.json()
        assert problem["code"] == "invalid_notify_id" and problem["errors"][0]["path"] == "id"
        assert len(response.content) < 1000  # the id is not echoed back
    accepted.refresh_from_db()
    assert accepted.status == Status.SENDING


def test_notify_callback_id_in_capitals_is_the_same_id(client: Client, tokens: Any, accepted: Notification) -> None:
    response = callback(client, {**notify_payload(accepted, "delivered"), "id": NOTIFY_ID.upper()})
    assert response.status_code == 200 and response.json()["changed"] is True


@pytest.mark.parametrize("completed_at", ["not a date", "2026-13-45T00:00:00Z", "9" * 40])
def test_notify_callback_with_an_unreadable_time_is_a_problem_not_a_500(
    client: Client, tokens: Any, accepted: Notification, completed_at: str
) -> None:
    response = callback(client, {**notify_payload(accepted, "delivered"), "completed_at": completed_at})
    assert response.status_code == 422, response.content
    assert response.json()["code"] == "invalid_completed_at"
    accepted.refresh_from_db()
    assert accepted.status == Status.SENDING


def test_inbound_webhook_stores_the_message(client: Client, tokens: Any, accepted: Notification) -> None:
    raw = mail(subject="Re: HX7K-9M3T", body="thanks")
    response = client.post(
        "/api/v1/notifications/inbound-mail",
        {"raw_base64": base64.b64encode(raw).decode(), "mail_from": "ann@example.test", "rcpt_to": ["c@x.example"]},
        content_type="application/json",
        HTTP_AUTHORIZATION="Bearer inbound-webhook-secret-0123456789",
    )
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["case_reference"] == "HX7K-9M3T"
    assert InboundMessage.objects.get().source == "webhook"
    bad = client.post(
        "/api/v1/notifications/inbound-mail",
        {"raw_base64": "%%%"},
        content_type="application/json",
        HTTP_AUTHORIZATION="Bearer inbound-webhook-secret-0123456789",
    )
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_base64"
    assert (
        client.post(
            "/api/v1/notifications/inbound-mail", {"raw_base64": ""}, content_type="application/json"
        ).status_code
        == 401
    )


@pytest.fixture
def the_case(district: Any) -> Any:
    """The district's case HX7K-9M3T, which the accepted notification is about."""
    from townhall.cases.services import case_open
    from townhall.catalogue.services.definitions import definition_import

    source = (Path(__file__).resolve().parents[2] / "definitions" / "report-missed-bin.yaml").read_text()
    version = definition_import(actor=None, organisation=district, source=source, filename="bin.yaml", publish=True)
    return case_open(
        organisation=district, version=version, answers={}, channel="phone", actor=None, reference="HX7K-9M3T"
    )


def test_case_notifications_endpoint_refuses_other_organisations_rows(
    client: Client, district: Any, county: Any, make_staff: Any, accepted: Notification, the_case: Any
) -> None:
    admin_d = make_staff(district, Role.ORGANISATION_ADMIN)
    admin_c = make_staff(county, Role.ORGANISATION_ADMIN)
    _, own = api_key_create(actor=admin_d, organisation=district, name="CRM", scopes=[Role.CASEWORKER])
    _, other = api_key_create(actor=admin_c, organisation=county, name="CRM", scopes=[Role.CASEWORKER])
    url = "/api/v1/notifications/cases/HX7K-9M3T"
    mine = client.get(url, HTTP_AUTHORIZATION=f"Bearer {own}")
    assert mine.status_code == 200
    assert [n["reference"] for n in mine.json()] == [accepted.reference]
    assert mine.json()[0]["events"][0]["status"] == "created"
    theirs = client.get(url, HTTP_AUTHORIZATION=f"Bearer {other}")
    unknown = client.get("/api/v1/notifications/cases/ZZZZ-ZZZZ", HTTP_AUTHORIZATION=f"Bearer {own}")
    # Another organisation's case and a case that does not exist are told apart by nothing in the answer.
    assert theirs.status_code == unknown.status_code == 404
    assert theirs["Content-Type"] == unknown["Content-Type"] == "application/problem+json"
    assert theirs.json() == unknown.json() and theirs.json()["code"] == "case_not_found"
    _, analyst = api_key_create(actor=admin_d, organisation=district, name="BI", scopes=[Role.ANALYST])
    assert client.get(url, HTTP_AUTHORIZATION=f"Bearer {analyst}").status_code == 403
