"""How a dataset version is written down: CSV, JSON, CSVW metadata, a Frictionless data package. Pure: no Django."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass

from townhall.opendata.tables import Column, Row

OGL_V3 = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
OGL_V3_TITLE = "Open Government Licence v3.0"

CSVW_DATATYPES = {"string": "string", "integer": "integer", "number": "decimal", "date": "date"}
FRICTIONLESS_TYPES = {"string": "string", "integer": "integer", "number": "number", "date": "date"}


@dataclass(frozen=True)
class VersionInfo:
    """What the metadata says about one version: names, addresses and provenance."""

    title: str
    description: str
    name: str  # a lower-case slug: "<organisation>-<dataset>"
    version: int
    created: str  # ISO 8601 date-time
    publisher: str
    csv_url: str  # absolute, or relative to the metadata document
    licence_url: str = OGL_V3
    licence_title: str = OGL_V3_TITLE


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value)


def to_csv(columns: Sequence[Column], rows: Sequence[Row]) -> str:
    """RFC 4180 CSV with a header row of column names; an empty field is a withheld or missing value."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c.name for c in columns])
    for row in rows:
        writer.writerow([_cell(row.get(c.name)) for c in columns])
    return out.getvalue()


def content_hash(columns: Sequence[Column], rows: Sequence[Row]) -> str:
    """sha256 of the CSV: two versions with the same hash publish the same content."""
    return hashlib.sha256(to_csv(columns, rows).encode("utf-8")).hexdigest()


def to_json(info: VersionInfo, columns: Sequence[Column], rows: Sequence[Row]) -> str:
    document = {
        "dataset": info.name,
        "title": info.title,
        "version": info.version,
        "created": info.created,
        "licence": info.licence_url,
        "columns": [c.name for c in columns],
        "rows": [{c.name: row.get(c.name) for c in columns} for row in rows],
    }
    return json.dumps(document, ensure_ascii=False, indent=1)


def csvw_metadata(info: VersionInfo, columns: Sequence[Column]) -> dict[str, object]:
    """CSV on the Web (W3C) metadata for the version's CSV."""
    return {
        "@context": "http://www.w3.org/ns/csvw",
        "url": info.csv_url,
        "dc:title": info.title,
        "dc:description": info.description,
        "dc:publisher": info.publisher,
        "dc:license": {"@id": info.licence_url},
        "dc:created": info.created,
        "dialect": {"header": True, "encoding": "utf-8", "lineTerminators": ["\r\n", "\n"]},
        "tableSchema": {
            "columns": [
                {
                    "name": c.name,
                    "titles": c.title,
                    "dc:description": c.description,
                    "datatype": CSVW_DATATYPES[c.datatype],
                    "null": "",
                    "required": c.required,
                }
                for c in columns
            ]
        },
    }


def table_schema(columns: Sequence[Column]) -> dict[str, object]:
    """A Frictionless Table Schema."""
    return {
        "fields": [
            {
                "name": c.name,
                "title": c.title,
                "description": c.description,
                "type": FRICTIONLESS_TYPES[c.datatype],
                **({"constraints": {"required": True}} if c.required else {}),
            }
            for c in columns
        ],
        "missingValues": [""],
    }


def data_package(info: VersionInfo, columns: Sequence[Column]) -> dict[str, object]:
    """A Frictionless Data Package with one tabular resource, the version's CSV."""
    return {
        "name": info.name,
        "title": info.title,
        "description": info.description,
        "version": f"{info.version}.0.0",
        "created": info.created,
        "licenses": [{"name": "OGL-UK-3.0", "path": info.licence_url, "title": info.licence_title}],
        "resources": [
            {
                "name": info.name,
                "path": info.csv_url,
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": table_schema(columns),
            }
        ],
    }


def to_hsds_json(info: VersionInfo, rows: Sequence[Row]) -> str:
    """The service directory as Open Referral UK (HSDS) services, each with its organization."""
    services = [
        {
            "id": row.get("id"),
            "name": row.get("name"),
            "description": row.get("description") or "",
            "url": row.get("url"),
            "status": row.get("status") or "active",
            "organization": {"id": row.get("organization_id"), "name": row.get("organization_name")},
            "service_taxonomys": (
                [{"taxonomy_term": {"id": f"lgsl:{row['lgsl']}", "vocabulary": "esdServices"}}]
                if row.get("lgsl") is not None
                else []
            ),
        }
        for row in rows
    ]
    return json.dumps(
        {"dataset": info.name, "version": info.version, "licence": info.licence_url, "services": services},
        ensure_ascii=False,
        indent=1,
    )
