"""The SMTP sender's header policy writes exactly the bytes Django's own (compat32) would, only faster."""

from __future__ import annotations

import string
from email.policy import compat32

from django.core.mail import EmailMessage
from hypothesis import given, settings
from hypothesis import strategies as st

from townhall.notifications.senders.smtp import SHORT_ASCII_HEADERS, _Email

NAMES = st.sampled_from(
    ["Subject", "From", "To", "Reply-To", "Message-ID", "X-Townhall-Reference", "Content-Language", "Date"]
)


@settings(max_examples=2000, deadline=None)
@given(NAMES, st.text(alphabet=string.printable, max_size=120) | st.text(max_size=40))
def test_any_header_folds_as_compat32_would(name: str, value: str) -> None:
    ours = SHORT_ASCII_HEADERS.clone(linesep="\r\n")
    django = compat32.clone(linesep="\r\n")
    try:
        expected = django.fold_binary(name, value)
    except Exception as exc:  # what compat32 refuses, ours refuses the same way
        try:
            ours.fold_binary(name, value)
        except Exception as ours_exc:
            assert type(ours_exc) is type(exc)
            return
        raise AssertionError(f"compat32 refused {value!r} but ours did not") from exc
    assert ours.fold_binary(name, value) == expected


def _emails(subject: str) -> tuple[bytes, bytes]:
    fields = {
        "subject": subject,
        "body": "Annwyl breswylydd,\n\nDiolch am eich adroddiad. " * 8,
        "from_email": "Cyngor Mid Downs <council@mid-downs.example>",
        "to": ["gwen.jones@example.test"],
        "reply_to": ["reply+AbCdEf123.xyz@replies.townhall.localhost"],
        "headers": {"Message-ID": "<th-0123456789abcdef@replies.townhall.localhost>", "Content-Language": "cy"},
    }
    date = {"Date": "Mon, 23 Nov 2026 18:00:00 -0000"}
    ours = _Email(**{**fields, "headers": {**fields["headers"], **date}}).message().as_bytes(linesep="\r\n")
    plain = EmailMessage(**{**fields, "headers": {**fields["headers"], **date}}).message().as_bytes(linesep="\r\n")
    return ours, plain


def test_a_whole_message_is_byte_for_byte_what_django_writes() -> None:
    for subject in ["Your missed bin report HXKM-9M3T", "Eich adroddiad: bin heb ei gasglu — ŵ ŷ", "x" * 150]:
        ours, plain = _emails(subject)
        assert ours == plain
