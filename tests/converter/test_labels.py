"""English text is English: no ``@en`` literal of any dump holds Japanese script.

The printed notation ("ほぼ100%", "40百万枚") stays, in Japanese, in its own property
(``dx:notation``); an English label says what the value means.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox
import pytest

from converter.mapping import plan_code_en, value_en
from converter.values import ParsedValue, Qualifier, parse_value

#: Hiragana, katakana, CJK ideographs (and extension A), CJK punctuation, full-width forms.
JAPANESE = re.compile(r"[\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")
FORMATS = {
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".ttl": ox.RdfFormat.TURTLE,
    ".rdf": ox.RdfFormat.RDF_XML,
    ".jsonld": ox.RdfFormat.JSON_LD,
}
BASE = "https://data.pref.fukushima.lg.jp/dx/id/"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"


def rdf_files(dist_dir: Path) -> list[Path]:
    files = [*(dist_dir / "graphs").glob("*.nt"), *(dist_dir / "download").iterdir()]
    return sorted(f for f in files if f.suffix in FORMATS and f.name != "context.jsonld")


def english_literals(path: Path) -> list[tuple[str, str, str]]:
    found = []
    for t in ox.parse(path.read_bytes(), format=FORMATS[path.suffix]):
        if isinstance(t.object, ox.Literal) and (t.object.language or "").startswith("en"):
            found.append((t.subject.value, t.predicate.value, t.object.value))
    return found


def test_the_dumps_include_data_ontology_and_catalog(dist_dir: Path) -> None:
    names = {f.name for f in rdf_files(dist_dir)}
    assert {"fy2023.nt", "ontology.nt", "catalog.nt", "dx-kpi.jsonld", "ontology.ttl"} <= names


def test_no_english_literal_holds_japanese(dist_dir: Path) -> None:
    for path in rdf_files(dist_dir):
        literals = english_literals(path)
        assert literals, path.name
        japanese = [t for t in literals if JAPANESE.search(t[2])]
        assert not japanese, f"{path.name}: {len(japanese)} @en literals, e.g. {japanese[:3]}"


def english_label(dist_dir: Path, path: str) -> str:
    for s, p, o in english_literals(dist_dir / "graphs" / "fy2023.nt"):
        if s == BASE + path and p == LABEL:
            return o
    raise AssertionError(f"no English label for {path}")


def test_english_labels_say_the_value_in_english(dist_dir: Path) -> None:
    labels = {
        "value/fy2023/kpi-16/target-fy2025": "KPI 16 FY2025 target: about 100%",
        "value/fy2023/kpi-12/target-fy2025": "KPI 12 FY2025 target: at least 4",
        "value/fy2023/kpi-6/baseline": "KPI 6 baseline: 40,000,000 sheets",
        "value/fy2023/kpi-16/actual-fy2023": "KPI 16 FY2023 actual: 74%",
        "value/fy2023/kpi-12/baseline": "KPI 12 baseline: no value",
        "value/fy2023/kpi-3/actual-fy2023": "KPI 3 FY2023 actual: 64,169",
        "plan/I-3-keikaku": "Plan item I-3 (plan)",
        "plan/I-3-6-a": "Plan item I-3-6-a",
    }
    for path, label in labels.items():
        assert english_label(dist_dir, path) == label


@pytest.mark.parametrize(
    ("printed", "english"),
    [
        ("ほぼ100%", "about 100%"),
        ("約5件", "about 5 cases"),
        ("4以上", "at least 4"),
        ("10時間以下", "at most 10 hours"),
        ("40百万枚", "40,000,000 sheets"),
        ("人口に対する保有枚数率：74％", "74%"),
        ("37.50%", "37.5%"),
        ("6,000", "6,000"),
        ("3.54", "3.54"),
        ("-", "no value"),
        ("12業務", "12 business processes"),
    ],
)
def test_value_en(printed: str, english: str) -> None:
    assert value_en(parse_value(printed)) == english
    assert not JAPANESE.search(value_en(parse_value(printed)))


def test_value_en_leaves_out_a_counter_word_it_cannot_translate() -> None:
    parsed = ParsedValue("7個", Decimal(7), unit="個", qualifier=Qualifier.EXACT)
    assert value_en(parsed) == "7"


def test_plan_code_en() -> None:
    assert plan_code_en("I-3-keikaku") == "I-3 (plan)"
    assert plan_code_en("II-1-5") == "II-1-5"
