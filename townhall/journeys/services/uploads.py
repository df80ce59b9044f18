"""Files residents upload: type sniffed from the content (``filetype``), a size limit, a virus scan."""

from __future__ import annotations

import secrets
from typing import IO, Any, Protocol

import filetype
from django.utils.translation import gettext as _
from django.utils.translation import override

from townhall.core.errors import FieldError, NotFound, ValidationFailed
from townhall.core.filenames import safe_filename
from townhall.core.storage import StoreUnavailable, store_file
from townhall.journeys.models import JourneySession, JourneyStatus, Upload

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_ACCEPT = ("application/pdf", "image/jpeg", "image/png")
NAMES = {"application/pdf": "PDF", "image/jpeg": "JPG", "image/png": "PNG", "image/heic": "HEIC", "image/gif": "GIF"}


class VirusScanner(Protocol):
    """What journeys need of the notifications app's VirusScanner."""

    def scan(self, data: bytes, *, filename: str = "") -> Any: ...


def default_scanner() -> VirusScanner:
    from townhall.notifications.scanning import get_virus_scanner  # type: ignore[import-not-found]

    return get_virus_scanner()  # type: ignore[no-any-return]


def _is_clean(result: Any) -> bool:
    for attr in ("clean", "is_clean", "ok"):
        if hasattr(result, attr):
            return bool(getattr(result, attr))
    return bool(result)


def _refuse(question_id: str, code: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, code="answers_invalid", errors=[FieldError(code, message, question_id)])


def journey_upload(
    *,
    session: JourneySession,
    question_id: str,
    file: IO[bytes],
    filename: str,
    scanner: VirusScanner | None = None,
    language: str | None = None,
) -> Upload:
    """Keep an uploaded file for a question if its content is an accepted type, small enough and clean.

    Refusals are worded in ``language`` (the page's), else in the journey's language."""
    if session.status != JourneyStatus.IN_PROGRESS:
        raise ValidationFailed("This application has already been sent", code="journey_submitted")
    definition = session.version.definition()
    question = next((q for q in definition.all_questions() if q.id == question_id and q.type == "file"), None)
    if question is None:
        raise NotFound("No such question", code="question_not_found")
    max_bytes = question.max_bytes or DEFAULT_MAX_BYTES
    accept = question.accept or DEFAULT_ACCEPT
    data = file.read(max_bytes + 1)
    language = language or session.language
    with override(language):
        if not data:
            raise _refuse(question_id, "empty_file", _("The selected file is empty"))
        if len(data) > max_bytes:
            size = f"{max_bytes / (1024 * 1024):g}MB"
            raise _refuse(
                question_id, "file_too_large", _("The selected file must be smaller than %(size)s") % {"size": size}
            )
        kind = filetype.guess(data)
        mime = kind.mime if kind else ""
        if mime not in accept:
            names = [NAMES.get(a, a.split("/")[-1].upper()) for a in accept]
            listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + _(" or ") + names[-1]
            raise _refuse(question_id, "file_type", _("The selected file must be a %(types)s") % {"types": listed})
        if not _is_clean((scanner or default_scanner()).scan(data, filename=filename)):
            raise _refuse(question_id, "file_virus", _("The selected file contains a virus"))
    upload = Upload(
        token=secrets.token_urlsafe(24),
        session=session,
        question_id=question_id,
        name=safe_filename(filename),
        content_type=mime,
        size=len(data),
    )
    _store(upload, data, f"{upload.token}.{kind.extension if kind else 'bin'}", language)
    return upload


def _store(upload: Upload, data: bytes, name: str, language: str) -> None:
    """Write the file, then its row. A store that cannot take the file is not a server error: the resident is
    told so on the question and can try again, and the answers they gave so far stay."""
    try:
        store_file(upload.file, name, data)
    except StoreUnavailable as exc:
        with override(language):
            message = _("The selected file could not be saved just now. Try again in a few minutes")
        problem = FieldError("file_store_unavailable", message, upload.question_id)
        raise ValidationFailed(message, code="upload_unavailable", errors=[problem]) from exc
    upload.save()


def upload_answer(upload: Upload) -> dict[str, Any]:
    return {"upload": upload.token, "name": upload.name, "content_type": upload.content_type, "size": upload.size}
