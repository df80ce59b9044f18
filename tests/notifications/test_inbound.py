from __future__ import annotations

import smtplib
import socket
import time
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from townhall.core.models import AuditEvent
from townhall.notifications.inbound.hooks import register_inbound_handler, unregister_inbound_handler
from townhall.notifications.inbound.scanning import EICAR, ClamAvScanner, LocalScanner, VirusScanner
from townhall.notifications.inbound.smtpd import InboundMailHandler
from townhall.notifications.models import InboundMessage, Notification, Status
from townhall.notifications.services import notification_queue
from townhall.notifications.services.inbound import inbound_receive
from townhall.notifications.tokens import notification_id_from_token, reply_address, reply_token

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EXE = b"MZ" + b"\x90\x00" * 40 + b"This program cannot be run in DOS mode"


@pytest.fixture
def replies() -> Iterator[list[Any]]:
    received: list[Any] = []

    def handle_reply(*, message: InboundMessage) -> bool:
        received.append(message)
        return message.case_reference != "NONE-XXXX"

    register_inbound_handler(handle_reply)
    yield received
    unregister_inbound_handler(handle_reply)


@pytest.fixture
def sent(district: Any) -> Notification:
    return notification_queue(
        organisation=district,
        channel="email",
        to="ann@example.test",
        subject="Your missed bin report",
        body="We have your report",
        case_reference="HX7K-9M3T",
    )


def mail(
    subject: str = "Re: Your missed bin report",
    body: str = "It is still not collected",
    *,
    to: str = "council@replies.example",
    attachments: list[tuple[str, str, bytes]] | None = None,
    headers: dict[str, str] | None = None,
) -> bytes:
    message = EmailMessage()
    message["From"] = "Ann <ann@example.test>"
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = "<reply-1@example.test>"
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    for filename, ctype, data in attachments or []:
        maintype, subtype = ctype.split("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return message.as_bytes()


def test_reply_token_round_trip_and_tamper() -> None:
    token = reply_token(12345)
    assert token == token.lower()
    assert notification_id_from_token(token) == 12345
    assert notification_id_from_token(token.upper()) == 12345
    assert notification_id_from_token(token[:-1] + ("0" if token[-1] != "0" else "1")) is None
    assert notification_id_from_token("9iy-" + token.split("-")[1]) is None


def test_reply_by_signed_token_goes_to_the_hook(sent: Notification, replies: list[Any]) -> None:
    message = inbound_receive(
        raw=mail(to=reply_address(sent.pk)), mail_from="ann@example.test", rcpt_to=[reply_address(sent.pk)]
    )
    assert message.status == "matched", message.triage_reasons
    assert message.matched_by == "reply_token"
    assert message.case_reference == "HX7K-9M3T"
    assert message.organisation == sent.organisation
    assert replies == [message]
    assert AuditEvent.objects.filter(action="inbound_mail.received", object_id=str(message.pk)).exists()


def test_reply_by_case_reference_in_subject(sent: Notification, replies: list[Any]) -> None:
    message = inbound_receive(raw=mail(subject="About hx7k-9m3t please"))
    assert message.status == "matched"
    assert message.matched_by == "case_reference"


def test_unmatched_mail_goes_to_triage_not_dropped(sent: Notification, replies: list[Any]) -> None:
    message = inbound_receive(raw=mail(subject="Hello council", body="No reference here"))
    assert message.status == "triage"
    assert message.triage_reasons == ["unmatched"]
    assert replies == []
    assert InboundMessage.objects.count() == 1


def test_forged_token_is_unmatched(sent: Notification, replies: list[Any]) -> None:
    token = reply_token(sent.pk)
    wrong_last = "0" if token[-1] != "0" else "1"  # always a different MAC (a fixed "00" matched 1 time in 256)
    forged = f"reply+{token[:-1]}{wrong_last}@replies.example"
    message = inbound_receive(raw=mail(to=forged, subject="hi"), rcpt_to=[forged])
    assert message.status == "triage" and "unmatched" in message.triage_reasons


def test_clean_attachment_is_kept_and_sniffed(sent: Notification, replies: list[Any]) -> None:
    raw = mail(to=reply_address(sent.pk), attachments=[("photo.pdf", "application/pdf", PDF)])
    message = inbound_receive(raw=raw, rcpt_to=[reply_address(sent.pk)])
    [attachment] = message.attachments.all()
    assert attachment.verdict == "clean"
    assert attachment.sniffed_type == "application/pdf"
    assert attachment.content is not None and bytes(attachment.content) == PDF
    assert message.status == "matched"


@pytest.mark.parametrize(
    ("attachment", "reason"),
    [
        (("invoice.pdf", "application/pdf", EXE), "executable_attachment"),
        (("run.exe", "application/octet-stream", b"hello"), "executable_attachment"),
        (("eicar.txt", "text/plain", EICAR), "virus"),
        (("big.pdf", "application/pdf", PDF + b"0" * 3000), "attachment_too_large"),
    ],
)
def test_suspicious_attachments_go_to_triage_and_are_not_kept(
    sent: Notification, replies: list[Any], settings: Any, attachment: tuple[str, str, bytes], reason: str
) -> None:
    settings.INBOUND_ATTACHMENT_MAX_BYTES = 2000
    message = inbound_receive(
        raw=mail(to=reply_address(sent.pk), attachments=[attachment]), rcpt_to=[reply_address(sent.pk)]
    )
    assert message.status == "triage"
    assert reason in message.triage_reasons
    assert message.attachments.get().content is None
    assert replies == []


def test_failed_spf_goes_to_triage(sent: Notification, replies: list[Any]) -> None:
    raw = mail(to=reply_address(sent.pk), headers={"Received-SPF": "fail (domain does not designate sender)"})
    message = inbound_receive(raw=raw, rcpt_to=[reply_address(sent.pk)])
    assert message.triage_reasons == ["spf_failed"]


def test_oversize_message_kept_for_triage(sent: Notification, replies: list[Any], settings: Any) -> None:
    settings.INBOUND_MAIL_MAX_BYTES = 1000
    message = inbound_receive(raw=mail(to=reply_address(sent.pk), body="x" * 5000), rcpt_to=[reply_address(sent.pk)])
    assert message.status == "triage" and "message_too_large" in message.triage_reasons


def test_hook_says_no_such_case_or_fails(sent: Notification, settings: Any) -> None:
    def broken(*, message: InboundMessage) -> bool:
        raise RuntimeError("cases is down")

    register_inbound_handler(broken)
    try:
        message = inbound_receive(raw=mail(to=reply_address(sent.pk)), rcpt_to=[reply_address(sent.pk)])
    finally:
        unregister_inbound_handler(broken)
    assert message.status == "triage" and message.triage_reasons == ["handler_failed"]
    assert "cases is down" in message.handler_error


def test_hook_named_by_setting(sent: Notification, settings: Any) -> None:
    settings.INBOUND_MAIL_HANDLER = "tests.notifications.test_inbound.setting_handler"
    message = inbound_receive(raw=mail(to=reply_address(sent.pk)), rcpt_to=[reply_address(sent.pk)])
    assert message.status == "matched"


def setting_handler(*, message: InboundMessage) -> bool:
    return True


def test_smtp_bounce_marks_the_notification_permanently_failed(sent: Notification, deliver_due: Any) -> None:
    deliver_due()
    sent.refresh_from_db()
    assert sent.status == Status.DELIVERED
    dsn = (
        "From: MAILER-DAEMON@relay.example\r\nTo: council@mid-downs.example\r\nSubject: Undelivered Mail\r\n"
        'MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; relay.example\r\n\r\n"
        "Final-Recipient: rfc822; ann@example.test\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 User unknown\r\n"
        f"--B\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: <{sent.reference}@replies.example>\r\n"
        "Subject: Your missed bin report\r\n--B--\r\n"
    ).encode()
    message = inbound_receive(raw=dsn)
    assert message.status == "bounce"
    sent.refresh_from_db()
    assert sent.status == Status.PERMANENT_FAILURE
    assert "5.1.1" in sent.last_error
    assert AuditEvent.objects.filter(action="notification.permanent_failure", object_id=str(sent.pk)).count() == 1


def test_every_scanner_meets_the_protocol() -> None:
    for scanner in (LocalScanner(), ClamAvScanner("/run/clamav/clamd.ctl")):
        assert isinstance(scanner, VirusScanner)
    assert not LocalScanner().scan(b"prefix " + EICAR).clean
    assert LocalScanner().scan(b"hello").clean


def test_clamav_instream_protocol_against_a_local_clamd(tmp_path: Any) -> None:
    """A stand-in clamd on a Unix socket that speaks INSTREAM and flags EICAR, to check our client's framing."""
    import struct
    import threading

    path = str(tmp_path / "clamd.sock")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(2)

    def serve() -> None:
        for _ in range(2):
            conn, _ = server.accept()
            with conn:
                command = b""
                while not command.endswith(b"\0"):
                    command += conn.recv(1)
                assert command == b"zINSTREAM\0"
                data = b""
                while True:
                    size = struct.unpack("!L", conn.recv(4, socket.MSG_WAITALL))[0]
                    if size == 0:
                        break
                    data += conn.recv(size, socket.MSG_WAITALL)
                conn.sendall(b"stream: Eicar-Test-Signature FOUND\0" if EICAR in data else b"stream: OK\0")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    scanner = ClamAvScanner(path, chunk=16)
    assert scanner.scan(b"hello world, a clean document").clean
    verdict = scanner.scan(EICAR)
    assert not verdict.clean and verdict.detail == "Eicar-Test-Signature"
    thread.join(5)
    server.close()


@pytest.mark.django_db(transaction=True)
def test_receive_mail_smtp_server_stores_and_routes_replies(district: Any) -> None:
    received: list[Any] = []

    def handle_reply(*, message: InboundMessage) -> bool:
        received.append(message.case_reference)
        return True

    notification = notification_queue(
        organisation=district, channel="email", to="ann@example.test", subject="s", body="b", case_reference="HX7K-9M3T"
    )
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(InboundMailHandler(), hostname="127.0.0.1", port=port, decode_data=False)
    controller.start()
    register_inbound_handler(handle_reply)
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
            address = reply_address(notification.pk)
            client.sendmail("ann@example.test", [address], mail(to=address))
            client.sendmail("stranger@example.test", ["council@replies.example"], mail(subject="hello"))
    finally:
        unregister_inbound_handler(handle_reply)
        controller.stop()
    deadline = time.monotonic() + 5
    while InboundMessage.objects.count() < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    statuses = sorted(InboundMessage.objects.values_list("status", flat=True))
    assert statuses == ["matched", "triage"]
    assert received == ["HX7K-9M3T"]


def test_without_a_handler_matched_mail_waits_in_triage(sent: Notification, settings: Any) -> None:
    settings.INBOUND_MAIL_HANDLER = ""
    message = inbound_receive(raw=mail(to=reply_address(sent.pk)), rcpt_to=[reply_address(sent.pk)])
    assert message.status == "triage" and message.triage_reasons == ["no_inbound_handler"]
    settings.INBOUND_MAIL_HANDLER = "townhall.nowhere.handle_reply"
    message = inbound_receive(raw=mail(to=reply_address(sent.pk)), rcpt_to=[reply_address(sent.pk)])
    assert message.status == "triage" and message.triage_reasons == ["handler_failed"]


def test_triage_selectors_are_scoped(sent: Notification, county: Any, make_staff: Any) -> None:
    from townhall.core.errors import PermissionDenied
    from townhall.core.roles import Role
    from townhall.notifications.selectors import inbound_triage_list, inbound_unrouted_list

    inbound_receive(
        raw=mail(to=reply_address(sent.pk), headers={"Received-SPF": "fail"}), rcpt_to=[reply_address(sent.pk)]
    )
    inbound_receive(raw=mail(subject="hello", body="no reference"))
    caseworker = make_staff(sent.organisation, Role.CASEWORKER)
    other = make_staff(county, Role.CASEWORKER)
    assert [m.triage_reasons for m in inbound_triage_list(organisation=sent.organisation, actor=caseworker)] == [
        ["spf_failed"]
    ]
    assert list(inbound_triage_list(organisation=county, actor=other)) == []
    with pytest.raises(PermissionDenied):
        inbound_triage_list(organisation=county, actor=caseworker)
    with pytest.raises(PermissionDenied):
        inbound_unrouted_list(actor=caseworker)
    admin = make_staff(county, Role.PLATFORM_ADMIN)
    assert [m.subject for m in inbound_unrouted_list(actor=admin)] == ["hello"]


def test_platform_scanner_is_chosen_by_setting(settings: Any) -> None:
    from townhall.notifications.scanning import get_virus_scanner

    settings.CLAMAV_SOCKET = ""
    scanner = get_virus_scanner()
    assert isinstance(scanner, LocalScanner)
    assert not scanner.scan(EICAR, filename="eicar.com").clean
    settings.CLAMAV_SOCKET = "/run/clamav/clamd.ctl"
    assert isinstance(get_virus_scanner(), ClamAvScanner)
