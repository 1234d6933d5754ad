"""Issue 11: full-text search in Japanese (FTS5 trigram, LIKE for 1–2 characters), facets.

The expected results are computed here from data/dx-kpi-fy2023.csv, independently of the
converter and of the index.
"""

from __future__ import annotations

import csv
import re
import sqlite3
import statistics
import time
import unicodedata
from typing import Any

import pytest

from server.web.search.documents import documents
from server.web.search.index import SearchIndex, normalise, terms
from tests.conftest import ROOT
from tests.support.timing import within

TEXTS = ("事業名又は取組名", "事業概要又は取組内容", "指標（ＫＰＩ）又は目標", "令和５年度取組状況")


def rows() -> list[dict[str, str]]:
    with (ROOT / "data" / "dx-kpi-fy2023.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def project_of(row: dict[str, str]) -> int | None:
    """The row's 事業No; a 再掲 row prints the project it repeats in 再掲元 (※再掲:No46)."""
    if row["事業No"].isdigit():
        return int(row["事業No"])
    found = re.search(r"No\.?\s*(\d+)", row["再掲元"])
    return int(found.group(1)) if found else None


def projects_mentioning(*words: str) -> set[int]:
    """The projects whose rows' texts contain all the words (全角・半角 folded).

    A project's texts are those of all its rows (its 再掲 rows print their own), joined.
    """
    texts: dict[int, list[str]] = {}
    for row in rows():
        number = project_of(row)
        if number is not None:
            texts.setdefault(number, []).extend(row[k] for k in TEXTS)
    return {
        n for n, parts in texts.items() if all(fold(w) in fold("\n".join(parts)) for w in words)
    }


def kpis_named(word: str) -> set[int]:
    return {
        int(r["KPI番号"])
        for r in rows()
        if r["KPI番号"].isdigit() and fold(word) in fold(r["指標名"])
    }


def search(client: Any, query: str, **facets: str) -> dict[str, Any]:
    response = client.get("/search.json", query_string={"q": query, **facets})
    assert response.status_code == 200 and response.mimetype == "application/json"
    body = response.get_json()
    assert body["count"] == len(body["results"])
    return dict(body)


def numbers(body: dict[str, Any], kind: str = "project") -> set[int]:
    return {r["number"] for r in body["results"] if r["kind"] == kind}


def test_sqlite_has_trigram() -> None:
    assert sqlite3.sqlite_version_info >= (3, 34, 0)


def test_kenshu_two_characters(client: Any) -> None:
    """研修 is two characters: no trigram, the LIKE fallback over the same table."""
    body = search(client, "研修")
    found = numbers(body)
    assert {1, 2, 3, 29, 40} <= found  # the projects with 研修 in their names
    assert found == projects_mentioning("研修")
    assert numbers(body, "kpi") == kpis_named("研修") == {14}
    names = [r["name"] for r in body["results"][:6]]
    assert all("研修" in name for name in names)  # a name match ranks first


@pytest.mark.parametrize(
    "query", ["マイナンバー", "オンライン化", "ＤＸ推進", "DX推進", "電子申請"]
)
def test_trigram_queries_equal_the_table(client: Any, query: str) -> None:
    assert numbers(search(client, query)) == projects_mentioning(query)


def test_full_and_half_width_are_one(client: Any) -> None:
    assert (
        numbers(search(client, "ＤＸ"))
        == numbers(search(client, "dx"))
        == projects_mentioning("DX")
    )


def test_every_word_must_occur(client: Any) -> None:
    both = numbers(search(client, "研修　職員"))  # a full-width space separates words too
    assert both == projects_mentioning("研修", "職員")
    assert both < numbers(search(client, "研修"))


def test_one_character(client: Any) -> None:
    assert numbers(search(client, "県")) == projects_mentioning("県")


def department_keys() -> dict[str, str]:
    """部 name → its key, from the organisations register."""
    with (ROOT / "data" / "organizations.csv").open(encoding="utf-8-sig", newline="") as handle:
        return {r["名称"]: r["IRI名"] for r in csv.DictReader(handle) if r["種別"] == "部"}


def expected_departments(projects: set[int], kpis: set[int]) -> dict[str, int]:
    """How many of these projects and KPIs (by their defining row) each department has."""
    keys, found = department_keys(), {}
    seen: set[tuple[str, int]] = set()
    for row in rows():
        number = row["事業No"] if row["事業No"].isdigit() else ""
        kpi = row["KPI番号"] if row["KPI番号"].isdigit() else ""
        for kind, n, wanted in (("p", number, projects), ("k", kpi, kpis)):
            if n and int(n) in wanted:
                for dept in row["部"].split(";"):
                    seen.add((keys[dept], hash((kind, int(n)))))
    for key, _ in seen:
        found[key] = found.get(key, 0) + 1
    return found


def test_facets_count_and_narrow(client: Any) -> None:
    body = search(client, "研修")
    departments = {f["key"]: f["count"] for f in body["facets"]["department"]}
    assert departments == expected_departments(numbers(body), numbers(body, "kpi"))
    narrowed = search(client, "研修", dept="somu-bu")
    assert narrowed["count"] == departments["somu-bu"]
    somu = {int(r["事業No"]) for r in rows() if r["事業No"].isdigit() and "総務部" in r["部"]}
    assert numbers(narrowed) == numbers(body) & somu
    items = search(client, "研修", item="I-1")
    assert numbers(items) and numbers(items) <= numbers(body)
    assert "I-1" in {f["label"].split()[0] for f in body["facets"]["item"]}
    assert search(client, "研修", eval="NoSuchThing")["count"] == 0


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_the_page(client: Any, lang: str) -> None:
    response = client.get("/search", query_string={"q": "研修", "lang": lang})
    assert response.status_code == 200 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert f'<html lang="{lang}">' in html and "<script" not in html
    assert 'href="/id/project/fy2023/1"' in html and 'href="/id/kpi/14"' in html
    assert "<mark>研修</mark>" in html
    assert 'value="研修"' in html
    assert re.search(r'href="\?q=%E7%A0%94%E4%BF%AE&amp;dept=somu-bu"', html)
    heading = "検索" if lang == "ja" else "Search"
    assert f"<h1>{heading}</h1>" in html


def test_an_empty_query_shows_the_form(client: Any) -> None:
    html = client.get("/search").get_data(as_text=True)
    assert '<input type="search" id="search-q" name="q"' in html and 'id="results"' not in html
    assert search(client, "")["count"] == 0


@pytest.mark.parametrize(
    "query",
    ['"', "'", "%", "_", "\\", "a OR b", "NEAR(x y)", "研修*", "^研修", "x" * 500, "\x01", "　"],
)
def test_odd_queries_are_answered(client: Any, query: str) -> None:
    body = search(client, query)
    for result in body["results"]:
        assert result["url"].startswith("/id/")
    assert client.get("/search", query_string={"q": query}).status_code == 200


def test_literal_percent_and_underscore_do_not_match_everything(client: Any) -> None:
    total = len(projects_mentioning(""))
    assert len(numbers(search(client, "%"))) < total
    assert len(numbers(search(client, "_"))) < total


def test_normalise_keeps_a_map_to_the_printed_text() -> None:
    folded, origin = normalise("ＤＸ推進")
    assert folded == "dx推進" and origin == [0, 1, 2, 3]
    assert terms("  研修　職員 研修 ") == ["研修", "職員"]


def test_search_answers_in_under_50_ms(local_store: Any) -> None:
    """The search function itself, on the real build (README: the measured figure)."""
    found, _, _ = documents(local_store)
    index = SearchIndex(found)
    for query in ("研修", "マイナンバーカード", "県", "DX 推進"):
        times = []
        for _ in range(20):
            start = time.perf_counter()
            index.search(query)
            times.append(time.perf_counter() - start)
        assert statistics.median(times) < within(0.050), (query, statistics.median(times))


def test_two_editions_each_project_per_edition(two_client: Any) -> None:
    """Projects are per edition (B id/project/fy2024/1): both are found, and the edition
    facet narrows to one; the fictional new project 53 is found too."""
    body = search(two_client, "研修")
    editions = {r["edition"] for r in body["results"] if r["kind"] == "project"}
    assert editions == {2023, 2024}
    urls = {r["url"] for r in body["results"] if r["kind"] == "project" and r["number"] == 1}
    assert urls == {"/id/project/fy2023/1", "/id/project/fy2024/1"}
    facet = {f["key"]: f["count"] for f in body["facets"]["edition"]}
    latest = search(two_client, "研修", edition="fy2024")
    assert latest["count"] == facet["fy2024"]
    assert {r["edition"] for r in latest["results"]} == {2024}
    assert numbers(search(two_client, "架空の新規事業")) == {53}


@pytest.mark.parametrize(
    "q", ["研修\x00", "\x00\x01\x1f", "%C2%97\x00\U0010ffff", '"研修', "研修 *"]
)
def test_control_characters_and_fts_syntax_are_plain_text(client: Any, q: str) -> None:
    """Found by schemathesis: a NUL ended FTS5's query string (a 500). Control characters
    separate words, quotes and operators are text."""
    response = client.get("/search.json", query_string={"q": q})
    assert response.status_code == 200, response.data[:200]
