from __future__ import annotations

import hashlib
import io

import pytest

from townhall.cases.models import CaseEvent, CaseEventKind, Document
from townhall.cases.services import case_open, document_open, document_upload
from townhall.core.errors import NotFound, PermissionDenied, TooLarge, ValidationFailed
from townhall.core.models import AuditEvent
from townhall.core.roles import Role
from townhall.notifications.inbound.scanning import EICAR, ScanResult, VirusScanner

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


class FakeScanner:
    """Records what it was asked to scan; meets notifications' VirusScanner Protocol."""

    name = "fake"

    def __init__(self, infected: bool = False) -> None:
        self.infected = infected
        self.seen: list[bytes] = []

    def scan(self, data: bytes) -> ScanResult:
        self.seen.append(data)
        return ScanResult(clean=not self.infected, scanner=self.name)


def test_the_fake_scanner_meets_the_protocol() -> None:
    assert isinstance(FakeScanner(), VirusScanner)


def test_the_default_scanner_refuses_the_eicar_test_file(county, case, make_staff) -> None:
    worker = make_staff(county, Role.CASEWORKER)
    with pytest.raises(ValidationFailed) as virus:
        document_upload(case=case, file=io.BytesIO(PNG + EICAR), filename="a.png", actor=worker)
    assert virus.value.code == "document_infected"
    document = document_upload(case=case, file=io.BytesIO(PNG), filename="a.png", actor=worker)
    assert document.scan_status == "clean"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}


@pytest.fixture
def case(county, blue_badge, answers):
    return case_open(organisation=county, version=blue_badge, answers=answers, channel="online", actor=None)


def test_upload_checks_content_and_records_checksum(county, case, make_staff) -> None:
    worker = make_staff(county, Role.CASEWORKER)
    scanner = FakeScanner()
    document = document_upload(
        case=case, file=io.BytesIO(PNG), filename="../../badge photo.pdf", actor=worker, scanner=scanner
    )
    assert document.content_type == "image/png"  # sniffed from the bytes, not the name
    assert document.sha256 == hashlib.sha256(PNG).hexdigest()
    assert document.size == len(PNG)
    assert "/" not in document.original_name
    assert scanner.seen == [PNG]
    with document.file.open("rb") as stored:
        assert stored.read() == PNG
    assert CaseEvent.objects.filter(case=case, kind=CaseEventKind.DOCUMENT_ADDED).count() == 1


def test_upload_refuses_wrong_type_virus_and_size(county, case, make_staff) -> None:
    worker = make_staff(county, Role.CASEWORKER)
    with pytest.raises(ValidationFailed) as wrong:
        document_upload(
            case=case, file=io.BytesIO(b"MZ\x90\x00 not a pdf"), filename="a.pdf", actor=worker, scanner=FakeScanner()
        )
    assert wrong.value.code == "document_type_not_allowed"
    with pytest.raises(ValidationFailed) as virus:
        document_upload(case=case, file=io.BytesIO(PNG), filename="a.png", actor=worker, scanner=FakeScanner(True))
    assert virus.value.code == "document_infected"
    big = PNG + b"\0" * (10 * 1024 * 1024)
    with pytest.raises(TooLarge):
        document_upload(case=case, file=io.BytesIO(big), filename="a.png", actor=worker, scanner=FakeScanner())
    with pytest.raises(PermissionDenied):
        document_upload(
            case=case,
            file=io.BytesIO(PNG),
            filename="a.png",
            actor=make_staff(county, Role.ANALYST),
            scanner=FakeScanner(),
        )
    assert Document.objects.count() == 0


def test_every_view_is_audited_and_only_for_staff_who_may(county, district, case, make_staff) -> None:
    document = document_upload(case=case, file=io.BytesIO(PNG), filename="a.png", actor=None, scanner=FakeScanner())
    worker = make_staff(county, Role.CASEWORKER)
    for _ in range(2):
        assert document_open(case=case, document_id=document.pk, actor=worker) == document
    assert AuditEvent.objects.filter(action="case.document_viewed", object_id=case.reference).count() == 2
    assert CaseEvent.objects.filter(case=case, kind=CaseEventKind.DOCUMENT_VIEWED).count() == 2
    for outsider in (make_staff(county, Role.SERVICE_DESIGNER), make_staff(district, Role.CASEWORKER)):
        with pytest.raises(PermissionDenied):
            document_open(case=case, document_id=document.pk, actor=outsider)
    with pytest.raises(NotFound):
        document_open(case=case, document_id=document.pk + 100, actor=worker)


def test_a_failed_write_leaves_no_file_behind(county, case, make_staff, monkeypatch, tmp_path) -> None:
    import townhall.cases.services.documents as documents

    def broken(**kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("audit trail unavailable")

    monkeypatch.setattr(documents, "audit_record", broken)
    with pytest.raises(RuntimeError):
        document_upload(case=case, file=io.BytesIO(PNG), filename="a.png", actor=None, scanner=FakeScanner())
    assert Document.objects.count() == 0
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def _disk_full(self, name, content):  # type: ignore[no-untyped-def]
    """Start writing, as the real storage does, then run out of space part-way."""
    import errno
    from pathlib import Path

    path = Path(self.path(name))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(PNG[:8])
    raise OSError(errno.ENOSPC, "No space left on device")


def test_a_full_document_store_refuses_the_upload_clearly(county, case, monkeypatch, settings) -> None:
    from pathlib import Path

    from django.core.files.storage import FileSystemStorage

    kept = document_upload(case=case, file=io.BytesIO(PNG), filename="a.png", actor=None, scanner=FakeScanner())
    monkeypatch.setattr(FileSystemStorage, "_save", _disk_full)
    other = PNG + b"\x00"  # another file: its own name in the store
    with pytest.raises(ValidationFailed) as refused:
        document_upload(case=case, file=io.BytesIO(other), filename="b.png", actor=None, scanner=FakeScanner())
    assert refused.value.code == "document_store_unavailable"
    assert [e.path for e in refused.value.errors] == ["file"]
    assert list(Document.objects.all()) == [kept]
    files = [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]
    assert [p.name for p in files] == [Path(kept.file.name).name]  # the half-written one is gone, the other kept

    # The same content again: the store already holds a file of that name, which must not be touched.
    with pytest.raises(ValidationFailed):
        document_upload(case=case, file=io.BytesIO(PNG), filename="c.png", actor=None, scanner=FakeScanner())
    assert Path(kept.file.path).read_bytes() == PNG
