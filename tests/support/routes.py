"""A URL for every GET route of the app, for tests that must cover them all.

Built from the app's own ``url_map``: a route added without a sample here fails
:func:`sample_urls`, so a new route cannot slip past the tests that enumerate them.
"""

from __future__ import annotations

import re

from flask import Flask

#: A value for each route variable, by rule (the part after the last "/" varies).
SAMPLES: dict[str, list[str]] = {
    "/static/<path:filename>": ["/static/lod.css"],
    "/sparql/assets/<path:filename>": ["/sparql/assets/sparql.js"],
    "/download/<path:name>": ["/download/dx-kpi.ttl", "/download/dx-kpi-fy2023.csv"],
    "/catalog.<ext>": ["/catalog.ttl", "/catalog.html"],
    "/id/<path:rest>": ["/id/kpi/2", "/id/project/fy2023/8", "/id/plan/I-1", "/id/kpi/2.ttl"],
    "/graph/<path:name>": ["/graph/fy2023"],
    "/ontology.<ext>": ["/ontology.ttl"],
    "/ontology/<version>": ["/ontology/{ontology_version}"],
    "/dashboard/kpi/<int:number>.csv": ["/dashboard/kpi/3.csv"],
    "/dashboard/kpi/<int:number>.json": ["/dashboard/kpi/3.json"],
    "/dashboard/kpi/<int:number>.svg": ["/dashboard/kpi/3.svg"],
    "/dashboard/kpi/<int:number>/embed": ["/dashboard/kpi/3/embed"],
    "/changes.<ext>": ["/changes.ttl"],
}
#: Routes without variables that also take query parameters worth covering.
WITH_QUERIES = [
    "/sparql?query=ASK%7B%7D",
    "/search?q=%E7%A0%94%E4%BF%AE",
    "/search.json?q=%E7%A0%94%E4%BF%AE",
    "/dashboard?eval=Achieved",
    "/dashboard.json?eval=Achieved",
]


def sample_urls(app: Flask, **values: str) -> list[str]:
    """One or more URLs per GET route of ``app`` (``values`` fill ``{…}`` in the samples).

    :raises AssertionError: a route has variables and no sample here.
    """
    urls: list[str] = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in (rule.methods or ()):
            continue
        if rule.arguments:
            assert rule.rule in SAMPLES, f"add a sample URL for {rule.rule} to {__name__}"
            urls += [url.format(**values) for url in SAMPLES[rule.rule]]
        else:
            urls.append(re.sub(r"/+", "/", rule.rule))
    return urls + WITH_QUERIES
