"""An organisation admin chooses the sender; keys stay in the environment and are checked before saving."""

from __future__ import annotations

import pytest
from django.urls import reverse

from townhall.core.errors import PermissionDenied, ValidationFailed
from townhall.core.models import AuditEvent
from townhall.core.roles import Role
from townhall.notifications.models import SenderSetting
from townhall.notifications.senders import LocalOutboxSender, NotifySender, SmtpSender, sender_for
from townhall.notifications.services.sender_settings import sender_setting_save

KEY = "townhall_test-26785a09-ab16-4eb0-8407-a37497a57506-3d844edf-8d35-48ac-975b-e847b4f122b0"
TEMPLATE = "f33517ff-2a88-4f6e-b855-c550268ce08a"


def notify_values(**changes: str) -> dict[str, str]:
    return {
        "sender": "notify",
        "notify_api_key_env": "TOWNHALL_TEST_NOTIFY_KEY",
        "notify_key_type": "team",
        "notify_email_template_id": TEMPLATE,
        "notify_sms_template_id": TEMPLATE,
        **changes,
    }


def test_saving_notify_checks_the_key_and_audits_without_the_secret(county, make_staff, monkeypatch) -> None:
    monkeypatch.setenv("TOWNHALL_TEST_NOTIFY_KEY", KEY)
    setting = sender_setting_save(
        organisation=county, actor=make_staff(county, Role.ORGANISATION_ADMIN), **notify_values()
    )
    assert setting.sender == "notify" and isinstance(sender_for(county), NotifySender)
    audit = AuditEvent.objects.get(action="notifications.sender_saved")
    assert KEY not in str(audit.data) and "notify_api_key_env" in audit.data["changed"]


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"notify_api_key_env": "lower-case"}, "notify_key_env_invalid"),
        ({"notify_api_key_env": "TOWNHALL_UNSET_VARIABLE"}, "notify_key_env_unset"),
        ({"notify_email_template_id": "not-a-uuid"}, "notify_email_template_id_invalid"),
        ({"notify_key_type": "gold"}, "notify_key_type_invalid"),
        ({"sender": "pigeon"}, "sender_invalid"),
    ],
)
def test_bad_settings_are_refused_and_nothing_changes(county, make_staff, monkeypatch, changes, code) -> None:
    monkeypatch.setenv("TOWNHALL_TEST_NOTIFY_KEY", KEY)
    with pytest.raises(ValidationFailed) as raised:
        sender_setting_save(
            organisation=county, actor=make_staff(county, Role.ORGANISATION_ADMIN), **notify_values(**changes)
        )
    assert code in [e.code for e in raised.value.errors]
    assert not SenderSetting.objects.exists()
    assert isinstance(sender_for(county), LocalOutboxSender)


def test_a_malformed_key_in_the_environment_is_caught_here(county, make_staff, monkeypatch) -> None:
    monkeypatch.setenv("TOWNHALL_TEST_NOTIFY_KEY", "not-a-key")
    with pytest.raises(ValidationFailed) as raised:
        sender_setting_save(organisation=county, actor=make_staff(county, Role.ORGANISATION_ADMIN), **notify_values())
    assert raised.value.code == "notify_key_invalid"


def test_smtp_needs_a_from_address(county, make_staff) -> None:
    admin = make_staff(county, Role.ORGANISATION_ADMIN)
    with pytest.raises(ValidationFailed) as raised:
        sender_setting_save(organisation=county, actor=admin, sender="smtp")
    assert raised.value.code == "email_from_required"
    sender_setting_save(organisation=county, actor=admin, sender="smtp", email_from="council@example.gov.uk")
    assert isinstance(sender_for(county), SmtpSender)


def test_only_an_organisation_admin_may_change_it(county, make_staff) -> None:
    with pytest.raises(PermissionDenied):
        sender_setting_save(organisation=county, actor=make_staff(county, Role.CASEWORKER), sender="local")


def test_the_page_saves_and_shows_errors_with_the_answers_kept(county, make_staff, verified_client) -> None:
    client = verified_client(make_staff(county, Role.ORGANISATION_ADMIN))
    url = reverse("notifications:sender", kwargs={"organisation_slug": county.slug})
    page = client.get(url)
    assert page.status_code == 200 and "How messages are sent" in page.content.decode()
    bad = client.post(url, {"sender": "smtp", "email_from": "not an address"})
    assert bad.status_code == 422
    body = bad.content.decode()
    assert "govuk-error-summary" in body and 'href="#email_from"' in body and "not an address" in body
    good = client.post(url, {"sender": "smtp", "email_from": "council@example.gov.uk"}, follow=True)
    assert "Sender saved" in good.content.decode()
    assert SenderSetting.objects.get(organisation=county).email_from == "council@example.gov.uk"
    caseworker = verified_client(make_staff(county, Role.CASEWORKER))
    assert caseworker.get(url).status_code == 403
