"""Issue 11: /changes (HTML and RDF) and /changes.atom, on one edition and on two.

With the real build (one edition) there is nothing to compare and the page says so; with
the fictional FY2024 test edition (tests/fixtures/fy2024/README.md) the 24 changes its
README lists are shown, each linking to both versions. Both stores.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from converter.formats import RDF_FORMATS, Format

A = "{http://www.w3.org/2005/Atom}"
B = "https://data.pref.fukushima.lg.jp/dx/"
DX = B + "ontology#"
#: What the fixture's README says the FY2023 → FY2024 build finds, by change type.
FIXTURE_CHANGES = {
    "ProjectAdded": 1,
    "ProjectRemoved": 1,
    "ProjectRenamed": 1,
    "TargetRevised": 1,
    "EvaluationChanged": 1,
    "ActualAdded": 19,
}


def html(client: Any, path: str) -> str:
    response = client.get(path, headers={"Accept": "text/html"})
    assert response.status_code == 200 and response.mimetype == "text/html"
    return str(response.get_data(as_text=True))


def feed(client: Any, query: str = "") -> ET.Element:
    response = client.get("/changes.atom" + query)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/atom+xml; charset=utf-8"
    root = ET.fromstring(response.data)
    assert root.tag == A + "feed"
    return root


def assert_valid_atom(root: ET.Element) -> None:
    """RFC 4287's musts: feed id, title, updated, an author, a self link; each entry an id,
    a title, updated and an alternate link; ids are absolute IRIs, dates RFC 3339."""
    stamp = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$")
    for tag in ("id", "title", "updated"):
        assert len(root.findall(A + tag)) == 1, tag
    assert stamp.match(root.findtext(A + "updated") or "")
    assert root.find(f"{A}author/{A}name") is not None
    rels = [link.get("rel") for link in root.findall(A + "link")]
    assert "self" in rels and "alternate" in rels
    ids = []
    for entry in root.findall(A + "entry"):
        ids.append(entry.findtext(A + "id") or "")
        assert (entry.findtext(A + "title") or "").strip()
        assert stamp.match(entry.findtext(A + "updated") or "")
        alternates = [x for x in entry.findall(A + "link") if x.get("rel") == "alternate"]
        assert len(alternates) == 1 and alternates[0].get("href", "").startswith("http")
    assert all(i.startswith("https://") for i in ids) and len(ids) == len(set(ids))


# ---------------------------------------------------------------- one edition (the real build)


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_one_edition_says_there_are_no_changes_yet(client: Any, lang: str) -> None:
    page = html(client, f"/changes?lang={lang}")
    if lang == "ja":
        assert "まだ変更はありません。" in page and "「令和5年度版」の1つだけ" in page
        assert "最初の年度版です" in page
    else:
        assert "No changes yet: the only edition published is FY2023 edition" in page
    assert '<ul class="changes">' not in page


def test_one_edition_feed_is_valid_and_empty(client: Any) -> None:
    root = feed(client)
    assert_valid_atom(root)
    assert root.findall(A + "entry") == []
    assert root.findtext(A + "id") == B + "changes.atom"


def test_the_feed_is_advertised(client: Any) -> None:
    link = '<link rel="alternate" type="application/atom+xml" href="/changes.atom"'
    assert link in html(client, "/changes")
    assert link in html(client, "/")


@pytest.mark.parametrize("fmt", RDF_FORMATS, ids=lambda f: f.name)
def test_rdf_by_accept_and_extension(client: Any, fmt: Format) -> None:
    for response in (
        client.get("/changes", headers={"Accept": fmt.media_type}),
        client.get(f"/changes.{fmt.extension}", headers={"Accept": "text/html"}),
    ):
        assert response.status_code == 200
        assert response.mimetype == fmt.media_type
        graph = Graph().parse(data=response.data, format=fmt.rdflib_name.replace("pretty-", ""))
        assert (URIRef(B + "changes"), None, None) in graph
    assert "Accept" in client.get("/changes", headers={"Accept": "text/turtle"}).headers["Vary"]


def test_unknown_extension_and_type(client: Any) -> None:
    assert client.get("/changes.png").status_code == 404
    assert client.get("/changes", headers={"Accept": "image/png"}).status_code == 406


# ---------------------------------------------------------------- two editions (the fixture)


def test_two_editions_list_every_change_by_type(two_client: Any) -> None:
    page = html(two_client, "/changes")
    assert "令和5年度版 → 令和6年度版" in page and "24件の変更" in page
    for name, count in FIXTURE_CHANGES.items():
        heading = re.search(rf'id="{name}-fy2024">.*?{count}件の変更', page)
        assert heading, name
    assert len(re.findall(r'<li class="change"', page)) == sum(FIXTURE_CHANGES.values())
    assert 'id="no-changes"' not in page


def test_each_change_links_to_both_versions(two_client: Any) -> None:
    page = html(two_client, "/changes")
    renamed = page[page.index('id="ProjectRenamed-fy2024"') :]
    renamed = renamed[: renamed.index("</ul>")]
    assert 'href="/id/project/fy2023/7"' in renamed and 'href="/id/project/fy2024/7"' in renamed
    revised = page[page.index('id="TargetRevised-fy2024"') :]
    revised = revised[: revised.index("</ul>")]
    assert 'href="/id/value/fy2023/kpi-3/target-fy2025"' in revised
    assert 'href="/id/value/fy2024/kpi-3/target-fy2025"' in revised
    assert 'href="/id/kpi/3"' in revised and "70000" in revised and "75000" in revised
    removed = page[page.index('id="ProjectRemoved-fy2024"') :]
    assert 'href="/id/project/fy2023/12"' in removed[: removed.index("</ul>")]


def test_two_editions_in_english(two_client: Any) -> None:
    page = html(two_client, "/changes?lang=en")
    assert "FY2023 edition → FY2024 edition" in page and "24 changes" in page
    assert "Target revised" in page


def test_two_editions_feed(two_client: Any) -> None:
    root = feed(two_client)
    assert_valid_atom(root)
    entries = root.findall(A + "entry")
    assert len(entries) == sum(FIXTURE_CHANGES.values())
    assert {e.findtext(A + "id") for e in entries} == {
        f"{B}id/change/fy2024/{n}" for n in range(1, 25)
    }
    renamed = next(e for e in entries if "fy2024/7" in _related(e) and "fy2023/7" in _related(e))
    assert "テスト用に改称" in (renamed.findtext(A + "title") or "")
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "ja"
    english = feed(two_client, "?lang=en")
    assert english.get("{http://www.w3.org/XML/1998/namespace}lang") == "en"


def _related(entry: ET.Element) -> str:
    return " ".join(
        x.get("href", "") for x in entry.findall(A + "link") if x.get("rel") == "related"
    )


def test_two_editions_rdf(two_client: Any) -> None:
    response = two_client.get("/changes.ttl")
    graph = Graph().parse(data=response.data, format="turtle")
    changes = set(graph.subjects(RDF.type, URIRef(DX + "Change")))
    assert len(changes) == sum(FIXTURE_CHANGES.values())
    members = set(
        graph.objects(URIRef(B + "changes"), URIRef("http://www.w3.org/2000/01/rdf-schema#member"))
    )
    assert members == changes
