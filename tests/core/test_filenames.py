"""Uploaded files keep a name that is safe to store (PostgreSQL refuses NUL) and shows no folders."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from townhall.core.filenames import safe_filename


def test_folders_and_control_characters_are_taken_out() -> None:
    assert safe_filename("../../etc/passwd") == ".._.._etc_passwd"
    assert safe_filename("proof.pdf\x00.exe") == "proof.pdf.exe"
    assert safe_filename("\x00\n", "document") == "document"


@given(st.text(max_size=400))
def test_any_name_becomes_printable_without_folders_and_short(name: str) -> None:
    kept = safe_filename(name)
    assert kept and len(kept) <= 200 and kept.isprintable()
    assert "/" not in kept and "\\" not in kept and "\x00" not in kept
