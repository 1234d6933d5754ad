"""Every URL the site writes, in one place: canonical IRIs ↔ this server's paths, the links
between pages (:data:`urls`, datasette's ``url_builder``) and absolute URLs for others.

The data always keeps the canonical base ``B``; links in HTML are paths on the host that
served the page, so a laptop or staging server stays navigable (trifid's base rewriting).
An absolute URL (an embed code, a feed's links) starts with ``DX_PUBLIC_URL``, never with
the request's ``Host``, which a client chooses. Route names are spelt here and nowhere
else: a page asks ``urls.plan()``, never for the endpoint ``"pages.plan"``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Flask, has_request_context, request, url_for

from server.config import current_settings


def base_iri() -> str:
    """The canonical base ``B`` (always ends with ``/``)."""
    return current_settings().base_iri or ""


def iri_for_path(path: str) -> str:
    """The canonical IRI of a request path such as ``id/kpi/2``."""
    return base_iri() + path.lstrip("/")


def canonical(path: str) -> str:
    """The canonical IRI of this server's ``path`` (``/kpis`` → ``B kpis``)."""
    return iri_for_path(path)


def local_path(iri: str) -> str | None:
    """``/id/kpi/2`` for ``B id/kpi/2``; ``None`` for IRIs outside the base."""
    base = base_iri()
    if iri.startswith(base):
        return request.script_root + "/" + iri[len(base) :]
    return None


SAFE_SCHEMES = ("http://", "https://", "mailto:")


def href(iri: object) -> str:
    """Where a link to ``iri`` should point from a page served by this host.

    Empty for schemes a browser could execute or misuse (``javascript:``, ``data:``): the
    data is not trusted to choose what a click does; templates then show plain text.
    """
    text = str(iri)
    local = local_path(text)
    if local is not None:
        return local
    return text if text.lower().startswith(SAFE_SCHEMES) else ""


def absolute(path: str) -> str:
    """The URL readers reach ``path`` of this site at: ``DX_PUBLIC_URL`` (by default the
    canonical base) and the path, never the request's ``Host``."""
    root = request.script_root if has_request_context() else ""
    if root and path.startswith(root + "/"):
        path = path[len(root) :]
    return current_settings().public_base + path.lstrip("/")


def this_page(**args: str) -> str:
    """This page with other query parameters (``""`` removes one): a query-only reference.

    The browser keeps the page's own path, so no path, however it is spelt
    (``/%5Cevil.example/`` reads ``/\\\\evil.example/``), can make the link another site's.
    """
    kept = {k: v for k, v in request.args.items() if k not in args}
    return "?" + urlencode(kept | {k: v for k, v in args.items() if v})


def lang_switch_url() -> str:
    """This page in the other language (keeps the other query parameters)."""
    from server.web.common.i18n import current_lang

    return this_page(lang="en" if current_lang() == "ja" else "ja")


def _query(path: str, args: dict[str, Any]) -> str:
    kept = {k: v for k, v in args.items() if v not in (None, "")}
    return f"{path}?{urlencode(kept)}" if kept else path


class Urls:
    """The site's links to itself (the one place that names routes)."""

    # The site's pages (pages, dashboard, changes, search, downloads, catalog).
    def landing(self) -> str:
        return url_for("pages.landing")

    def plan(self) -> str:
        return url_for("pages.plan")

    def projects(self) -> str:
        return url_for("pages.projects")

    def kpis(self) -> str:
        return url_for("pages.kpis")

    def dashboard(self, **filters: str) -> str:
        return _query(url_for("dashboard.page"), filters)

    def dashboard_csv(self, **filters: str) -> str:
        return _query(url_for("dashboard.all_csv"), filters)

    def dashboard_json(self, **filters: str) -> str:
        return _query(url_for("dashboard.all_json"), filters)

    def kpi_csv(self, number: int) -> str:
        return url_for("dashboard.kpi_csv", number=number)

    def kpi_json(self, number: int) -> str:
        return url_for("dashboard.kpi_json", number=number)

    def kpi_svg(self, number: int) -> str:
        return url_for("dashboard.kpi_svg", number=number)

    def kpi_embed(self, number: int) -> str:
        return url_for("dashboard.kpi_embed", number=number)

    def changes(self) -> str:
        return url_for("changes.page")

    def changes_as(self, extension: str) -> str:
        return url_for("changes.page_file", ext=extension)

    def changes_feed(self) -> str:
        return url_for("changes.feed")

    def search(self, **args: str) -> str:
        return _query(url_for("search.page"), args)

    def search_json(self, **args: str) -> str:
        return _query(url_for("search.as_json"), args)

    def downloads(self) -> str:
        return url_for("downloads.index")

    def download(self, name: str) -> str:
        return url_for("downloads.download", name=name)

    def catalog(self) -> str:
        return url_for("catalog.catalog")

    def catalog_as(self, extension: str) -> str:
        return url_for("catalog.catalog_file", ext=extension)

    def catalog_ckan(self) -> str:
        return url_for("catalog.ckan")

    def void(self) -> str:
        return url_for("catalog.void")

    def ontology(self) -> str:
        return url_for("resources.ontology")

    def resource(self, rest: str) -> str:
        """``/id/<rest>``: a resource's page."""
        return url_for("resources.resource", rest=rest)

    def openapi(self) -> str:
        return url_for("openapi.document")

    def sparql(self) -> str:
        # Another package's route (server/sparql): a path, so the pages need not know it.
        return (request.script_root if has_request_context() else "") + "/sparql"

    def static(self, filename: str) -> str:
        return url_for("static", filename=filename)

    def public(self, page: str, *args: Any, **kwargs: Any) -> str:
        """The absolute URL of one of the links above: ``urls.public("kpi_svg", 3)``."""
        link = getattr(self, page)
        return absolute(link(*args, **kwargs))


#: The one URL builder; templates know it as ``urls``.
urls = Urls()


def init_app(app: Flask) -> None:
    """Make the URL builder, ``href`` and the language switch available to every template."""
    app.jinja_env.globals.update(
        urls=urls, href=href, lang_switch_url=lang_switch_url, base_iri=base_iri
    )


def page_meta(description: str, title: str = "") -> dict[str, str]:
    """A page's ``<meta name="description">`` and OpenGraph values (base.html)."""
    from server.web.common.naming import shorten

    return {"title": title, "description": shorten(description), "url": canonical(request.path)}
