"""schema.org markup for search engines: JSON-LD data blocks and OpenGraph for the pages.

Google Dataset Search and other crawlers read a schema.org ``Dataset`` embedded in the landing
page (and the catalog page) as ``<script type="application/ld+json">``. Everything it states is
read from the catalog graph (``B graph/catalog``, written by ``converter/catalog.py``), from the
store and from the build's manifest; nothing is typed in here.

Project and KPI pages describe their own resource: a project is a ``schema:Project``; a KPI is a
``schema:PropertyValue`` (a named, measured characteristic with a unit, which is what an
indicator is; ``schema:Observation`` would be one measured value, not the indicator) whose
``value`` is the list of its printed values, each a ``PropertyValue`` with ``value`` and
``unitText``.

The data comes from a table anyone could have edited, so :func:`script` escapes ``<``, ``>``
and ``&`` inside the JSON: no value can close the script element. A JSON-LD data block is not
executed by the browser, so the pages' CSP (``script-src 'self'``) allows it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from markupsafe import Markup
from rdflib import RDFS, Graph, Literal, URIRef
from rdflib.namespace import FOAF, SKOS
from rdflib.term import Node

from converter.vocab import DX, EU_LANGUAGE, SCHEMA
from server.web.kpis.table import ValueRow

CONTEXT = "https://schema.org"
#: BCP 47 tags of the EU language authority codes the catalog states (``dct:language``).
LANGUAGE_TAGS = {str(EU_LANGUAGE.JPN): "ja", str(EU_LANGUAGE.ENG): "en"}
#: Japanese first in anything a person reads, English beside it.
LANGUAGE_ORDER = ("ja", "en")
#: Characters that may not appear raw inside a ``<script>`` element's JSON.
_SCRIPT_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}

JsonLd = dict[str, Any]


def script(data: JsonLd | None) -> Markup:
    """``data`` as a ``<script type="application/ld+json">`` element that no value can end."""
    if not data:
        return Markup("")
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for raw, escaped in _SCRIPT_ESCAPES.items():
        text = text.replace(raw, escaped)
    return Markup(f'<script type="application/ld+json">{text}</script>')


def _lang_rank(literal: Literal) -> tuple[int, str]:
    lang = literal.language or ""
    rank = LANGUAGE_ORDER.index(lang) if lang in LANGUAGE_ORDER else len(LANGUAGE_ORDER)
    return (rank if lang else len(LANGUAGE_ORDER) + 1), str(literal)


def texts(graph: Graph, subject: Node, *props: URIRef) -> list[Any]:
    """The literals of the first of ``props`` that has any, as JSON-LD values, Japanese first.

    A language-tagged literal becomes ``{"@value": …, "@language": …}``; a plain one a string.
    """
    for prop in props:
        found = sorted(
            (o for o in graph.objects(subject, prop) if isinstance(o, Literal)), key=_lang_rank
        )
        if found:
            return [_value(x) for x in found]
    return []


def _value(literal: Literal) -> Any:
    if literal.language:
        return {"@value": str(literal), "@language": literal.language}
    return str(literal)


def _first(graph: Graph, subject: Node, prop: URIRef) -> Node | None:
    return next(iter(sorted(graph.objects(subject, prop), key=str)), None)


def _one_or_many(items: list[Any]) -> Any:
    """A single node as itself, several as a list (how schema.org examples write them)."""
    return items[0] if len(items) == 1 else items


def _drop_empty(data: JsonLd) -> JsonLd:
    return {k: v for k, v in data.items() if v not in (None, "", [], {})}


def _organisation(graph: Graph, iri: Node, areas: Sequence[str] = ()) -> JsonLd:
    return _drop_empty(
        {
            "@type": "GovernmentOrganization",
            "@id": str(iri),
            "name": texts(graph, iri, SCHEMA.name, FOAF.name, RDFS.label),
            "url": str(iri),
            "areaServed": list(areas),
        }
    )


def _identifier(graph: Graph, iri: str, prop: URIRef) -> list[Any]:
    """The canonical IRI and the number printed in the report (``dx:projectNumber`` …)."""
    numbers = [o for o in graph.objects(URIRef(iri), prop) if isinstance(o, Literal)]
    return [
        iri,
        *(
            {"@type": "PropertyValue", "propertyID": str(prop), "value": n.toPython()}
            for n in numbers
        ),
    ]


def project(graph: Graph, iri: str) -> JsonLd:
    """A ``dx:Project`` as a schema.org ``Project``; the units in charge are its sponsors.

    ``sponsor`` (an organisation that supports the thing) rather than ``department``:
    schema.org's ``department`` names a part of the organisation it is stated on, and the
    prefecture's departments and divisions are not parts of the project.
    """
    subject = URIRef(iri)
    units = [
        *sorted(graph.objects(subject, DX.department), key=str),
        *sorted(graph.objects(subject, DX.division), key=str),
    ]
    reports = sorted(graph.objects(subject, DX.edition), key=str)
    return _drop_empty(
        {
            "@context": CONTEXT,
            "@type": "Project",
            "@id": iri,
            "url": iri,
            "name": texts(graph, subject, SCHEMA.name, RDFS.label),
            "alternateName": texts(graph, subject, RDFS.label),
            "description": texts(graph, subject, SCHEMA.description),
            "identifier": _identifier(graph, iri, DX.projectNumber),
            "sponsor": [_organisation(graph, u) for u in units],
            "subjectOf": [
                _drop_empty(
                    {
                        "@type": "Report",
                        "@id": str(r),
                        "url": str(r),
                        "name": texts(graph, r, RDFS.label),
                    }
                )
                for r in reports
            ],
        }
    )


def kpi(
    graph: Graph,
    iri: str,
    values: Sequence[ValueRow],
    *,
    lang: str,
    kind_labels: dict[str, str],
    description: str = "",
) -> JsonLd:
    """A ``dx:Kpi`` as a schema.org ``PropertyValue`` whose values are its printed values.

    ``kind_labels`` names baseline, target and actual in the page language; ``description``
    is the page's own summary (the data has no description of a KPI).
    """
    subject = URIRef(iri)
    units = sorted(
        (u for u in graph.objects(subject, DX.unitLabel) if isinstance(u, Literal)),
        key=_lang_rank,
    )
    unit = next((str(u) for u in units if u.language == lang), str(units[0]) if units else "")
    unit_code = _first(graph, subject, DX.unit)
    return _drop_empty(
        {
            "@context": CONTEXT,
            "@type": "PropertyValue",
            "@id": iri,
            "url": iri,
            "propertyID": iri,
            "name": texts(graph, subject, SCHEMA.name, SKOS.prefLabel, RDFS.label),
            "alternateName": texts(graph, subject, RDFS.label),
            "description": description,
            "identifier": _identifier(graph, iri, DX.kpiNumber),
            "unitText": unit,
            "unitCode": str(unit_code) if isinstance(unit_code, URIRef) else "",
            "value": [_kpi_value(v, unit, kind_labels) for v in values],
        }
    )


def _kpi_value(row: ValueRow, unit: str, kind_labels: dict[str, str]) -> JsonLd:
    name = " ".join(x for x in (kind_labels.get(row.kind, row.kind), _period(row)) if x)
    number: float | int | None = row.value
    if number is not None and float(number).is_integer():
        number = int(number)
    return _drop_empty(
        {
            "@type": "PropertyValue",
            "name": name,
            "value": number,
            "unitText": unit if number is not None else "",
            "description": row.notation,
        }
    )


def _period(row: ValueRow) -> str:
    """The fiscal year of a target or actual; a baseline's period goes without saying."""
    return "" if row.kind == "baseline" else row.period_label


def kpi_summary(name: str, values: Sequence[ValueRow], kind_labels: dict[str, str]) -> str:
    """``名称: 基準値 57.4%; 目標値 令和5年度 67.4%; …`` for the page's description."""
    parts = [
        " ".join(x for x in (kind_labels.get(v.kind, v.kind), _period(v), v.notation) if x)
        for v in values
        if v.notation
    ]
    return f"{name}: {'; '.join(parts)}" if parts else name
