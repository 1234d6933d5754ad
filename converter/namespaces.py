"""Namespaces and IRI minting. Every IRI the converter writes is made here."""

from __future__ import annotations

from rdflib import Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, ORG, OWL, PROV, QB, RDF, RDFS, SKOS, TIME, XSD

DEFAULT_BASE_IRI = "https://data.pref.fukushima.lg.jp/dx/"
DX = Namespace("https://data.pref.fukushima.lg.jp/dx/ontology#")
ONTOLOGY_IRI = URIRef("https://data.pref.fukushima.lg.jp/dx/ontology")
SCHEMA = Namespace("http://schema.org/")
QUDT = Namespace("http://qudt.org/schema/qudt/")
UNIT = Namespace("http://qudt.org/vocab/unit/")
SDMX_ATTR = Namespace("http://purl.org/linked-data/sdmx/2009/attribute#")
VOID = Namespace("http://rdfs.org/ns/void#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
ADMS = Namespace("http://www.w3.org/ns/adms#")
EU_FILE_TYPE = Namespace("http://publications.europa.eu/resource/authority/file-type/")
EU_LANGUAGE = Namespace("http://publications.europa.eu/resource/authority/language/")
EU_THEME = Namespace("http://publications.europa.eu/resource/authority/data-theme/")
EU_FREQUENCY = Namespace("http://publications.europa.eu/resource/authority/frequency/")
IANA_MEDIA = "http://www.iana.org/assignments/media-types/"

PREFIXES: dict[str, object] = {  # prefix → namespace (rdflib Namespace or DefinedNamespace)
    "dx": DX, "schema": SCHEMA, "qb": QB, "org": ORG, "skos": SKOS, "dct": DCTERMS,
    "dcat": DCAT, "prov": PROV, "time": TIME, "qudt": QUDT, "unit": UNIT,
    "sdmx-attribute": SDMX_ATTR, "void": VOID, "foaf": FOAF, "owl": OWL, "rdf": RDF,
    "rdfs": RDFS, "xsd": XSD, "vcard": VCARD, "adms": ADMS,
}


class Iris:
    """Mints the stable IRIs of one publication (see docs/architecture.md)."""

    def __init__(self, base: str = DEFAULT_BASE_IRI) -> None:
        if not base.endswith("/"):
            base += "/"
        self.base = base

    def _id(self, path: str) -> URIRef:
        return URIRef(f"{self.base}id/{path}")

    def plan(self) -> URIRef:
        return self._id("plan")

    def plan_item(self, key: str) -> URIRef:
        return self._id(f"plan/{key}")

    def kpi_scheme(self) -> URIRef:
        return self._id("kpi")

    def kpi(self, number: int) -> URIRef:
        return self._id(f"kpi/{number}")

    def project(self, year: int, number: int) -> URIRef:
        return self._id(f"project/fy{year}/{number}")

    def listing(self, year: int, plan_item: str, project: int) -> URIRef:
        return self._id(f"listing/fy{year}/{plan_item}/{project}")

    def value(self, year: int, kpi: int, kind: str, period: int | None) -> URIRef:
        suffix = kind if period is None else f"{kind}-fy{period}"
        return self._id(f"value/fy{year}/kpi-{kpi}/{suffix}")

    def report(self, year: int) -> URIRef:
        return self._id(f"report/fy{year}")

    def cube(self, year: int) -> URIRef:
        return self._id(f"cube/fy{year}")

    def org(self, path: str) -> URIRef:
        return self._id(f"org/{path}")

    def fiscal_year(self, year: int) -> URIRef:
        return self._id(f"fiscal-year/{year}")

    def date(self, iso: str) -> URIRef:
        return self._id(f"date/{iso}")

    def dataset(self) -> URIRef:
        return self._id("dataset/dx-kpi")

    def distribution(self, name: str) -> URIRef:
        return self._id(f"distribution/{name.replace('.', '-')}")

    def service(self) -> URIRef:
        return self._id("service/sparql")

    def build_activity(self) -> URIRef:
        return self._id("activity/build")

    def software(self) -> URIRef:
        return self._id("agent/converter")

    def catalog(self) -> URIRef:
        return URIRef(f"{self.base}catalog")

    def download(self, name: str) -> URIRef:
        return URIRef(f"{self.base}download/{name}")

    def sparql(self) -> URIRef:
        return URIRef(f"{self.base}sparql")

    def graph(self, name: str) -> URIRef:
        return URIRef(f"{self.base}graph/{name}")

    def uri_space(self) -> str:
        return f"{self.base}id/"
