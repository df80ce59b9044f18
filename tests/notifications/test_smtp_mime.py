"""The SMTP sender builds each message with the standard library (senders/mime.py) instead of Django's
EmailMessage: the relay must receive exactly what Django would have sent, byte for byte, envelope included."""

from __future__ import annotations

import string
from collections.abc import Iterator
from typing import Any
from unittest import mock

import pytest
from django.core import mail
from django.core.mail import EmailMessage, get_connection
from django.core.mail.message import forbid_multi_line_headers, sanitize_address
from hypothesis import example, given, settings
from hypothesis import strategies as st

from townhall.notifications.senders import OutgoingMessage, SmtpSender
from townhall.notifications.senders.mime import PLAIN_ADDRESS, email_bytes, envelope_address, header_value
from townhall.notifications.senders.smtp import close_connections

from .smtp_sink import SmtpSink

DATE = {"Date": "Mon, 23 Nov 2026 18:00:00 -0000"}
REPLY_TO = "reply+2s-0123456789abcdef0123@replies.townhall.localhost"
WORDS = st.lists(
    st.sampled_from(["Your", "case", "PL-000123", "bin", "adroddiad", "ŵ", "—", "x" * 30, ""]), max_size=12
)
SUBJECTS = st.one_of(WORDS.map(" ".join), st.text(max_size=200), st.text(alphabet=string.printable, max_size=90))
BODIES = st.one_of(
    st.text(max_size=400),
    st.builds(
        lambda piece, n: piece * n, st.sampled_from(["a", "ŵ", "word ", "line\n", "🙂", "\r\n."]), st.integers(0, 1200)
    ),
    WORDS.map("\n".join),
)
ADDRESSES = st.one_of(
    st.from_regex(PLAIN_ADDRESS, fullmatch=True),
    st.emails(),
    st.sampled_from(
        [
            "gwen.jones@example.test",
            "Gwen Jones <gwen@example.test>",
            "Siân <sian@example.test>",
            "gwen@ynys-môn.example",
            '"a b"@example.test',
            "bad address",
            "ann@example.test\r\nBcc: eve@example.test",
        ]
    ),
)
FROM = st.sampled_from(
    [
        "council@mid-downs.example",
        "Mid Downs <council@mid-downs.example>",
        "Cyngor Sir Ynys Môn <cyngor@ynysmon.example>",
    ]
)
EXTRA = st.dictionaries(
    st.sampled_from(["Content-Language", "X-Case", "Reply-To", "From", "To", "Cc", "Date", "message-id", "Subject"]),
    st.sampled_from(["cy", "PL-000123", "other@example.test", "Tue, 24 Nov 2026 09:00:00 -0000", "<x@y>", "ŵ"]),
    max_size=3,
)


def _django(fields: dict[str, Any]) -> bytes:
    message = EmailMessage(
        subject=fields["subject"],
        body=fields["body"],
        from_email=fields["from_email"],
        to=fields["to"],
        reply_to=fields["reply_to"] or None,
        headers=fields["headers"],
    )
    return message.message().as_bytes(linesep="\r\n")


def _same_as_django(**fields: Any) -> bytes | None:
    try:
        expected = _django(fields)
    except Exception as exc:  # what Django refuses, we refuse the same way
        with pytest.raises(type(exc)):
            email_bytes(**fields)
        return None
    ours = email_bytes(**fields)
    assert ours == expected
    return ours


@settings(max_examples=1000, deadline=None)
@given(SUBJECTS, BODIES, FROM, ADDRESSES, st.sampled_from(["", REPLY_TO]), EXTRA)
def test_every_message_is_byte_for_byte_what_django_writes(
    subject: str, body: str, from_email: str, to: str, reply_to: str, extra: dict[str, str]
) -> None:
    headers = {**DATE, "Message-ID": "<th-0123456789abcdef@replies.townhall.localhost>", **extra}
    _same_as_django(
        subject=subject,
        body=body,
        from_email=from_email,
        to=[to],
        reply_to=[reply_to] if reply_to else [],
        headers=headers,
    )


def test_a_typical_message_has_these_bytes() -> None:
    ours = _same_as_django(
        subject="Your case PL-000123 has been updated",
        body="Dear resident,\n\nYour case PL-000123 has a new update.\n",
        from_email="council@mid-downs.example",
        to=["resident@example.test"],
        reply_to=[REPLY_TO],
        headers={**DATE, "Message-ID": "<th-01@replies.townhall.localhost>", "X-Townhall-Reference": "th-01"},
    )
    assert ours == (
        b'Content-Type: text/plain; charset="utf-8"\r\n'
        b"MIME-Version: 1.0\r\n"
        b"Content-Transfer-Encoding: 7bit\r\n"
        b"Subject: Your case PL-000123 has been updated\r\n"
        b"From: council@mid-downs.example\r\n"
        b"To: resident@example.test\r\n"
        b"Reply-To: reply+2s-0123456789abcdef0123@replies.townhall.localhost\r\n"
        b"Date: Mon, 23 Nov 2026 18:00:00 -0000\r\n"
        b"Message-ID: <th-01@replies.townhall.localhost>\r\n"
        b"X-Townhall-Reference: th-01\r\n"
        b"\r\n"
        b"Dear resident,\r\n\r\nYour case PL-000123 has a new update.\r\n"
    )


@pytest.mark.parametrize(
    ("body", "encoding"),
    [("Diolch.\n", b"7bit"), ("Diolch o galon — ŵ ŷ\n", b"8bit"), ("ŵ" * 500 + "\n", b"quoted-printable")],
)
def test_the_body_is_7bit_8bit_or_quoted_printable_as_django_chooses(body: str, encoding: bytes) -> None:
    fields = {"subject": "s", "from_email": "a@example.test", "to": ["b@example.test"], "reply_to": []}
    ours = _same_as_django(body=body, headers={**DATE, "Message-ID": "<m@x>"}, **fields)
    assert ours is not None and b"\r\nContent-Transfer-Encoding: " + encoding + b"\r\n" in ours


def test_without_a_date_header_the_date_is_now_as_django_writes_it() -> None:
    fields = {"subject": "s", "body": "b", "from_email": "a@example.test", "to": ["b@example.test"], "reply_to": []}
    with mock.patch("time.time", return_value=1795450000.75):
        ours = _same_as_django(headers={"Message-ID": "<m@x>"}, **fields)
    assert ours is not None and b"\r\nDate: Mon, 23 Nov 2026 16:06:40 -0000\r\n" in ours


@settings(max_examples=1000, deadline=None)
@given(st.one_of(st.from_regex(PLAIN_ADDRESS, fullmatch=True), ADDRESSES, st.text(max_size=60)))
@example("a@" + "b" * 63 + ".test")  # the longest label the IDNA codec takes
@example("a@" + "b" * 64 + ".test")  # one too long: Django refuses it, so must we
@example("a@b..test")
@example("a.@b.test")
@example("A.B-C+d@Example.TEST")
def test_envelope_addresses_are_what_django_gives_smtplib(address: str) -> None:
    try:
        expected = sanitize_address(address, "utf-8")
    except Exception as exc:
        with pytest.raises(type(exc)):
            envelope_address(address)
        return
    assert envelope_address(address) == expected
    if PLAIN_ADDRESS.fullmatch(address):
        assert expected == address  # the shortcut: Django returns a plain address as it is


@settings(max_examples=3000, deadline=None)
@given(
    st.sampled_from(["Subject", "From", "To", "Reply-To", "Message-ID", "Content-Language", "X-Townhall-Reference"]),
    st.one_of(st.text(alphabet=string.printable, max_size=90), st.text(max_size=40), WORDS.map(" ".join)),
)
def test_header_values_are_what_django_stores(name: str, value: str) -> None:
    try:
        expected = forbid_multi_line_headers(name, value, "utf-8")[1]
    except Exception as exc:
        with pytest.raises(type(exc)):
            header_value(name, value)
        return
    assert header_value(name, value) == expected


@pytest.fixture
def sink(settings: Any) -> Iterator[SmtpSink]:
    server = SmtpSink().start()
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    yield server
    close_connections()
    server.stop()


MESSAGES = [
    OutgoingMessage(
        reference="th-0001",
        to="resident@example.test",
        subject="Your case PL-000123 has been updated",
        body="Dear resident,\n\nYour case has a new update.\n.\nA line that starts with a dot.\n",
        reply_to=REPLY_TO,
        message_id="<th-0001@replies.townhall.localhost>",
        headers=DATE,
    ),
    OutgoingMessage(
        reference="th-0002",
        to="gwen@ynys-môn.example",
        subject="Eich adroddiad: bin heb ei gasglu — ŵ ŷ " + "hir " * 20,
        body="Annwyl breswylydd,\n\n" + "Diolch am eich adroddiad. " * 60,
        language="cy",
        headers=DATE,
    ),
]


@pytest.mark.parametrize("message", MESSAGES, ids=["ascii", "welsh"])
@pytest.mark.parametrize("from_email", ["council@mid-downs.example", "Cyngor Sir Ynys Môn <cyngor@ynysmon.example>"])
def test_the_relay_receives_what_djangos_smtp_backend_sends(
    sink: SmtpSink, message: OutgoingMessage, from_email: str
) -> None:
    result = SmtpSender(from_email=from_email, timeout=5).send_email(message)
    headers = {"Message-ID": result.provider_id, "X-Townhall-Reference": message.reference, **message.headers}
    if message.language:
        headers["Content-Language"] = message.language
    django = EmailMessage(
        subject=message.subject,
        body=message.body,
        from_email=from_email,
        to=[message.to],
        reply_to=[message.reply_to] if message.reply_to else None,
        headers=headers,
    )
    with get_connection("django.core.mail.backends.smtp.EmailBackend", timeout=5) as connection:
        assert connection.send_messages([django]) == 1
    ours, theirs = sink.handler.raw
    assert ours == theirs  # MAIL FROM options (SIZE) and every byte of DATA
    assert sink.handler.envelopes[0] == sink.handler.envelopes[1]
    assert sink.handler.envelopes[0][0] == from_email.rpartition("<")[2].rstrip(">")
    assert sink.handler.messages[0]["Message-ID"] == result.provider_id


def test_any_other_backend_gets_djangos_own_email_message() -> None:
    mail.outbox = []
    message = MESSAGES[1]
    sender = SmtpSender(from_email="council@mid-downs.example", backend="django.core.mail.backends.locmem.EmailBackend")
    result = sender.send_email(message)
    [sent] = mail.outbox
    headers = {
        "Message-ID": result.provider_id,
        "X-Townhall-Reference": message.reference,
        **DATE,
        "Content-Language": "cy",
    }
    expected = email_bytes(
        subject=message.subject,
        body=message.body,
        from_email="council@mid-downs.example",
        to=[message.to],
        reply_to=[],
        headers=headers,
    )
    assert sent.message().as_bytes(linesep="\r\n") == expected
    close_connections()
