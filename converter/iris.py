"""IRI minting: every IRI the converter writes is made here (docs/architecture.md)."""

from __future__ import annotations

from rdflib import URIRef

from converter.contract import DEFAULT_BASE_IRI


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
        """The dataset portals harvest (all editions); also the series of the editions."""
        return self._id("dataset/dx-kpi")

    def edition(self, year: int) -> URIRef:
        """One edition as a ``dcat:Dataset`` in the series (docs/editions.md)."""
        return self._id(f"dataset/dx-kpi/fy{year}")

    def latest(self) -> URIRef:
        """The stable pointer to the current edition."""
        return self._id("dataset/dx-kpi/latest")

    def change(self, year: int, number: int) -> URIRef:
        """The ``number``-th change from the edition before ``year`` to ``year``."""
        return self._id(f"change/fy{year}/{number}")

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
