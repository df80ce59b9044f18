"""The DCAT v3 catalogue of every published dataset, as an RDF graph (JSON-LD and Turtle). Pure: no Django."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, XSD

from townhall.opendata.formats import OGL_V3

IANA = "https://www.iana.org/assignments/media-types/"
EU_FILE_TYPE = "http://publications.europa.eu/resource/authority/file-type/"
FREQUENCY = "http://publications.europa.eu/resource/authority/frequency/"
DCAT_VERSION = URIRef(str(DCAT) + "version")  # new in DCAT 3, not yet in rdflib's namespace
FREQUENCIES = {"monthly": "MONTHLY", "weekly": "WEEKLY"}


@dataclass(frozen=True)
class DistributionEntry:
    url: str
    title: str
    media_type: str  # e.g. text/csv
    file_type: str  # EU file-type authority code, e.g. CSV, JSON, JSON_LD


@dataclass(frozen=True)
class DatasetEntry:
    url: str  # the dataset's landing page, also its identifier
    identifier: str
    title: str
    description: str
    publisher_url: str
    publisher_name: str
    issued: str  # ISO date-time of the first version
    modified: str  # ISO date-time of the newest version
    version: int
    frequency: str  # monthly or weekly
    keywords: tuple[str, ...]
    distributions: tuple[DistributionEntry, ...]
    licence: str = OGL_V3


@dataclass(frozen=True)
class CatalogueInfo:
    url: str
    title: str
    description: str
    homepage: str
    publisher_url: str
    publisher_name: str


def catalogue_graph(info: CatalogueInfo, datasets: Sequence[DatasetEntry]) -> Graph:
    g = Graph()
    g.bind("dcat", DCAT)
    g.bind("dct", DCTERMS)
    g.bind("foaf", FOAF)
    catalogue = URIRef(info.url)
    g.add((catalogue, RDF.type, DCAT.Catalog))
    g.add((catalogue, DCTERMS.title, Literal(info.title, lang="en")))
    g.add((catalogue, DCTERMS.description, Literal(info.description, lang="en")))
    g.add((catalogue, FOAF.homepage, URIRef(info.homepage)))
    g.add((catalogue, DCTERMS.license, URIRef(OGL_V3)))
    _agent(g, info.publisher_url, info.publisher_name)
    g.add((catalogue, DCTERMS.publisher, URIRef(info.publisher_url)))
    for entry in datasets:
        dataset = URIRef(entry.url)
        g.add((catalogue, DCAT.dataset, dataset))
        g.add((dataset, RDF.type, DCAT.Dataset))
        g.add((dataset, DCTERMS.identifier, Literal(entry.identifier)))
        g.add((dataset, DCTERMS.title, Literal(entry.title, lang="en")))
        g.add((dataset, DCTERMS.description, Literal(entry.description, lang="en")))
        g.add((dataset, DCAT.landingPage, dataset))
        _agent(g, entry.publisher_url, entry.publisher_name)
        g.add((dataset, DCTERMS.publisher, URIRef(entry.publisher_url)))
        g.add((dataset, DCTERMS.issued, Literal(entry.issued, datatype=XSD.dateTime)))
        g.add((dataset, DCTERMS.modified, Literal(entry.modified, datatype=XSD.dateTime)))
        g.add((dataset, DCAT_VERSION, Literal(str(entry.version))))
        g.add((dataset, DCTERMS.accrualPeriodicity, URIRef(FREQUENCY + FREQUENCIES.get(entry.frequency, "UNKNOWN"))))
        for keyword in entry.keywords:
            g.add((dataset, DCAT.keyword, Literal(keyword, lang="en")))
        for d in entry.distributions:
            distribution = URIRef(d.url)
            g.add((dataset, DCAT.distribution, distribution))
            g.add((distribution, RDF.type, DCAT.Distribution))
            g.add((distribution, DCTERMS.title, Literal(d.title, lang="en")))
            g.add((distribution, DCAT.accessURL, distribution))
            g.add((distribution, DCAT.downloadURL, distribution))
            g.add((distribution, DCAT.mediaType, URIRef(IANA + d.media_type)))
            g.add((distribution, DCTERMS.format, URIRef(EU_FILE_TYPE + d.file_type)))
            g.add((distribution, DCTERMS.license, URIRef(entry.licence)))
            g.add((URIRef(entry.licence), RDF.type, DCTERMS.LicenseDocument))
    return g


def _agent(g: Graph, url: str, name: str) -> None:
    agent = URIRef(url)
    g.add((agent, RDF.type, FOAF.Agent))
    g.add((agent, FOAF.name, Literal(name, lang="en")))


def as_turtle(g: Graph) -> str:
    return g.serialize(format="turtle")


def as_jsonld(g: Graph) -> str:
    context = {"dcat": str(DCAT), "dct": str(DCTERMS), "foaf": str(FOAF), "xsd": str(XSD)}
    return g.serialize(format="json-ld", context=context, indent=1)
