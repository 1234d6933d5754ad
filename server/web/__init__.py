"""The site for people and programs: one package per feature, registered here.

Each feature (``pages``, ``resources``, ``catalog``, ``downloads``, ``dashboard``,
``changes``, ``search``, ``health``) is a package with its routes
(``create_blueprint(context)``), its queries, its templates (``templates/<feature>/``) and
its OpenAPI operations
(``OPERATIONS``); ``openapi`` merges the operations into ``/openapi.json``. Features never
import one another; what they share lives below them: ``schemaorg`` (markup), ``kpis`` (the
KPI read model) and ``common`` (i18n, labels, URLs, charts, batching queries). The import
contracts in pyproject.toml hold these rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from flask import Flask

from server.web import catalog, changes, dashboard, downloads, health, pages, resources, search
from server.web.common import i18n, urls
from server.web.common.context import Context
from server.web.common.operations import Builder
from server.web.openapi import Description, create_openapi_blueprint

#: The features, in the order their routes are registered.
FEATURES = (pages, downloads, catalog, resources, dashboard, changes, search, health)
#: The templates every feature extends (base.html, _macros.html, error.html, _files.html).
TEMPLATES = Path(__file__).parent / "common" / "templates"


def register_features(
    app: Flask, context: Context, operations: Mapping[str, Builder] | None = None
) -> Description:
    """Register every feature's blueprint and ``/openapi.json`` on ``app``; ``operations``
    describe routes of other packages (``/sparql``). Returns the API's description."""
    i18n.init_app(app)
    urls.init_app(app)
    merged: dict[str, Builder] = dict(operations or {})
    for feature in FEATURES:
        app.register_blueprint(feature.create_blueprint(context))
        merged.update(feature.OPERATIONS)
    description = Description(merged)
    app.register_blueprint(create_openapi_blueprint(description))
    return description
