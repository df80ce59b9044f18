"""A resident's email reply lands on the case: timeline, documents from attachments, the caseworker alerted."""

from __future__ import annotations

from email.message import EmailMessage

from townhall.cases.models import CaseEventKind
from townhall.cases.services import case_assign
from townhall.core.roles import Role
from townhall.notifications.models import Notification
from townhall.notifications.services.inbound import inbound_receive
from townhall.notifications.tokens import reply_address

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def reply(to: str, subject: str, attachment: bytes | None = None) -> bytes:
    message = EmailMessage()
    message["From"] = "Gwen <gwen@example.test>"
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = "<reply-7@example.test>"
    message.set_content("Here is the letter you asked for.")
    if attachment:
        message.add_attachment(attachment, maintype="application", subtype="pdf", filename="letter.pdf")
    return message.as_bytes()


def test_a_reply_is_filed_on_the_case_with_its_attachment(
    open_case, county, make_staff, django_capture_on_commit_callbacks
):
    case = open_case()
    manager = make_staff(county, Role.TEAM_MANAGER)
    manager.email = "manager@example.test"
    manager.save()
    case_assign(case=case, assignee=manager, actor=manager)
    sent = Notification.objects.filter(case_reference=case.reference).first()
    with django_capture_on_commit_callbacks(execute=True):
        message = inbound_receive(
            raw=reply(reply_address(sent.pk), f"Re: {case.reference}", PDF), rcpt_to=[reply_address(sent.pk)]
        )
    message.refresh_from_db()
    assert message.status == "matched", message.triage_reasons
    event = case.events.get(kind=CaseEventKind.REPLY)
    assert "letter you asked for" in event.text
    document = case.documents.get()
    assert document.original_name == "letter.pdf" and document.content_type == "application/pdf"
    assert Notification.objects.filter(to="manager@example.test", kind="caseworker_alert").exists()


def test_a_reply_to_an_unknown_case_goes_to_triage(county, django_capture_on_commit_callbacks, open_case):
    open_case()
    with django_capture_on_commit_callbacks(execute=True):
        message = inbound_receive(raw=reply("council@replies.example", "Re: HXKM-9M3T"), rcpt_to=["x@y"])
    message.refresh_from_db()
    assert message.status == "triage"


def test_a_reply_whose_attachment_cannot_be_stored_goes_to_triage_whole(
    open_case, county, django_capture_on_commit_callbacks, monkeypatch, settings, tmp_path
):
    """A full document store files nothing of the reply (no event, no document, no half-written file) and the
    message waits in triage, with its attachment, for a person."""
    import errno
    from pathlib import Path

    from django.core.files.storage import FileSystemStorage

    def disk_full(self, name, content):  # type: ignore[no-untyped-def]
        Path(self.path(name)).parent.mkdir(parents=True, exist_ok=True)
        Path(self.path(name)).write_bytes(PDF[:4])
        raise OSError(errno.ENOSPC, "No space left on device")

    settings.MEDIA_ROOT = str(tmp_path)
    case = open_case()
    sent = Notification.objects.filter(case_reference=case.reference).first()
    monkeypatch.setattr(FileSystemStorage, "_save", disk_full)
    with django_capture_on_commit_callbacks(execute=True):
        message = inbound_receive(
            raw=reply(reply_address(sent.pk), f"Re: {case.reference}", PDF), rcpt_to=[reply_address(sent.pk)]
        )
    message.refresh_from_db()
    assert message.status == "triage" and message.triage_reasons == ["handler_failed"]
    assert "StoreUnavailable" in message.handler_error
    assert message.attachments.count() == 1
    assert not case.events.filter(kind=CaseEventKind.REPLY).exists() and not case.documents.exists()
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]
