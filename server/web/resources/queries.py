"""What the store is asked for a resource: its description (the RDF answer), and for its page
everything else the page shows, in one round trip (:func:`page_parts`).

The description is a symmetric CBD (:func:`describe_query`). A page needs more: the labels
of every term it names, a KPI's values, the plan items or organisations above the resource
for its breadcrumb. :func:`page_parts` asks all of it as the sub-selects of one query
(server/web/common/batch.py), the description among them, so a page costs one round trip,
and a second only for the labels of terms the first answer did not cover.
"""

from __future__ import annotations

from rdflib import Graph, URIRef

from converter.vocab import DCAT3
from server.web.common.batch import Row
from server.web.common.labels import LABEL_PROPERTIES, labels_of, one_of
from server.web.kpis import series_parts

IN_SERIES, SERIES = str(DCAT3.inSeries), str(DCAT3.DatasetSeries)
#: The label properties the description carries (the RDF answer's own choice).
DESCRIPTION_LABELS = " ".join(f"<{p}>" for p in LABEL_PROPERTIES[:2])


def describe_query(iri: str) -> str:
    """Symmetric CBD-like CONSTRUCT: what the resource says and what says it.

    The resource's own triples (with one level of blank nodes), every triple that links *to*
    it, and the labels of the IRIs at the other end of either. The incoming links are what
    lets a crawler that follows only the RDF reach a KPI's values (``dx:refKpi`` points from
    the value to the KPI), a measure's projects and listings, or an organisation's projects;
    the data need no inverse property for each. No LIMIT: the description is complete and
    the same on every request (the writers sort it); its size grows with the links a
    resource really has (a report edition, the most linked, has a few hundred triples).

    An edition names its series (``dcat:inSeries``) with the series' type beside it
    (``dcat:DatasetSeries``, the range DCAT-AP 3 gives the property): a harvester that
    reads one edition's description sees a complete link.
    """
    return (
        f"CONSTRUCT {{ <{iri}> ?p ?o . ?o ?p2 ?o2 . ?o ?lp ?l . ?s ?q <{iri}> . ?s ?slp ?sl . "
        f"?series a <{SERIES}> }} WHERE {{\n{_description_patterns(iri)}\n}}"
    )


def _description_patterns(iri: str) -> str:
    return (
        f"  {{ <{iri}> ?p ?o }}\n"
        f"  UNION {{ <{iri}> ?p ?o . FILTER(isBlank(?o)) ?o ?p2 ?o2 }}\n"
        f"  UNION {{ <{iri}> ?p ?o . FILTER(isIRI(?o)) VALUES ?lp {{ {DESCRIPTION_LABELS} }} "
        f"?o ?lp ?l }}\n"
        f"  UNION {{ ?s ?q <{iri}> }}\n"
        f"  UNION {{ ?s ?q <{iri}> . FILTER(isIRI(?s)) VALUES ?slp {{ {DESCRIPTION_LABELS} }} "
        f"?s ?slp ?sl }}\n"
        f"  UNION {{ <{iri}> <{IN_SERIES}> ?series . ?series a <{SERIES}> }}"
    )


def page_parts(iri: str) -> dict[str, str]:
    """The sub-selects of a resource page (see the module docstring); KPIs' values are read
    by the KPI read model's own queries, for ``iri`` alone."""
    terms = (
        f"{{ BIND(<{iri}> AS ?s) }} UNION {{ <{iri}> ?s ?x }} UNION {{ <{iri}> ?x ?s }} "
        f"UNION {{ <{iri}> ?x ?b FILTER(isBlank(?b)) {{ ?b ?s ?y }} UNION {{ ?b ?y ?s }} }} "
        f"UNION {{ ?s ?x <{iri}> }} UNION {{ ?x ?s <{iri}> }} "
        f"UNION {one_of(*(f'<{p}>' for p in LABEL_PROPERTIES[:2]))} "
        f"UNION {{ ?v dx:refKpi <{iri}> ; dx:refPeriod|dx:evaluation|dx:qualifier ?s }} "
        f"UNION {{ <{iri}> skos:broader*|dx:planItem/skos:broader*|org:subOrganizationOf* ?s }} "
        f"UNION {{ BIND(<{SERIES}> AS ?s) }}"
    )
    labels = DESCRIPTION_LABELS
    return {
        # The description as rows (?s ?p ?o): the same triples as describe_query's.
        "description": f"""
        SELECT ?s ?p ?o WHERE {{
          {{ <{iri}> ?p ?o BIND(<{iri}> AS ?s) }}
          UNION {{ <{iri}> ?x ?s . FILTER(isBlank(?s)) ?s ?p ?o }}
          UNION {{ <{iri}> ?x ?s . FILTER(isIRI(?s)) VALUES ?p {{ {labels} }} ?s ?p ?o }}
          UNION {{ ?s ?p <{iri}> BIND(<{iri}> AS ?o) }}
          UNION {{ ?s ?x <{iri}> . FILTER(isIRI(?s)) VALUES ?p {{ {labels} }} ?s ?p ?o }}
          UNION {{ <{iri}> <{IN_SERIES}> ?s . ?s a <{SERIES}>
                  BIND(rdf:type AS ?p) BIND(<{SERIES}> AS ?o) }}
        }}""",
        # Every label of every term the page names.
        "labels": labels_of(terms),
        # The breadcrumb: plan items above the resource or its measures, organisations above.
        "plan_chain": f"""
        SELECT DISTINCT ?a ?b ?n WHERE {{
          {{ <{iri}> skos:broader* ?a }} UNION {{ <{iri}> dx:planItem/skos:broader* ?a }}
          OPTIONAL {{ ?a skos:broader ?b }} OPTIONAL {{ ?a skos:notation ?n }} }}""",
        "starts": f"""
        SELECT ?x ?r WHERE {{ <{iri}> dx:planItem ?x
          OPTIONAL {{ <{iri}> dx:listing ?l . ?l dx:planItem ?x ; dx:isRelisting ?r }} }}""",
        "org_chain": f"""
        SELECT DISTINCT ?a ?b WHERE {{
          <{iri}> org:subOrganizationOf* ?a OPTIONAL {{ ?a org:subOrganizationOf ?b }} }}""",
        **series_parts(iri),
    }


def description_graph(rows: list[Row]) -> Graph:
    """The description from its rows: equal to what :func:`describe_query` constructs."""
    graph = Graph()
    for row in rows:
        subject, predicate, obj = row.get("s"), row.get("p"), row.get("o")
        if subject is not None and isinstance(predicate, URIRef) and obj is not None:
            graph.add((subject, predicate, obj))
    return graph
