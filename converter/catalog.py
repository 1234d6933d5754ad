"""Dataset metadata: DCAT (for portals), VoID (for linked-data clients), PROV (lineage)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, PROV, RDF, RDFS, SKOS, XSD

from converter import __version__
from converter.config import Publication
from converter.iris import Iris
from converter.vocab import (
    ADMS,
    DX,
    EU_FILE_TYPE,
    EU_FREQUENCY,
    EU_LANGUAGE,
    EU_THEME,
    IANA_MEDIA,
    ONTOLOGY_IRI,
    VCARD,
    VOID,
)

VOCABULARIES = (
    "https://data.pref.fukushima.lg.jp/dx/ontology#",
    "http://schema.org/",
    "http://purl.org/linked-data/cube#",
    "http://www.w3.org/ns/org#",
    "http://www.w3.org/2004/02/skos/core#",
    "http://www.w3.org/2006/time#",
    "http://www.w3.org/ns/prov#",
    "http://qudt.org/vocab/unit/",
)
REGIONAL_AUTHORITY = URIRef("http://purl.org/adms/publishertype/RegionalAuthority")
SPARQL_PROTOCOL = URIRef("https://www.w3.org/TR/sparql11-protocol/")
LINKSETS = (
    ("e-stat-sac", URIRef("http://data.e-stat.go.jp/lod/sac/"), DX.standardAreaCode),
    ("wikidata", URIRef("http://www.wikidata.org/"), DCTERMS.spatial),
)
SPATIAL = (
    URIRef("http://data.e-stat.go.jp/lod/sac/C07000"),
    URIRef("http://www.wikidata.org/entity/Q71707"),
)


@dataclass(frozen=True)
class Download:
    """One published file, as the catalog describes it."""

    name: str  # file name under download/
    media_type: str
    file_type: str  # EU file-type authority code
    title_ja: str
    title_en: str
    byte_size: int
    is_rdf_dump: bool = False


def catalog_graph(
    pub: Publication, iris: Iris, downloads: list[Download], triples: int, editions: list[int]
) -> Graph:
    """The catalog graph: catalog, dataset, distributions, SPARQL service, VoID, PROV."""
    g = Graph()
    dataset = iris.dataset()
    publisher = iris.org("fukushima-prefecture")
    _catalog(g, pub, iris, publisher)
    _range_classes(g)
    _publisher(g, pub, publisher)
    _license(g, pub)
    _dataset(g, pub, iris, dataset, publisher, editions)
    for download in downloads:
        _distribution(g, pub, iris, dataset, download)
    _service(g, iris, iris.service(), dataset, publisher)
    _void(g, iris, dataset, downloads, triples)
    _provenance(g, pub, iris, dataset, downloads, editions)
    return g


def _bilingual(g: Graph, pub: Publication, s: URIRef, p: URIRef, key: str) -> None:
    """Add the ``{key}_ja`` and ``{key}_en`` settings as language-tagged literals."""
    g.add((s, p, Literal(pub.text(f"{key}_ja"), lang="ja")))
    g.add((s, p, Literal(pub.text(f"{key}_en"), lang="en")))


def _dates(g: Graph, pub: Publication, s: URIRef) -> None:
    """Add the publication's issued and modified dates."""
    g.add((s, DCTERMS.issued, Literal(pub.day("issued"), datatype=XSD.date)))
    g.add((s, DCTERMS.modified, Literal(pub.day("modified"), datatype=XSD.date)))


def _catalog(g: Graph, pub: Publication, iris: Iris, publisher: URIRef) -> None:
    catalog = iris.catalog()
    g.add((catalog, RDF.type, DCAT.Catalog))
    g.add(
        (
            catalog,
            DCTERMS.title,
            Literal("福島県 行政DX リンクトオープンデータ カタログ", lang="ja"),
        )
    )
    g.add(
        (
            catalog,
            DCTERMS.title,
            Literal("Fukushima Prefecture administrative DX linked open data catalog", lang="en"),
        )
    )
    _bilingual(g, pub, catalog, DCTERMS.description, "description")
    g.add((catalog, DCTERMS.publisher, publisher))
    g.add((catalog, FOAF.homepage, URIRef(iris.base)))
    g.add((URIRef(iris.base), RDF.type, FOAF.Document))
    g.add((catalog, DCAT.dataset, iris.dataset()))
    g.add((catalog, DCAT.service, iris.service()))
    g.add((catalog, DCTERMS.language, EU_LANGUAGE.JPN))
    g.add((catalog, DCTERMS.license, URIRef(pub.text("license"))))
    _dates(g, pub, catalog)


def _range_classes(g: Graph) -> None:
    # DCAT-AP 3 wants every object typed with its range class.
    for language in (EU_LANGUAGE.JPN, EU_LANGUAGE.ENG):
        g.add((language, RDF.type, DCTERMS.LinguisticSystem))
    for standard in (ONTOLOGY_IRI, SPARQL_PROTOCOL):
        g.add((standard, RDF.type, DCTERMS.Standard))
    g.add((EU_FREQUENCY.ANNUAL, RDF.type, DCTERMS.Frequency))
    for concept, ja, en in (
        (EU_THEME.GOVE, "政府・公共部門", "Government and public sector"),
        (REGIONAL_AUTHORITY, "地方公共団体", "Regional authority"),
    ):
        g.add((concept, RDF.type, SKOS.Concept))
        g.add((concept, SKOS.prefLabel, Literal(ja, lang="ja")))
        g.add((concept, SKOS.prefLabel, Literal(en, lang="en")))


def _publisher(g: Graph, pub: Publication, publisher: URIRef) -> None:
    g.add((publisher, RDF.type, FOAF.Agent))
    g.add((publisher, RDF.type, FOAF.Organization))
    g.add((publisher, FOAF.name, Literal("福島県", lang="ja")))
    g.add((publisher, FOAF.name, Literal("Fukushima Prefecture", lang="en")))
    g.add((publisher, DCTERMS.type, REGIONAL_AUTHORITY))


def _license(g: Graph, pub: Publication) -> None:
    licence = URIRef(pub.text("license"))
    g.add((licence, RDF.type, DCTERMS.LicenseDocument))
    g.add((licence, DCTERMS.title, Literal(pub.text("license_title_ja"), lang="ja")))
    g.add((licence, DCTERMS.title, Literal(pub.text("license_title_en"), lang="en")))
    g.add((licence, RDFS.seeAlso, URIRef("https://creativecommons.org/licenses/by/4.0/")))


def _dataset(
    g: Graph,
    pub: Publication,
    iris: Iris,
    dataset: URIRef,
    publisher: URIRef,
    editions: list[int],
) -> None:
    g.add((dataset, RDF.type, DCAT.Dataset))
    g.add((dataset, RDF.type, VOID.Dataset))
    g.add((dataset, DCTERMS.title, Literal(pub.text("title_ja"), lang="ja")))
    g.add((dataset, DCTERMS.title, Literal(pub.text("title_en"), lang="en")))
    _bilingual(g, pub, dataset, DCTERMS.description, "description")
    g.add((dataset, DCTERMS.identifier, Literal(pub.text("identifier"))))
    g.add((dataset, DCTERMS.publisher, publisher))
    g.add((dataset, DCTERMS.creator, publisher))
    g.add((dataset, DCTERMS.license, URIRef(pub.text("license"))))
    g.add((dataset, DCTERMS.language, EU_LANGUAGE.JPN))
    g.add((dataset, DCTERMS.language, EU_LANGUAGE.ENG))
    g.add((dataset, DCAT.theme, EU_THEME.GOVE))
    g.add((dataset, DCTERMS.accrualPeriodicity, EU_FREQUENCY.ANNUAL))
    g.add((dataset, DCAT.landingPage, URIRef(iris.base)))
    g.add((dataset, DCTERMS.conformsTo, ONTOLOGY_IRI))
    for language in ("ja", "en"):
        for word in pub.dataset[f"keywords_{language}"]:  # type: ignore[attr-defined]
            g.add((dataset, DCAT.keyword, Literal(word, lang=language)))
    for area in SPATIAL:
        g.add((dataset, DCTERMS.spatial, area))
        g.add((area, RDF.type, DCTERMS.Location))
    _temporal(g, iris, dataset, editions)
    _contact_point(g, pub, iris, dataset)
    _identifier(g, pub, iris, dataset)
    _dates(g, pub, dataset)


def _temporal(g: Graph, iris: Iris, dataset: URIRef, editions: list[int]) -> None:
    """The fiscal years covered: from the one before the first edition to two after the last."""
    period = URIRef(f"{iris.base}id/period/fy{editions[0] - 1}-fy{editions[-1] + 2}")
    g.add((dataset, DCTERMS.temporal, period))
    g.add((period, RDF.type, DCTERMS.PeriodOfTime))
    g.add((period, DCAT.startDate, Literal(date(editions[0] - 1, 4, 1))))
    g.add((period, DCAT.endDate, Literal(date(editions[-1] + 3, 3, 31))))


def _contact_point(g: Graph, pub: Publication, iris: Iris, dataset: URIRef) -> None:
    contact = URIRef(f"{iris.base}id/contact/digital-henkaku-ka")
    g.add((dataset, DCAT.contactPoint, contact))
    g.add((contact, RDF.type, VCARD.Organization))
    g.add((contact, RDF.type, VCARD.Kind))
    g.add((contact, VCARD.fn, Literal(pub.text("contact_ja"), lang="ja")))
    g.add((contact, VCARD.fn, Literal(pub.text("contact_en"), lang="en")))
    g.add((contact, VCARD.hasURL, URIRef(pub.text("contact_url"))))


def _identifier(g: Graph, pub: Publication, iris: Iris, dataset: URIRef) -> None:
    identifier = URIRef(f"{iris.base}id/identifier/{pub.text('identifier')}")
    g.add((dataset, ADMS.identifier, identifier))
    g.add((identifier, RDF.type, ADMS.Identifier))
    g.add((identifier, SKOS.notation, Literal(pub.text("identifier"))))


def _distribution(
    g: Graph,
    pub: Publication,
    iris: Iris,
    dataset: URIRef,
    download: Download,
) -> None:
    dist = iris.distribution(download.name)
    url = iris.download(download.name)
    g.add((dataset, DCAT.distribution, dist))
    g.add((dist, RDF.type, DCAT.Distribution))
    g.add((dist, DCTERMS.title, Literal(download.title_ja, lang="ja")))
    g.add((dist, DCTERMS.title, Literal(download.title_en, lang="en")))
    g.add((dist, DCAT.downloadURL, url))
    g.add((dist, DCAT.accessURL, url))
    media_type = URIRef(IANA_MEDIA + download.media_type)
    g.add((dist, DCAT.mediaType, media_type))
    g.add((media_type, RDF.type, DCTERMS.MediaType))
    g.add((dist, DCTERMS.format, EU_FILE_TYPE[download.file_type]))
    g.add((EU_FILE_TYPE[download.file_type], RDF.type, DCTERMS.MediaTypeOrExtent))
    g.add((dist, DCTERMS.license, URIRef(pub.text("license"))))
    # No dcat:byteSize: Oxigraph stores xsd:nonNegativeInteger as xsd:integer, which would
    # break DCAT-AP conformance of the catalog served from the store. Sizes are in the manifest.
    _dates(g, pub, dist)


def _service(g: Graph, iris: Iris, service: URIRef, dataset: URIRef, publisher: URIRef) -> None:
    g.add((service, RDF.type, DCAT.DataService))
    g.add((service, DCTERMS.title, Literal("SPARQLエンドポイント", lang="ja")))
    g.add((service, DCTERMS.title, Literal("SPARQL endpoint", lang="en")))
    g.add((service, DCAT.endpointURL, iris.sparql()))
    g.add((service, DCAT.endpointDescription, iris.sparql()))
    g.add((iris.sparql(), RDF.type, RDFS.Resource))
    g.add((service, DCAT.servesDataset, dataset))
    g.add((service, DCTERMS.conformsTo, SPARQL_PROTOCOL))
    g.add((service, DCTERMS.publisher, publisher))


def _void(g: Graph, iris: Iris, dataset: URIRef, downloads: list[Download], triples: int) -> None:
    g.add((dataset, VOID.sparqlEndpoint, iris.sparql()))
    g.add((dataset, VOID.uriSpace, Literal(iris.uri_space())))
    g.add((dataset, VOID.triples, Literal(triples, datatype=XSD.integer)))
    g.add((dataset, VOID.exampleResource, iris.kpi(2)))
    g.add((dataset, VOID.exampleResource, iris.project(2023, 8)))
    g.add((dataset, VOID.rootResource, iris.plan()))
    g.add((dataset, VOID.rootResource, iris.kpi_scheme()))
    for vocabulary in VOCABULARIES:
        g.add((dataset, VOID.vocabulary, URIRef(vocabulary)))
    for download in downloads:
        if download.is_rdf_dump:
            g.add((dataset, VOID.dataDump, iris.download(download.name)))
    for name, target, predicate in LINKSETS:
        link = URIRef(f"{iris.base}id/linkset/{name}")
        g.add((link, RDF.type, VOID.Linkset))
        g.add((link, VOID.subjectsTarget, dataset))
        g.add((link, VOID.objectsTarget, target))
        g.add((link, VOID.linkPredicate, predicate))
        g.add((target, RDF.type, VOID.Dataset))


def _provenance(
    g: Graph,
    pub: Publication,
    iris: Iris,
    dataset: URIRef,
    downloads: list[Download],
    editions: list[int],
) -> None:
    """Lineage: the dataset comes from the reports; the conversion wrote the RDF dumps.

    The generating activity hangs off the dump distributions (which it did write), never off
    the ``dcat:Dataset``: ckanext-dcat's DCAT-AP profiles turn a dataset's
    ``prov:wasGeneratedBy`` into a ``provenance_activity`` field that CKAN's default package
    schema refuses (``__junk`` up to CKAN 2.11, silently dropped from 2.12). It stays one hop
    away: ``dataset dcat:distribution/prov:wasGeneratedBy activity``.
    """
    activity, agent = iris.build_activity(), iris.software()
    g.add((dataset, RDF.type, PROV.Entity))
    for download in downloads:
        if download.is_rdf_dump:
            g.add((iris.distribution(download.name), PROV.wasGeneratedBy, activity))
    g.add((activity, RDF.type, PROV.Activity))
    g.add((activity, RDFS.label, Literal("表からRDFへの変換", lang="ja")))
    g.add((activity, RDFS.label, Literal("conversion of the table to RDF", lang="en")))
    g.add((activity, PROV.wasAssociatedWith, agent))
    g.add(
        (
            activity,
            PROV.endedAtTime,
            Literal(f"{pub.day('modified').isoformat()}T00:00:00Z", datatype=XSD.dateTime),
        )
    )
    g.add((agent, RDF.type, PROV.SoftwareAgent))
    g.add((agent, RDFS.label, Literal(f"fukushima-dx-lod converter {__version__}")))
    for year in editions:
        report = iris.report(year)
        g.add((dataset, PROV.wasDerivedFrom, report))
        g.add((activity, PROV.used, report))
        g.add((activity, PROV.used, iris.download(f"dx-kpi-fy{year}.csv")))
    g.add((activity, PROV.used, ONTOLOGY_IRI))
