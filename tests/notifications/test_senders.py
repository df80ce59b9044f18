from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from townhall.notifications.senders import (
    LocalOutboxSender,
    NotificationSender,
    NotifySender,
    OutgoingMessage,
    PermanentFailure,
    ReferenceLookup,
    SmtpSender,
    TechnicalFailure,
)
from townhall.notifications.senders.notify import NotifyConfigurationError, check_api_key
from townhall.notifications.senders.smtp import close_connections, message_id_for

from .fake_notify import API_KEY, EMAIL_TEMPLATE_ID, SMS_TEMPLATE_ID, FakeNotifyServer
from .smtp_sink import SmtpSink


@pytest.fixture
def fake_notify() -> Iterator[FakeNotifyServer]:
    server = FakeNotifyServer().start()
    yield server
    server.stop()


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    sink = SmtpSink().start()
    yield sink
    close_connections()
    sink.stop()


def notify_sender(server: FakeNotifyServer, *, timeout: float = 5, key_type: str = "live") -> NotifySender:
    return NotifySender(
        api_key=API_KEY,
        email_template_id=EMAIL_TEMPLATE_ID,
        sms_template_id=SMS_TEMPLATE_ID,
        base_url=server.base_url,
        timeout=timeout,
        key_type=key_type,
    )


def smtp_sender(sink: SmtpSink, settings: Any) -> SmtpSender:
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = sink.port
    return SmtpSender(from_email="council@mid-downs.example", timeout=5)


MESSAGE = OutgoingMessage(
    reference="th-0001", to="ann@example.test", subject="Your report", body="We got it", reply_to="reply+1-a@x.test"
)


def test_every_sender_meets_the_protocol(fake_notify: FakeNotifyServer) -> None:
    senders = [LocalOutboxSender(), SmtpSender(from_email="a@example.test"), notify_sender(fake_notify)]
    for sender in senders:
        assert isinstance(sender, NotificationSender), sender
        assert callable(sender.send_email) and callable(sender.send_sms) and sender.name
    assert isinstance(notify_sender(fake_notify), ReferenceLookup)
    assert not isinstance(SmtpSender(), ReferenceLookup)


def test_notify_sends_with_our_reference_and_a_valid_jwt(fake_notify: FakeNotifyServer) -> None:
    sender = notify_sender(fake_notify)
    result = sender.send_email(MESSAGE)
    sms = sender.send_sms(OutgoingMessage(reference="th-0002", to="+447700900123", body="Hi"))
    assert result.outcome == "accepted" and result.provider == "notify"
    assert fake_notify.state.references() == ["th-0001", "th-0002"]
    assert fake_notify.state.notifications[0]["subject"] == "Your report"
    assert fake_notify.state.notifications[1]["phone_number"] == "+447700900123"
    assert fake_notify.state.auth_failures == 0
    found = sender.find_by_reference("th-0001")
    assert found is not None and found.provider_id == result.provider_id
    assert sms.provider_id != result.provider_id
    assert sender.find_by_reference("th-missing") is None


def test_notify_rejects_a_forged_jwt(fake_notify: FakeNotifyServer) -> None:
    forged = API_KEY[:-4] + "0000"
    sender = NotifySender(
        api_key=forged,
        email_template_id=EMAIL_TEMPLATE_ID,
        sms_template_id=SMS_TEMPLATE_ID,
        base_url=fake_notify.base_url,
    )
    with pytest.raises(TechnicalFailure) as info:
        sender.send_email(MESSAGE)
    assert info.value.status_code == 403
    assert fake_notify.state.auth_failures == 1


@pytest.mark.parametrize("status", [500, 503, 429])
def test_notify_server_errors_and_rate_limits_are_technical(fake_notify: FakeNotifyServer, status: int) -> None:
    fake_notify.fail_next(1, status)
    with pytest.raises(TechnicalFailure):
        notify_sender(fake_notify).send_email(MESSAGE)


def test_notify_timeout_is_technical(fake_notify: FakeNotifyServer) -> None:
    fake_notify.hang_next(1, 1.5)
    with pytest.raises(TechnicalFailure):
        notify_sender(fake_notify, timeout=0.3).send_email(MESSAGE)


def test_notify_validation_error_is_permanent(fake_notify: FakeNotifyServer) -> None:
    with pytest.raises(PermanentFailure) as info:
        notify_sender(fake_notify).send_email(OutgoingMessage(reference="r", to="invalid@x", subject="s", body="b"))
    assert info.value.status_code == 400


def test_notify_team_key_refusal_says_why(fake_notify: FakeNotifyServer) -> None:
    fake_notify.state.team_only = True
    with pytest.raises(PermanentFailure) as info:
        notify_sender(fake_notify, key_type="team").send_email(MESSAGE)
    assert "team key" in info.value.detail


def test_notify_key_types_are_checked() -> None:
    check_api_key(API_KEY, "live", production=True, allow_test_key=False)
    check_api_key(API_KEY, "test", production=False, allow_test_key=False)
    with pytest.raises(NotifyConfigurationError):
        check_api_key(API_KEY, "test", production=True, allow_test_key=False)
    with pytest.raises(NotifyConfigurationError):
        check_api_key("not-a-key", "live", production=False, allow_test_key=False)
    with pytest.raises(NotifyConfigurationError):
        check_api_key(API_KEY, "gold", production=False, allow_test_key=False)


def test_smtp_sends_with_message_id_from_reference_and_signed_reply_to(smtp_sink: SmtpSink, settings: Any) -> None:
    result = smtp_sender(smtp_sink, settings).send_email(MESSAGE)
    [received] = smtp_sink.handler.messages
    assert received["Message-ID"] == message_id_for("th-0001") == result.provider_id
    assert received["Reply-To"] == "reply+1-a@x.test"
    assert received["Subject"] == "Your report"
    assert result.outcome == "delivered"


def test_smtp_temporary_refusal_is_technical_and_permanent_is_permanent(smtp_sink: SmtpSink, settings: Any) -> None:
    sender = smtp_sender(smtp_sink, settings)
    smtp_sink.handler.temporary_failures = 1
    with pytest.raises(TechnicalFailure):
        sender.send_email(MESSAGE)
    smtp_sink.handler.permanent_rcpt.add("gone@example.test")
    with pytest.raises(PermanentFailure):
        sender.send_email(OutgoingMessage(reference="r2", to="gone@example.test", subject="s", body="b"))
    with pytest.raises(PermanentFailure):
        sender.send_sms(MESSAGE)


def test_smtp_relay_down_is_technical(settings: Any) -> None:
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = 9  # discard port: nothing listens
    with pytest.raises(TechnicalFailure):
        SmtpSender(timeout=1).send_email(MESSAGE)


def test_smtp_connection_is_kept_open_between_messages_and_reopened_when_stale(
    smtp_sink: SmtpSink, settings: Any, monkeypatch: Any
) -> None:
    from townhall.notifications.senders import smtp

    sender = smtp_sender(smtp_sink, settings)
    sender.send_email(MESSAGE)
    sender.send_email(OutgoingMessage(reference="th-0002", to="bob@example.test", subject="s", body="b"))
    [(connection, _)] = smtp._local.connections.values()
    assert len(set(smtp_sink.handler.sessions)) == 1  # one SMTP session carried both
    connection.connection.sock.close()  # the relay dropped us while idle
    monkeypatch.setattr(smtp, "IDLE_CHECK_SECONDS", 0.0)
    sender.send_email(OutgoingMessage(reference="th-0003", to="cy@example.test", subject="s", body="b"))
    assert len(smtp_sink.handler.messages) == 3
