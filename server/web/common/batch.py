"""Several SELECT queries asked in one round trip to the store.

A page needs a few lists from the store (a KPI's values, the links to a resource, the plan
items above it). Asked one by one, each is a round trip, an HTTP exchange when the store is
remote. :func:`select_parts` asks them together: each query becomes a sub-select of one
query, in a branch of a UNION that binds ``?part`` to its name, so each keeps its own
DISTINCT, GROUP BY, ORDER BY and LIMIT; the rows come back split by part. A sub-select's
ORDER BY decides which rows its LIMIT keeps, not the order they arrive in: callers sort.
"""

from __future__ import annotations

from collections.abc import Mapping

from rdflib import Literal
from rdflib.term import Node

from converter.vocab import sparql_prefixes
from server.stores.base import Store

Row = dict[str, Node]
#: The variable naming each row's part; no part may use it.
PART = "_part"


def select_parts(store: Store, parts: Mapping[str, str]) -> dict[str, list[Row]]:
    """``{name: rows}`` for ``{name: "SELECT … WHERE { … }"}``, in one query.

    The parts may use the prefixes of :func:`converter.vocab.sparql_prefixes` and must not
    declare their own (a sub-select has no prologue).
    """
    if not parts:
        return {}
    branches = [
        f'{{ {{ {query.strip()} }} BIND("{name}" AS ?{PART}) }}' for name, query in parts.items()
    ]
    rows = store.select(
        sparql_prefixes() + "SELECT * WHERE {\n" + "\nUNION\n".join(branches) + "\n}"
    )
    found: dict[str, list[Row]] = {name: [] for name in parts}
    for row in rows:
        name = row.pop(PART, None)
        if isinstance(name, Literal) and str(name) in found:
            found[str(name)].append(row)
    return found
