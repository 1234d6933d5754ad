"""Search engines can read the pages: schema.org JSON-LD, meta description and OpenGraph.

The markup is read back with extruct (the library crawlers' test suites use) from the real
pages, and checked against the build itself: the catalog graph as the converter wrote it
(``download/catalog.ttl``) and the manifest.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import extruct
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF

from converter.contract import DEFAULT_BASE_IRI as B
from converter.contract import Manifest
from server.web.pages import LICENCE_URL
from tests.support.live_server import serve_app

DATASET = URIRef(B + "id/dataset/dx-kpi")
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


class Elements(HTMLParser):
    """Every start tag with its attributes, and the raw text of every ``<script>``."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self._script: dict[str, str | None] | None = None
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._script = dict(attrs)
            self.scripts.append((self._script, ""))

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._script = None

    def meta(self, key: str, value: str) -> list[str]:
        return [str(a.get("content")) for t, a in self.tags if t == "meta" and a.get(key) == value]


def page(client, path: str) -> str:  # type: ignore[no-untyped-def]
    response = client.get(path, headers={"Accept": "text/html"})
    assert response.status_code == 200, path
    return str(response.get_data(as_text=True))


def extract(html: str, path: str) -> dict[str, list[dict[str, Any]]]:
    url = B + path.lstrip("/")
    data: dict[str, list[dict[str, Any]]] = extruct.extract(
        html, base_url=url, syntaxes=["json-ld", "opengraph"], uniform=True
    )
    return data


def one(items: list[dict[str, Any]], type_: str) -> dict[str, Any]:
    found = [x for x in items if x.get("@type") == type_]
    assert len(found) == 1, [x.get("@type") for x in items]
    return found[0]


def by_lang(values: Any) -> dict[str, str]:
    """``{"ja": …, "en": …}`` of a list of JSON-LD language-tagged values."""
    values = values if isinstance(values, list) else [values]
    return {v["@language"]: v["@value"] for v in values if isinstance(v, dict)}


@pytest.fixture(scope="module")
def catalog(dist_dir: Path) -> Graph:
    """The catalog graph the converter wrote, read from the file rather than the store."""
    return Graph().parse(dist_dir / "download" / "catalog.ttl", format="turtle")


def test_landing_page_has_the_dataset(client, dist_dir: Path, catalog: Graph) -> None:  # type: ignore[no-untyped-def]
    html = page(client, "/")
    ds = one(extract(html, "/")["json-ld"], "Dataset")
    assert ds["@context"].rstrip("/") == "https://schema.org"
    assert ds["@id"] == str(DATASET) and ds["url"] == B

    titles = {o.language: str(o) for o in catalog.objects(DATASET, DCTERMS.title)}
    assert by_lang(ds["name"]) == titles and set(titles) == {"ja", "en"}
    assert list(by_lang(ds["name"])) == ["ja", "en"]  # Japanese first
    descriptions = {o.language: str(o) for o in catalog.objects(DATASET, DCTERMS.description)}
    assert by_lang(ds["description"]) == descriptions

    assert ds["license"] == LICENCE_URL
    assert "fukushima-dx-kpi" in ds["identifier"]
    assert ds["isAccessibleForFree"] is True
    assert ds["inLanguage"] == ["ja", "en"]
    assert ds["dateModified"] == str(catalog.value(DATASET, DCTERMS.modified))

    keywords = {(str(k), k.language) for k in catalog.objects(DATASET, DCAT.keyword)}
    assert {(k["@value"], k["@language"]) for k in ds["keywords"]} == keywords
    assert ds["keywords"][0]["@language"] == "ja"

    period = catalog.value(DATASET, DCTERMS.temporal)
    start, end = catalog.value(period, DCAT.startDate), catalog.value(period, DCAT.endDate)
    assert ds["temporalCoverage"] == f"{start}/{end}"
    assert re.fullmatch(r"\d{4}-04-01/\d{4}-03-31", ds["temporalCoverage"])

    place = ds["spatialCoverage"]
    assert place["@type"] == "Place" and by_lang(place["name"])["ja"] == "福島県"
    assert set(place["sameAs"]) == {str(a) for a in catalog.objects(DATASET, DCTERMS.spatial)}
    assert "http://www.wikidata.org/entity/Q71707" in place["sameAs"]

    for role in ("creator", "publisher"):
        org = ds[role]
        assert org["@type"] == "GovernmentOrganization", role
        assert org["@id"] == B + "id/org/fukushima-prefecture"
        assert by_lang(org["name"]) == {"ja": "福島県", "en": "Fukushima Prefecture"}

    assert ds["includedInDataCatalog"]["@type"] == "DataCatalog"
    assert ds["includedInDataCatalog"]["@id"] == B + "catalog"

    # One DataDownload per DCAT distribution, in the media type the manifest serves.
    manifest = Manifest.read(dist_dir)
    catalog = Graph().parse(dist_dir / "download" / "catalog.ttl")
    listed = {str(u) for u in catalog.objects(None, DCAT.downloadURL)}
    downloads = {d["contentUrl"]: d for d in ds["distribution"]}
    assert set(downloads) == listed and len(listed) >= 6
    for url, d in downloads.items():
        entry = manifest.file(url.rsplit("/", 1)[-1])
        assert entry is not None and d["@type"] == "DataDownload"
        assert d["encodingFormat"] == entry.media_type, url
    # The catalog's titles name the distributions it lists.
    csv = downloads[f"{B}download/dx-kpi-fy2023.csv"]
    assert "ja" in by_lang(csv["name"]) and "en" in by_lang(csv["name"])


def test_catalog_page_has_the_same_dataset(client) -> None:  # type: ignore[no-untyped-def]
    landing = one(extract(page(client, "/"), "/")["json-ld"], "Dataset")
    html = page(client, "/catalog")
    assert one(extract(html, "/catalog")["json-ld"], "Dataset") == landing
    og = extract(html, "/catalog")["opengraph"][0]
    assert og["og:url"] == B + "catalog" and JAPANESE.search(og["og:description"])


def test_project_page_describes_the_project(client, store) -> None:  # type: ignore[no-untyped-def]
    iri = B + "id/project/fy2023/8"
    project = one(extract(page(client, "/id/project/fy2023/8"), iri)["json-ld"], "Project")
    assert project["@id"] == iri and project["url"] == iri
    assert by_lang(project["name"]) == {"ja": "行政手続のオンライン化の推進"}
    assert "オンライン化" in by_lang(project["description"])["ja"]
    assert iri in project["identifier"]
    number = {"@type": "PropertyValue", "propertyID": B + "ontology#projectNumber", "value": 8}
    assert number in project["identifier"]
    rows = store.select(
        f"SELECT ?o WHERE {{ <{iri}> ?p ?o VALUES ?p {{ <{B}ontology#department> "
        f"<{B}ontology#division> }} }}"
    )
    sponsors = {s["@id"]: s for s in project["sponsor"]}
    assert set(sponsors) == {str(r["o"]) for r in rows} and len(sponsors) == 4
    somu = sponsors[B + "id/org/somu-bu"]
    assert somu["@type"] == "GovernmentOrganization"
    assert by_lang(somu["name"]) == {"ja": "総務部", "en": "General Affairs Department"}


@pytest.mark.parametrize("lang, unit", [("ja", "%"), ("en", "percent")])
def test_kpi_page_describes_the_kpi_and_its_values(client, store, lang: str, unit: str) -> None:  # type: ignore[no-untyped-def]
    iri = B + "id/kpi/2"
    html = page(client, f"/id/kpi/2?lang={lang}")
    kpi = one(extract(html, iri)["json-ld"], "PropertyValue")
    assert kpi["@id"] == iri and kpi["url"] == iri and kpi["propertyID"] == iri
    assert by_lang(kpi["name"])["ja"] == "県及び市町村の行政手続のオンライン利用率"
    assert kpi["description"] and kpi["unitText"] == unit
    assert kpi["unitCode"] == "http://qudt.org/vocab/unit/PERCENT"
    assert {"@type": "PropertyValue", "propertyID": B + "ontology#kpiNumber", "value": 2} in kpi[
        "identifier"
    ]
    rows = store.select(
        f"SELECT ?value WHERE {{ ?v <{B}ontology#refKpi> <{iri}> ; <{B}ontology#value> ?value }}"
    )
    expected = sorted(float(r["value"].toPython()) for r in rows)
    values = kpi["value"]
    assert all(v["@type"] == "PropertyValue" and v["name"] for v in values)
    assert sorted(float(v["value"]) for v in values if "value" in v) == expected
    assert all(v["unitText"] == unit for v in values if "value" in v)
    target = "目標値 令和7年度" if lang == "ja" else "Target FY2025"
    assert [v["value"] for v in values if v["name"] == target] == [80]


@pytest.mark.parametrize(
    "path",
    ["/", "/id/project/fy2023/8", "/id/kpi/2", "/id/org/somu-bu", "/plan", "/kpis", "/catalog"],
)
@pytest.mark.parametrize("lang", ["ja", "en"])
def test_meta_description_and_opengraph(client, path: str, lang: str) -> None:  # type: ignore[no-untyped-def]
    html = page(client, f"{path}?lang={lang}")
    elements = Elements(html)
    descriptions = elements.meta("name", "description")
    assert len(descriptions) == 1 and descriptions[0].strip(), path
    og = extract(html, path)["opengraph"]
    assert len(og) == 1
    props = og[0]
    assert props["og:title"] and props["og:description"] == descriptions[0]
    assert elements.meta("property", "og:type") == ["website"]
    assert props["og:url"] == B + path.lstrip("/")  # canonical, without ?lang=
    assert props["og:locale"] == ("ja_JP" if lang == "ja" else "en_US")
    assert props["og:locale:alternate"] == ("en_US" if lang == "ja" else "ja_JP")
    if lang == "ja":  # Japanese first on Japanese pages
        assert JAPANESE.search(descriptions[0][:20]), descriptions[0]
    else:  # English on English pages (a Japanese name may follow it)
        assert re.match(r"[A-Za-z]", descriptions[0]), descriptions[0]


@pytest.mark.parametrize(
    "path", ["/", "/id/kpi/2", "/id/project/fy2023/8", "/id/plan/I", "/sparql", "/catalog"]
)
def test_every_alternate_link_has_a_type(client, path: str) -> None:  # type: ignore[no-untyped-def]
    links = [
        attrs
        for tag, attrs in Elements(page(client, path)).tags
        if tag == "link" and "alternate" in (attrs.get("rel") or "").split()
    ]
    assert all(a.get("type") for a in links), links
    if path.startswith("/id/"):
        types = {a["type"]: a["href"] for a in links}
        stem = path
        assert types == {
            "text/turtle": f"{stem}.ttl",
            "application/ld+json": f"{stem}.jsonld",
            "application/n-triples": f"{stem}.nt",
            "application/rdf+xml": f"{stem}.rdf",
        }


@pytest.mark.parametrize("path", ["/", "/id/kpi/2", "/id/project/fy2023/8", "/catalog"])
def test_csp_allows_the_data_blocks(client, path: str) -> None:  # type: ignore[no-untyped-def]
    """``script-src 'self'`` runs no inline script; JSON-LD blocks are data, never run."""
    response = client.get(path, headers={"Accept": "text/html"})
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    scripts = Elements(response.get_data(as_text=True)).scripts
    assert [a.get("type") for a, _ in scripts] == ["application/ld+json"]
    for attrs, text in scripts:
        assert "src" not in attrs and json.loads(text)


EVIL = ["/id/project/fy2023/666", "/id/kpi/2", "/id/kpi/2?lang=en", "/", "/catalog"]


@pytest.mark.parametrize("path", EVIL)
def test_data_cannot_break_out_of_the_json_ld(evil_client, path: str) -> None:  # type: ignore[no-untyped-def]
    html = page(evil_client, path)
    elements = Elements(html)
    # The only scripts are the page's data blocks: none came from the data.
    assert [a.get("type") for a, _ in elements.scripts] == ["application/ld+json"], path
    (_, text), *_ = elements.scripts
    assert "<" not in text and ">" not in text and "&" not in text
    data = json.loads(text)
    assert extract(html, path)["json-ld"] == [data]
    assert "<script>alert" not in html and "</title><script>" not in html
    if path == "/id/project/fy2023/666":  # the literal round-trips, unharmed
        assert by_lang(data["name"]) == {"ja": "<script>alert('x')</script>"}
        assert data["description"] == ['"><script>alert(2)</script>']


def test_meta_of_evil_data_is_escaped(evil_client) -> None:  # type: ignore[no-untyped-def]
    html = page(evil_client, "/id/project/fy2023/666")
    description = Elements(html).meta("name", "description")
    assert description == ['"><script>alert(2)</script>']  # as text, inside the attribute
    assert "<script>alert(2)" not in html


# --- in a real browser: the data blocks load under the CSP without a violation ---------------

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"


@pytest.fixture(scope="module")
def live_url(dist_dir: Path) -> Iterator[str]:
    """The app (with its CSP) on a free port of 127.0.0.1, served by werkzeug in a thread."""
    from server.app import create_app
    from server.stores.local import LocalStore

    app = create_app({"DIST_DIR": str(dist_dir)}, store=LocalStore.from_build(dist_dir))
    with serve_app(app) as url:
        yield url


@pytest.mark.browser
@pytest.mark.skipif(
    not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()),
    reason="needs Debian chromium + chromium-driver",
)
def test_browser_reads_json_ld_without_csp_violation(live_url: str, tmp_path: Path) -> None:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={tmp_path}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        driver.execute_cdp_cmd(
            "Page.addScriptToEvaluateOnNewDocument",
            {
                "source": "window.__csp = []; document.addEventListener("
                "'securitypolicyviolation', e => window.__csp.push(e.violatedDirective));"
            },
        )
        for path, type_ in (("/", "Dataset"), ("/id/kpi/2", "PropertyValue")):
            driver.get(live_url + path)
            assert driver.execute_script("return window.__csp") == [], path
            found = driver.execute_script(
                "return Array.from(document.querySelectorAll("
                "'script[type=\"application/ld+json\"]')).map(s => JSON.parse(s.textContent))"
            )
            assert [x["@type"] for x in found] == [type_], path
    finally:
        driver.quit()


def test_markup_uses_the_catalog_not_invented_values(catalog: Graph) -> None:
    """The build states what the Dataset markup reads (guards the converter's side)."""
    assert (DATASET, RDF.type, DCAT.Dataset) in catalog
    for prop in (DCTERMS.title, DCTERMS.modified, DCTERMS.temporal, DCTERMS.spatial, DCAT.keyword):
        assert any(True for _ in catalog.objects(DATASET, prop)), prop
    assert isinstance(catalog.value(DATASET, DCTERMS.modified), Literal)
