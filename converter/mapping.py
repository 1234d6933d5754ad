"""Map one checked edition of the report to RDF (the data graph of that edition)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, ORG, PROV, QB, RDF, RDFS, SKOS, TIME, XSD

from converter.era import year_label
from converter.errors import ConverterError
from converter.iris import Iris
from converter.model import Edition, Kpi, KpiCell, Listing, PlanItem, Project
from converter.orgs import Org
from converter.values import ParsedValue, Qualifier, canonical_decimal
from converter.vocab import DX, SCHEMA, SDMX_ATTR, UNIT

WIKIDATA_FUKUSHIMA = URIRef("http://www.wikidata.org/entity/Q71707")
ESTAT_SAC_FUKUSHIMA = URIRef("http://data.e-stat.go.jp/lod/sac/C07000")
PLAN_TITLE = "デジタル変革（ＤＸ）推進基本方針及びデジタル化推進計画"
PLAN_TITLE_EN = "Basic Policy for Promoting Digital Transformation (DX) and Digitalization Plan"

# Units as the table writes them → (QUDT unit, English label). Counts of things are qudt NUM.
UNITS: dict[str, tuple[URIRef, str]] = {
    "%": (UNIT.PERCENT, "percent"),
    "％": (UNIT.PERCENT, "percent"),
    "時間": (UNIT.HR, "hours"),
    "件": (UNIT.NUM, "cases"),
    "人": (UNIT.NUM, "persons"),
    "枚": (UNIT.NUM, "sheets"),
    "台": (UNIT.NUM, "units"),
    "回": (UNIT.NUM, "times"),
    "団体": (UNIT.NUM, "organisations"),
    "業務": (UNIT.NUM, "business processes"),
    "種類": (UNIT.NUM, "kinds"),
}
LEVEL_CLASS = {"field": DX.Field, "item": DX.Item, "measure": DX.Measure}
KIND_CONCEPT = {"baseline": DX.Baseline, "target": DX.Target, "actual": DX.Actual}
KIND_LABEL = {
    "baseline": ("基準値", "baseline"),
    "target": ("目標値", "target"),
    "actual": ("実績値", "actual"),
}
#: How an English label says a qualifier (the printed ほぼ, 以上, 以下 stay in dx:notation).
QUALIFIER_EN = {
    Qualifier.EXACT: "{}",
    Qualifier.APPROXIMATELY: "about {}",
    Qualifier.AT_LEAST: "at least {}",
    Qualifier.AT_MOST: "at most {}",
}


class EditionMapper:
    """Adds the triples of one edition to a graph. One method per kind of resource."""

    def __init__(self, graph: Graph, iris: Iris, edition: Edition) -> None:
        self.g = graph
        self.iris = iris
        self.edition = edition
        self.year = edition.fiscal_year

    def add(self, s: URIRef, p: URIRef, o: object) -> None:
        self.g.add((s, p, o if isinstance(o, URIRef | Literal) else Literal(o)))

    def label(self, s: URIRef, ja: str, en: str | None = None) -> None:
        self.add(s, RDFS.label, Literal(ja, lang="ja"))
        if en:
            self.add(s, RDFS.label, Literal(en, lang="en"))

    def map(self) -> None:
        self.plan()
        for org in self.edition.orgs.all():
            self.organisation(org)
        for year in self.years():
            self.fiscal_year(year)
        # dx:BaselinePeriod, like the other individuals of the ontology, is described in the
        # ontology graph only: stating it here too would count its triples twice.
        for project in self.edition.projects.values():
            self.project(project)
        for listing in self.edition.listings:
            self.listing(listing)
        scheme = self.iris.kpi_scheme()
        self.add(scheme, RDF.type, SKOS.ConceptScheme)
        self.add(scheme, SKOS.prefLabel, Literal("KPI一覧", lang="ja"))
        self.add(scheme, SKOS.prefLabel, Literal("KPIs", lang="en"))
        self.label(scheme, "KPI一覧", "KPIs")
        self.add(DX.refKpi, QB.codeList, scheme)  # the code list lives under the data's base
        for kpi in self.edition.kpis.values():
            self.kpi(kpi)
        self.report_and_cube()

    def years(self) -> list[int]:
        years = {self.year}
        for kpi in self.edition.kpis.values():
            years.update(cell.year for cell in kpi.cells if cell.year is not None)
        return sorted(years)

    def plan(self) -> None:
        plan = self.iris.plan()
        self.add(plan, RDF.type, DX.Plan)
        self.add(plan, RDF.type, SKOS.ConceptScheme)
        self.add(plan, SKOS.prefLabel, Literal(PLAN_TITLE, lang="ja"))
        self.add(plan, SKOS.prefLabel, Literal(PLAN_TITLE_EN, lang="en"))
        self.label(plan, PLAN_TITLE, PLAN_TITLE_EN)
        for item in self.edition.plan_items.values():
            self.plan_item(plan, item)

    def plan_item(self, plan: URIRef, item: PlanItem) -> None:
        s = self.iris.plan_item(item.key)
        code = item.key.replace("-keikaku", "-計画")
        name_ja = item.name or {"field": f"分野{item.notation}"}.get(item.level, "計画")
        self.add(s, RDF.type, LEVEL_CLASS[item.level])
        self.add(s, RDF.type, DX.PlanItem)
        self.add(s, RDF.type, SKOS.Concept)
        self.add(s, SKOS.inScheme, plan)
        self.add(s, SKOS.notation, Literal(item.notation))
        self.add(s, SKOS.prefLabel, Literal(name_ja, lang="ja"))
        # The plan has no English names: the English label describes, it does not translate.
        self.label(s, f"{code} {name_ja}", f"Plan item {plan_code_en(item.key)}")
        self.add(s, DX.planCode, Literal(code))
        if item.parent is None:
            self.add(s, SKOS.topConceptOf, plan)
            self.add(plan, SKOS.hasTopConcept, s)
        else:
            parent = self.iris.plan_item(item.parent)
            self.add(s, SKOS.broader, parent)
            self.add(parent, SKOS.narrower, s)

    def organisation(self, org: Org) -> None:
        s = self.iris.org(org.path)
        self.add(s, RDF.type, SCHEMA.GovernmentOrganization)
        self.add(s, SCHEMA.name, Literal(org.name, lang="ja"))
        self.add(s, SCHEMA.name, Literal(org.name_en, lang="en"))
        self.label(s, org.name, org.name_en)
        if org.kind == "prefecture":
            self.add(s, RDF.type, ORG.FormalOrganization)
            self.add(s, RDF.type, DX.Prefecture)
            # The organisation is not the place (Wikidata's item, a dct:Location in the
            # catalog): it is linked to the area it governs, not declared the same as it.
            self.add(s, DCTERMS.spatial, WIKIDATA_FUKUSHIMA)
            self.add(s, DX.standardAreaCode, ESTAT_SAC_FUKUSHIMA)
            return
        self.add(s, RDF.type, ORG.OrganizationalUnit)
        self.add(s, RDF.type, DX.Department if org.kind == "department" else DX.Division)
        assert org.parent is not None
        parent = self.iris.org(org.parent)
        self.add(s, ORG.subOrganizationOf, parent)
        self.add(parent, ORG.hasSubOrganization, s)
        self.add(s, ORG.unitOf, self.iris.org(self.edition.orgs.prefecture.path))

    def fiscal_year(self, year: int) -> None:
        s = self.iris.fiscal_year(year)
        self.add(s, RDF.type, DX.FiscalYear)
        self.add(s, RDF.type, DX.ReferencePeriod)
        self.add(s, RDF.type, TIME.ProperInterval)
        self.label(s, year_label(year), f"FY{year}")
        self.add(s, DX.gregorianYear, Literal(year, datatype=XSD.gYear))
        for prop, day in (
            (TIME.hasBeginning, date(year, 4, 1)),
            (TIME.hasEnd, date(year + 1, 3, 31)),
        ):
            instant = self.iris.date(day.isoformat())
            self.add(s, prop, instant)
            self.add(instant, RDF.type, TIME.Instant)
            self.add(instant, TIME.inXSDDate, Literal(day))
            self.label(instant, day.isoformat())

    def project(self, project: Project) -> None:
        s = self.iris.project(self.year, project.number)
        self.add(s, RDF.type, DX.Project)
        self.add(s, RDF.type, SCHEMA.Project)
        self.add(s, DX.projectNumber, Literal(project.number))
        self.add(s, SCHEMA.name, Literal(project.name, lang="ja"))
        self.label(
            s, f"事業{project.number} {project.name}", f"Project {project.number} (FY{self.year})"
        )
        self.add(s, DX.edition, self.iris.report(self.year))
        for org in project.departments:
            self.add(s, DX.department, self.iris.org(org.path))
        for org in project.divisions:
            self.add(s, DX.division, self.iris.org(org.path))

    def listing(self, listing: Listing) -> None:
        s = self.iris.listing(self.year, listing.plan_item, listing.project)
        project = self.iris.project(self.year, listing.project)
        item = self.iris.plan_item(listing.plan_item)
        self.add(s, RDF.type, DX.Listing)
        name = self.edition.projects[listing.project].name
        mark = "（再掲）" if listing.is_relisting else ""
        self.label(
            s,
            f"{listing.plan_item.replace('-keikaku', '-計画')} 事業{listing.project}{mark} {name}",
            f"Project {listing.project} under plan item {plan_code_en(listing.plan_item)}"
            + (" (re-listed)" if listing.is_relisting else ""),
        )
        self.add(s, DX.project, project)
        self.add(project, DX.listing, s)
        self.add(s, DX.planItem, item)
        self.add(project, DX.planItem, item)
        self.add(s, DX.isRelisting, Literal(listing.is_relisting))
        self.add(s, DX.rowNumber, Literal(listing.row))
        self.add(s, DX.edition, self.iris.report(self.year))
        if listing.relisting_notation:
            self.add(s, DX.relistingNotation, Literal(listing.relisting_notation, lang="ja"))
        texts = (
            (SCHEMA.description, listing.summary),
            (DX.goal, listing.goal),
            (DX.status, listing.status),
        )
        for prop, text in texts:
            if text:
                self.add(s, prop, Literal(text, lang="ja"))
                if not listing.is_relisting:
                    self.add(project, prop, Literal(text, lang="ja"))
        if listing.goal_kind:
            self.add(s, DX.goalKind, DX[listing.goal_kind])
            if not listing.is_relisting:
                self.add(project, DX.goalKind, DX[listing.goal_kind])
        if listing.kpi is not None:
            kpi = self.iris.kpi(listing.kpi)
            self.add(s, DX.kpi, kpi)
            self.add(s, DX.isKpiRelisting, Literal(listing.is_kpi_relisting))
            self.add(project, DX.kpi, kpi)

    def kpi(self, kpi: Kpi) -> None:
        s = self.iris.kpi(kpi.number)
        self.add(s, RDF.type, DX.Kpi)
        self.add(s, RDF.type, SKOS.Concept)
        self.add(s, SKOS.inScheme, self.iris.kpi_scheme())
        self.add(s, SKOS.notation, Literal(str(kpi.number)))
        self.add(s, DX.kpiNumber, Literal(kpi.number))
        self.add(s, SCHEMA.name, Literal(kpi.name, lang="ja"))
        self.add(s, SKOS.prefLabel, Literal(kpi.name, lang="ja"))
        self.label(s, f"KPI{kpi.number} {kpi.name}", f"KPI {kpi.number}")
        self.add(s, DX.carriedBy, self.iris.project(self.year, kpi.carried_by))
        for key in kpi.plan_items:
            self.add(s, DX.planItem, self.iris.plan_item(key))
        unit = self.unit(kpi)
        if unit is not None:
            self.add(s, DX.unit, unit[0])
            self.add(s, DX.unitLabel, Literal(kpi.unit, lang="ja"))
            if unit[1]:
                self.add(s, DX.unitLabel, Literal(unit[1], lang="en"))
        if kpi.direction:
            self.add(s, DX.direction, DX[kpi.direction])
        for cell in kpi.cells:
            self.value(kpi, cell, unit[0] if unit else None)

    def unit(self, kpi: Kpi) -> tuple[URIRef, str] | None:
        label = kpi.unit or next((c.value.unit for c in kpi.cells if c.value.unit), "")
        if not label:
            return None
        # A counter word the table has not used before is still a count of things; it has no
        # English label until UNITS names it (an English label is never Japanese text).
        return UNITS.get(label, (UNIT.NUM, ""))

    def value(self, kpi: Kpi, cell: KpiCell, unit: URIRef | None) -> None:
        s = self.iris.value(self.year, kpi.number, cell.kind, cell.year)
        parsed = cell.value
        ja, en = KIND_LABEL[cell.kind]
        period_ja = year_label(cell.year) if cell.year else ""
        period_en = f" FY{cell.year}" if cell.year else ""
        self.add(s, RDF.type, DX.KpiValue)
        self.label(
            s,
            f"KPI{kpi.number} {period_ja}{ja}: {parsed.notation}",
            f"KPI {kpi.number}{period_en} {en}: {value_en(parsed)}",
        )
        self.add(s, DX.refKpi, self.iris.kpi(kpi.number))
        self.add(s, DX.valueKind, KIND_CONCEPT[cell.kind])
        period = self.iris.fiscal_year(cell.year) if cell.year else DX.BaselinePeriod
        self.add(s, DX.refPeriod, period)
        self.add(s, DX.notation, Literal(parsed.notation, lang="ja"))
        # The KPI is shared by every edition; each value says which edition printed it.
        report = self.iris.report(self.year)
        self.add(s, DX.edition, report)
        self.add(s, PROV.wasDerivedFrom, report)
        if cell.kind == "actual" and kpi.evaluation:
            self.add(s, DX.evaluation, DX[kpi.evaluation])
            self.add(s, DX.evaluationNotation, Literal(kpi.evaluation_notation, lang="ja"))
        if parsed.number is None:
            self.add(s, DX.valueStatus, DX.NoValue)
            return
        self.add(s, RDF.type, QB.Observation)
        self.add(s, QB.dataSet, self.iris.cube(self.year))
        self.add(s, DX.value, Literal(canonical_decimal(parsed.number), datatype=XSD.decimal))
        self.add(s, DX.qualifier, DX[parsed.qualifier.value])
        if unit is not None:
            self.add(s, SDMX_ATTR.unitMeasure, unit)
        if parsed.note:
            self.add(s, DX.note, Literal(parsed.note, lang="ja"))

    def report_and_cube(self) -> None:
        report, cube = self.iris.report(self.year), self.iris.cube(self.year)
        self.add(report, RDF.type, DX.Report)
        self.add(report, RDF.type, PROV.Entity)
        self.add(report, RDF.type, SCHEMA.Report)
        self.add(report, DX.fiscalYear, self.iris.fiscal_year(self.year))
        self.add(report, DX.sourceTable, Literal(self.edition.file))
        self.add(cube, RDF.type, QB.DataSet)
        self.add(cube, QB.structure, DX.kpiValueStructure)
        self.label(
            cube,
            f"{year_label(self.year)} KPI値（データキューブ）",
            f"KPI values FY{self.year} (data cube)",
        )
        self.add(cube, PROV.wasDerivedFrom, report)
        self.add(cube, DX.edition, report)


def plan_code_en(key: str) -> str:
    """A plan item's code in English: "I-3-6-a", and "I-3 (plan)" for the 計画 group."""
    return f"{key.removesuffix('-keikaku')} (plan)" if key.endswith("-keikaku") else key


def value_en(parsed: ParsedValue) -> str:
    """A printed value said in English, from what it means: "about 100%", "at least 4",
    "40,000,000 sheets", "no value". The printed text itself is ``dx:notation``."""
    if parsed.number is None:
        return "no value"
    number = format(Decimal(canonical_decimal(parsed.number)), ",f")
    unit = parsed.unit or ""
    if unit in ("%", "％"):
        number += "%"
    elif unit in UNITS and UNITS[unit][1]:
        number += f" {UNITS[unit][1]}"
    return QUALIFIER_EN[parsed.qualifier].format(number)


def shared_triples(graphs: Mapping[str, Graph]) -> dict[tuple[str, str], int]:
    """How many triples each pair of named graphs has in common (pairs with none left out).

    A store's default graph is the union of the named graphs *as a multiset*: a triple in
    two graphs is counted twice by COUNT(*), while DISTINCT and every dump count it once.
    """
    names = sorted(graphs)
    shared = {}
    for i, first in enumerate(names):
        for second in names[i + 1 :]:
            small, large = sorted((graphs[first], graphs[second]), key=len)
            count = sum(1 for triple in small if triple in large)
            if count:
                shared[(first, second)] = count
    return shared


def check_disjoint(graphs: Mapping[str, Graph]) -> None:
    """Raise when a triple is stated in two named graphs (see :func:`shared_triples`).

    :raises ConverterError: names the graphs and an example triple.
    """
    shared = shared_triples(graphs)
    if not shared:
        return
    (first, second), count = next(iter(sorted(shared.items())))
    small, large = sorted((graphs[first], graphs[second]), key=len)
    example = min((t for t in small if t in large), key=lambda t: tuple(map(str, t)))
    raise ConverterError(
        f"graphs {first} and {second} both state {count} triple(s), e.g. "
        + " ".join(term.n3() for term in example)
        + "; each triple belongs to one named graph"
    )


def edition_graph(edition: Edition, iris: Iris, report_title: str, report_title_en: str) -> Graph:
    """The data graph of one edition (its named graph in a store)."""
    graph = Graph()
    mapper = EditionMapper(graph, iris, edition)
    mapper.map()
    report = iris.report(edition.fiscal_year)
    mapper.label(report, report_title, report_title_en)
    graph.add((report, SCHEMA.name, Literal(report_title, lang="ja")))
    graph.add((report, SCHEMA.name, Literal(report_title_en, lang="en")))
    graph.add((report, PROV.wasAttributedTo, iris.org(edition.orgs.prefecture.path)))
    return graph
