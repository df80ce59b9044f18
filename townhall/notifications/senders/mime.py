"""The bytes of one plain-text email, built with the standard library's ``email`` package as Django does.

``email_bytes()`` follows ``django.core.mail.EmailMessage.message().as_bytes(linesep="\\r\\n")`` step by step:
the same ``MIMEText`` parts with the same UTF-8 charset (quoted-printable only when a line is too long for SMTP),
the same headers in the same order, Django's own header checks, and the same generator. It leaves out what
costs a delivery worker CPU without changing a byte: the ``EmailMessage`` object and its wrappers, Django's
``Header`` round trip for a short ASCII subject (which returns the subject as it is), and, for the SMTP
envelope, a full RFC 5322 parse of addresses that are already plain ``local@domain``.
tests/notifications/test_smtp_mime.py checks every shortcut against Django's own output, byte for byte.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from email import charset
from email.generator import BytesGenerator
from email.message import Message
from email.mime.nonmultipart import MIMENonMultipart
from email.policy import Compat32
from email.utils import formatdate, make_msgid
from functools import lru_cache
from io import BytesIO
from typing import Any

from django.conf import settings
from django.core.mail.message import RFC5322_EMAIL_LINE_LENGTH_LIMIT, forbid_multi_line_headers, sanitize_address
from django.core.mail.utils import DNS_NAME

ENCODING = "utf-8"  # settings.DEFAULT_CHARSET; SmtpSender uses Django's own EmailMessage for any other

# Django's two body charsets (django.core.mail.message): 7bit/8bit as the text needs, quoted-printable only
# for a line longer than SMTP allows.
_UTF8 = charset.Charset(ENCODING)
_UTF8.body_encoding = None  # type: ignore[assignment]  # (typeshed: int only)
_UTF8_QP = charset.Charset(ENCODING)
_UTF8_QP.body_encoding = charset.QP

# An address that sanitize_address() returns unchanged: a dot-atom local part and an ASCII domain whose labels
# the IDNA codec accepts (1–63 characters). Anything else (a display name, quotes, non-ASCII) is parsed.
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9-]{1,63}"
PLAIN_ADDRESS = re.compile(rf"{_ATEXT}(?:\.{_ATEXT})*@{_LABEL}(?:\.{_LABEL})*")
_NOT_EXTRA = frozenset({"from", "to", "cc", "reply-to"})  # headers message() sets before the extra ones


class ShortAsciiHeaders(Compat32):
    """Django's header policy (compat32), except that a header whose value is short, printable ASCII is written
    as it is. compat32 builds an ``email.header.Header`` for every header only to find that such a value needs
    no folding or encoding: a fifth of a delivery worker's CPU in the issue 5 benchmark. Anything else (long,
    non-ASCII, a ``Header``) goes through compat32 unchanged. tests/notifications/test_smtp_headers.py checks
    that the bytes are the same as compat32's."""

    def fold_binary(self, name: str, value: Any) -> bytes:
        if isinstance(value, str) and short_ascii(name, value):
            return f"{name}: {value}{self.linesep}".encode("ascii")
        return super().fold_binary(name, value)


SHORT_ASCII_HEADERS = ShortAsciiHeaders()
SMTP_HEADERS = SHORT_ASCII_HEADERS.clone(linesep="\r\n")  # as_bytes(linesep="\r\n") clones it for every message


def short_ascii(name: str, value: str) -> bool:
    """A header that fits on one line as it is: printable ASCII (so no CR or LF), at most 78 characters."""
    return value.isascii() and value.isprintable() and len(name) + len(value) + 2 <= 78


def header_value(name: str, value: str) -> str:
    """The value Django's ``forbid_multi_line_headers`` stores (raising ``BadHeaderError`` for CR or LF).

    For a short printable ASCII value that is the value itself: Django leaves an ASCII value alone, and passes
    an ASCII subject through ``Header(...).encode()``, which changes nothing that needs no folding.
    """
    if short_ascii(name, value):
        return value
    return str(forbid_multi_line_headers(name, value, ENCODING)[1])


@lru_cache(maxsize=256)
def _from_value(value: str) -> str:
    """The From header of an organisation's messages: the same for all of them, so worked out once."""
    return header_value("From", value)


@lru_cache(maxsize=256)
def envelope_from(address: str) -> str:
    """The MAIL FROM address: the same for all of an organisation's messages, so worked out once."""
    return envelope_address(address)


def envelope_address(address: str) -> str:
    """``sanitize_address(address, "utf-8")``, as Django's SMTP backend gives smtplib, without parsing a plain
    address (every recipient, as queued: ``validate_email`` passed it)."""
    if PLAIN_ADDRESS.fullmatch(address):
        return address
    return str(sanitize_address(address, ENCODING))


@lru_cache(maxsize=2)
def _text_plain_headers(eight_bit: bool) -> tuple[tuple[str, str], ...]:
    """The headers ``MIMEText(text, "plain", "utf-8")`` starts with, under Django's UTF-8 charset: the same for
    every 7-bit text and for every 8-bit one, so the standard library works them out once for each."""
    sample = MIMENonMultipart("text", "plain", charset=ENCODING)
    sample.set_payload("\u00e9" if eight_bit else "", _UTF8)
    return tuple(sample.items())


def _text_plain(body: str) -> Message:
    """``SafeMIMEText(body, "plain", "utf-8")`` as Django makes it, with nothing else set yet."""
    data = body.encode(ENCODING)  # (what set_payload stores; a lone surrogate fails here as it would there)
    if len(data) > RFC5322_EMAIL_LINE_LENGTH_LIMIT and any(
        len(line.encode(errors="surrogateescape")) > RFC5322_EMAIL_LINE_LENGTH_LIMIT for line in body.splitlines()
    ):  # Django's rule: quoted-printable for a line too long for SMTP; the standard library encodes it
        msg: Message = MIMENonMultipart("text", "plain", charset=ENCODING)
        msg.set_payload(body, _UTF8_QP)
        return msg
    # Otherwise set_payload(body, charset) stores the UTF-8 bytes as they are and adds the charset parameter and
    # the transfer encoding (7bit or 8bit) after parsing the headers again: the same headers for every text of
    # the kind, so they are copied from the standard library's own, and the bytes are stored as the payload.
    msg = Message()
    for name, value in _text_plain_headers(not body.isascii()):
        msg[name] = value
    msg.set_payload(data)
    return msg


@lru_cache(maxsize=2)
def _date(second: int, localtime: bool) -> str:
    """The Date header for this second (``formatdate`` writes whole seconds), made once per second."""
    return formatdate(second, localtime=localtime)


def email_bytes(
    *,
    subject: str,
    body: str,
    from_email: str,
    to: list[str],
    reply_to: list[str],
    headers: Mapping[str, str],
) -> bytes:
    """What ``EmailMessage(subject, body, from_email, to, reply_to=reply_to, headers=headers).message()`` would
    write with ``as_bytes(linesep="\\r\\n")`` under our header policy (``_Email`` in senders/smtp.py).
    ``headers`` should name a Message-ID: without one Django makes one up, and so do we, the same way."""
    msg = _text_plain(body or "")

    def put(name: str, value: str) -> None:
        msg[name] = header_value(name, value)

    put("Subject", subject)
    msg["From"] = _from_value(headers.get("From", from_email))
    for name, values in (("To", to), ("Cc", []), ("Reply-To", reply_to)):  # (we never send copies)
        if name in headers:
            put(name, headers[name])
        elif values:
            put(name, ", ".join(values))
    names = {name.lower() for name in headers}
    if "date" not in names:
        put("Date", _date(int(time.time()), settings.EMAIL_USE_LOCALTIME))
    if "message-id" not in names:
        put("Message-ID", make_msgid(domain=DNS_NAME))
    for name, value in headers.items():
        if name.lower() not in _NOT_EXTRA:
            put(name, value)
    out = BytesIO()
    BytesGenerator(out, mangle_from_=False, policy=SMTP_HEADERS).flatten(msg)
    return out.getvalue()
