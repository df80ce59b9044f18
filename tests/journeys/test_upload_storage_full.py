"""A full (or failing) document store refuses an upload with a clear error on the page, never a 500."""

from __future__ import annotations

import errno
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.journeys.test_pages import BASE, PDF, answer_all, start
from townhall.journeys.models import JourneySession, Upload


def _disk_full(self: FileSystemStorage, name: str, content: Any) -> str:
    """Start writing, as the real storage does, then run out of space part-way."""
    path = Path(self.path(name))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"%PDF-1.4\n")
    raise OSError(errno.ENOSPC, "No space left on device")


@pytest.mark.django_db
def test_a_full_document_store_shows_a_clear_error_and_keeps_the_answers(
    client: Client, everything: Any, scanner: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    start(client)
    answer_all(client)
    answers_before = dict(JourneySession.objects.get().answers)
    monkeypatch.setattr(FileSystemStorage, "_save", _disk_full)

    response = client.post(f"{BASE}evidence/", {"proof": SimpleUploadedFile("proof.pdf", PDF)})

    assert response.status_code == 200
    page = response.content.decode()
    assert "govuk-error-summary" in page
    assert "The selected file could not be saved just now. Try again in a few minutes" in page
    assert not Upload.objects.exists()
    assert JourneySession.objects.get().answers == answers_before
    assert not [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]  # no half-written file left

    monkeypatch.undo()
    monkeypatch.setattr("townhall.journeys.services.uploads.default_scanner", lambda: scanner)
    again = client.post(f"{BASE}evidence/", {"proof": SimpleUploadedFile("proof.pdf", PDF)})
    assert again.status_code == 302  # once there is room, the same upload goes through
    assert Upload.objects.count() == 1


@pytest.mark.django_db
def test_the_service_raises_a_stable_code(everything: Any, scanner: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from io import BytesIO

    from townhall.core.errors import ValidationFailed
    from townhall.journeys.services.sessions import journey_start
    from townhall.journeys.services.uploads import journey_upload

    session = journey_start(version=everything, language="en")
    monkeypatch.setattr(FileSystemStorage, "_save", _disk_full)
    with pytest.raises(ValidationFailed) as raised:
        journey_upload(session=session, question_id="proof", file=BytesIO(PDF), filename="proof.pdf")
    assert raised.value.code == "upload_unavailable"
    assert [(e.code, e.path) for e in raised.value.errors] == [("file_store_unavailable", "proof")]
