"""Reading one received email with the standard library. Pure: no Django."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser

# Case references: 8 characters from an alphabet without look-alikes (no 0 O 1 I L 5 S 2 Z), as XXXX-XXXX.
_REF_CHARS = "ABCDEFGHJKMNPQRTUVWXY346789"
CASE_REFERENCE = re.compile(rf"(?<![A-Z0-9])([{_REF_CHARS}]{{4}})-([{_REF_CHARS}]{{4}})(?![A-Z0-9])")
_REFERENCE_IN_MESSAGE_ID = re.compile(r"<(th-[0-9a-f]{32})@", re.IGNORECASE)
EXECUTABLE_EXTENSIONS = frozenset(
    {".exe", ".bat", ".cmd", ".com", ".scr", ".pif", ".msi", ".js", ".jse", ".vbs", ".vbe", ".ps1", ".jar", ".hta",
     ".lnk", ".dll", ".apk", ".app", ".sh", ".wsf", ".cpl", ".reg", ".iso", ".img"}
)  # fmt: skip


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class Bounce:
    reference: str
    permanent: bool
    status: str
    diagnostic: str


@dataclass
class ParsedMail:
    message_id: str
    from_header: str
    to: list[str]
    subject: str
    text: str
    attachments: list[Attachment] = field(default_factory=list)
    spf_failed: bool = False
    bounce: Bounce | None = None


def parse(raw: bytes) -> ParsedMail:
    message = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    to = [str(a) for header in ("To", "Cc", "Delivered-To") for a in (message.get_all(header) or [])]
    return ParsedMail(
        message_id=str(message.get("Message-ID", "")).strip(),
        from_header=str(message.get("From", "")),
        to=to,
        subject=str(message.get("Subject", "")),
        text=_text_of(message),
        attachments=_attachments_of(message),
        spf_failed=_spf_failed(message),
        bounce=_bounce_of(message),
    )


def _text_of(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain", "html"))
    if body is None:
        return ""
    try:
        content = body.get_content()
    except (LookupError, UnicodeError):
        payload = body.get_payload(decode=True)
        content = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    if body.get_content_type() == "text/html":
        content = re.sub(r"<[^>]+>", " ", content)
    return str(content)


def _attachments_of(message: EmailMessage) -> list[Attachment]:
    found: list[Attachment] = []
    if message.get_content_type() == "multipart/report":
        return found
    for part in message.iter_attachments():
        if part.get_content_maintype() == "multipart":
            continue
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes):
            found.append(Attachment(part.get_filename() or "", part.get_content_type(), payload))
    return found


def _spf_failed(message: Message) -> bool:
    for value in message.get_all("Received-SPF") or []:
        if str(value).strip().lower().startswith(("fail", "softfail")):
            return True
    for value in message.get_all("Authentication-Results") or []:
        text = str(value).lower()
        if re.search(r"\bspf=(fail|softfail)\b", text) or re.search(r"\bdmarc=fail\b", text):
            return True
    return False


def _bounce_of(message: Message) -> Bounce | None:
    """A delivery status notification (RFC 3464) about one of our messages, found by its Message-ID."""
    if message.get_content_type() != "multipart/report":
        return None
    status, action, diagnostic, reference = "", "", "", ""
    for part in message.walk():
        ctype = part.get_content_type()
        if ctype == "message/delivery-status":
            text = _part_text(part)
            action = _field(text, "Action") or action
            status = _field(text, "Status") or status
            diagnostic = _field(text, "Diagnostic-Code") or diagnostic
        elif ctype in ("text/rfc822-headers", "message/rfc822"):
            match = _REFERENCE_IN_MESSAGE_ID.search(_part_text(part))
            if match:
                reference = match.group(1).lower()
    if not reference or action.lower() not in ("failed", "delayed"):
        return None
    permanent = action.lower() == "failed" and status.startswith("5")
    return Bounce(reference=reference, permanent=permanent, status=status, diagnostic=diagnostic)


def _part_text(part: Message) -> str:
    payload_list = part.get_payload()
    if isinstance(payload_list, list):  # message/delivery-status: blocks of header fields
        return "\n\n".join(
            "\n".join(f"{name}: {value}" for name, value in block.items()) + "\n" + _part_text(block)
            for block in payload_list
            if isinstance(block, Message)
        )
    payload = part.get_payload(decode=True)
    if isinstance(payload, bytes):
        return payload.decode("utf-8", "replace")
    return str(part.get_payload())


def _field(text: str, name: str) -> str:
    match = re.search(rf"^{name}:\s*(.+)$", text, re.IGNORECASE | re.MULTILINE)
    return match.group(1).strip() if match else ""


def case_references_in(*texts: str) -> list[str]:
    found: dict[str, None] = {}
    for text in texts:
        for a, b in CASE_REFERENCE.findall(text.upper()):
            found.setdefault(f"{a}-{b}", None)
    return list(found)


def has_executable_name(filename: str) -> bool:
    lowered = filename.lower().strip()
    return any(lowered.endswith(ext) for ext in EXECUTABLE_EXTENSIONS)
