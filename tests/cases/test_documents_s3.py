"""Documents in an S3-compatible object store (``DOCUMENT_STORAGE=s3``): boto3, the real client, against a local
server that speaks the S3 API (moto's server on loopback), since no real bucket is reachable from here."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

from townhall.cases.services import case_open, document_open, document_upload
from townhall.core.roles import Role

from .test_documents import PNG, FakeScanner

BUCKET = "townhall-documents-test"


@pytest.fixture
def s3_documents(settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    for name, value in {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}.items():
        monkeypatch.setenv(name, value)
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="eu-west-2")
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-2"})
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": endpoint,
                "region_name": "eu-west-2",
                "default_acl": "private",
                "file_overwrite": False,
            },
        },
    }
    try:
        yield s3
    finally:
        server.stop()


@pytest.fixture
def case(county, blue_badge, answers):  # type: ignore[no-untyped-def]
    return case_open(organisation=county, version=blue_badge, answers=answers, channel="online", actor=None)


def test_a_document_is_stored_in_the_bucket_and_read_back_for_staff(county, case, make_staff, s3_documents) -> None:
    worker = make_staff(county, Role.CASEWORKER)
    document = document_upload(case=case, file=io.BytesIO(PNG), filename="a.png", actor=worker, scanner=FakeScanner())
    stored = s3_documents.get_object(Bucket=BUCKET, Key=document.file.name)
    assert stored["Body"].read() == PNG
    assert document.sha256 == hashlib.sha256(PNG).hexdigest()

    opened = document_open(case=case, document_id=document.pk, actor=worker)
    with opened.file.open("rb") as handle:
        assert handle.read() == PNG

    # The same content again: the object already there is kept, and the new document gets a name of its own.
    again = document_upload(case=case, file=io.BytesIO(PNG), filename="b.png", actor=worker, scanner=FakeScanner())
    assert again.file.name != document.file.name
    keys = {o["Key"] for o in s3_documents.list_objects_v2(Bucket=BUCKET)["Contents"]}
    assert keys == {document.file.name, again.file.name}
