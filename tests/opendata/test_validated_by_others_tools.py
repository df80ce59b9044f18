"""Each download passes the standard tools: frictionless, csvw, pyshacl against DCAT shapes, rdflib."""

from __future__ import annotations

import json
from pathlib import Path

import csvw
import pytest
from django.test import Client
from frictionless import Package, Resource, Schema
from pyshacl import validate as shacl_validate
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCAT, RDF

SHAPES = Path(__file__).with_name("dcat_shapes.ttl")

pytestmark = pytest.mark.django_db


def _base(version) -> str:  # type: ignore[no-untyped-def]
    return f"/open-data/{version.dataset.organisation.slug}/{version.dataset.slug}/{version.number}"


@pytest.mark.parametrize("slug", ["service-performance", "data-sharing-agreements", "service-directory"])
def test_each_csv_passes_frictionless_against_its_schema(published, slug, tmp_path, client: Client):
    version = published[slug]
    csv_text = client.get(_base(version) + ".csv").content
    (tmp_path / "data.csv").write_bytes(csv_text)
    package = json.loads(client.get(_base(version) + "/datapackage.json").content)
    assert package["resources"][0]["path"].startswith("http://testserver/open-data/")
    schema = Schema.from_descriptor(package["resources"][0]["schema"])
    report = Resource(path="data.csv", basepath=str(tmp_path), schema=schema).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    assert report.tasks[0].stats["rows"] == version.row_count
    package["resources"][0]["path"] = "data.csv"  # the same package, read from the local copy
    package_report = Package(package, basepath=str(tmp_path)).validate()
    assert package_report.valid, package_report.flatten(["rowNumber", "fieldName", "type", "note"])


@pytest.mark.parametrize("slug", ["service-performance", "data-sharing-agreements", "service-directory"])
def test_the_csvw_metadata_loads_with_the_csvw_library(published, slug, tmp_path, client: Client):
    version = published[slug]
    metadata = json.loads(client.get(_base(version) + "-metadata.json").content)
    assert metadata["url"].endswith(f"/{version.number}.csv")
    metadata["url"] = "data.csv"
    (tmp_path / "data.csv").write_bytes(client.get(_base(version) + ".csv").content)
    (tmp_path / "data.csv-metadata.json").write_text(json.dumps(metadata))
    table = csvw.Table.from_file(tmp_path / "data.csv-metadata.json")
    rows = list(table.iterdicts())
    assert len(rows) == version.row_count
    validator = csvw.CSVW(str(tmp_path / "data.csv-metadata.json"))
    assert validator.is_valid, validator.warnings
    if slug == "service-performance":
        assert rows[0]["month"].isoformat()[:10] == version.rows[0]["month"]  # typed by the metadata
        assert rows[0]["lgsl"] == 1088 and rows[0]["volume_phone"] is None  # "" is null


def test_the_catalogue_passes_shacl_validation_against_dcat_shapes(published, client: Client):
    turtle = client.get("/open-data/catalog.ttl")
    assert turtle["Content-Type"].startswith("text/turtle")
    graph = Graph().parse(data=turtle.content.decode(), format="turtle")
    conforms, _graph, text = shacl_validate(graph, shacl_graph=str(SHAPES), shacl_graph_format="turtle")
    assert conforms, text
    datasets = list(graph.subjects(RDF.type, DCAT.Dataset))
    assert len(datasets) == 3
    assert (URIRef("http://testserver/open-data/downshire/service-performance/"), RDF.type, DCAT.Dataset) in graph
    assert len(list(graph.subjects(RDF.type, DCAT.Distribution))) == 12


def test_the_catalogue_in_json_ld_is_the_same_graph_and_content_is_negotiated(published, client: Client):
    turtle = Graph().parse(data=client.get("/open-data/catalog.ttl").content.decode(), format="turtle")
    jsonld = client.get("/open-data/catalog.jsonld")
    assert jsonld["Content-Type"].startswith("application/ld+json")
    assert isomorphic(turtle, Graph().parse(data=jsonld.content.decode(), format="json-ld"))
    assert client.get("/open-data/catalog", HTTP_ACCEPT="text/turtle")["Content-Type"].startswith("text/turtle")
    assert client.get("/open-data/catalog")["Content-Type"].startswith("application/ld+json")


def test_shapes_catch_a_catalogue_missing_mandatory_properties():
    broken = Graph()
    dataset = URIRef("http://example.test/d")
    broken.add((dataset, RDF.type, DCAT.Dataset))
    conforms, _graph, _text = shacl_validate(broken, shacl_graph=str(SHAPES), shacl_graph_format="turtle")
    assert not conforms
