"""The editions as a DCAT 3 series (``B graph/series``, docs/editions.md).

The dataset portals harvest (``B id/dataset/dx-kpi``, all editions) is also the series:
each edition is a ``dcat:Dataset`` in it, a version of it, with the one before as its
previous version. What depends on the set of editions (the current version, the latest
pointer) is stated here, never in an edition's graph, so adding an edition leaves every
earlier edition's graph as it was; and not in the catalog graph, so that ``/catalog`` keeps
one ``dcat:Dataset`` for CKAN (a harvester makes a package of each).
"""

from __future__ import annotations

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS

from converter.config import EditionConfig, Publication
from converter.era import edition_label
from converter.iris import Iris
from converter.vocab import DCAT3 as DCAT
from converter.vocab import DX


def series_graph(pub: Publication, iris: Iris) -> Graph:
    """The series, one dataset per edition of ``pub`` and the latest pointer."""
    g = Graph()
    series = iris.dataset()
    g.add((series, RDF.type, DCAT.DatasetSeries))
    previous: URIRef | None = None
    for config in pub.editions:
        edition = iris.edition(config.fiscal_year)
        _edition(g, iris, config, previous)
        g.add((series, DCAT.hasVersion, edition))
        previous = edition
    first, last = iris.edition(pub.editions[0].fiscal_year), previous
    assert last is not None  # a publication has at least one edition (config.py)
    g.add((series, DCAT.first, first))
    g.add((series, DCAT.last, last))
    g.add((series, DCAT.hasCurrentVersion, last))
    latest = iris.latest()
    g.add((latest, OWL.sameAs, last))
    g.add((latest, DCTERMS.isPartOf, series))
    g.add((latest, RDFS.label, Literal("最新の年度版", lang="ja")))
    g.add((latest, RDFS.label, Literal("Latest edition", lang="en")))
    return g


def _edition(g: Graph, iris: Iris, config: EditionConfig, previous: URIRef | None) -> None:
    year = config.fiscal_year
    s, report = iris.edition(year), iris.report(year)
    name_ja, name_en = edition_label(year), edition_label(year, "en")
    g.add((s, RDF.type, DCAT.Dataset))
    g.add((s, DCAT.inSeries, iris.dataset()))
    g.add((s, DCAT.version, Literal(f"FY{year}")))
    g.add((s, RDFS.label, Literal(name_ja, lang="ja")))
    g.add((s, RDFS.label, Literal(name_en, lang="en")))
    g.add((s, DCTERMS.title, Literal(config.title_ja, lang="ja")))
    g.add((s, DCTERMS.title, Literal(config.title_en, lang="en")))
    g.add(
        (
            s,
            DCTERMS.description,
            Literal(f"{name_ja}の報告資料から変換した事業・KPIのデータ。", lang="ja"),
        )
    )
    g.add(
        (
            s,
            DCTERMS.description,
            Literal(f"Projects and KPIs of the {name_en}, converted from its report.", lang="en"),
        )
    )
    g.add((s, DX.edition, report))
    g.add((s, PROV.wasDerivedFrom, report))
    g.add((s, DX.fiscalYear, iris.fiscal_year(year)))
    g.add((s, DCTERMS.publisher, iris.org("fukushima-prefecture")))
    for name in (config.source_name, config.source_name + "-metadata.json"):
        g.add((s, DCAT.distribution, iris.distribution(name)))
    if previous is not None:
        g.add((s, DCAT.previousVersion, previous))
        g.add((s, DCAT.prev, previous))
