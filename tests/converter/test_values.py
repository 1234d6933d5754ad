"""Printed KPI values → numbers, units, qualifiers; the notation is always kept."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from converter.errors import ValueParseError
from converter.iris import Iris
from converter.values import Qualifier, parse_value

Q = Qualifier


@pytest.mark.parametrize(
    "text, number, unit, qualifier, note",
    [
        ("14442", "14442", None, Q.EXACT, None),
        ("64,169", "64169", None, Q.EXACT, None),
        ("６４，１６９", "64169", None, Q.EXACT, None),
        ("48.2%", "48.2", "%", Q.EXACT, None),
        ("37.50%", "37.50", "%", Q.EXACT, None),
        ("1％", "1", "%", Q.EXACT, None),
        ("40百万枚", "40000000", "枚", Q.EXACT, None),
        ("32百万枚以下", "32000000", "枚", Q.AT_MOST, None),
        ("11万件", "110000", "件", Q.EXACT, None),
        ("ほぼ100%", "100", "%", Q.APPROXIMATELY, None),
        ("約2,000時間", "2000", "時間", Q.APPROXIMATELY, None),
        ("4以上", "4", None, Q.AT_LEAST, None),
        ("3.54", "3.54", None, Q.EXACT, None),
        ("人口に対する保有枚数率：74％", "74", "%", Q.EXACT, "人口に対する保有枚数率"),
        ("率: 5%", "5", "%", Q.EXACT, "率"),
    ],
)
def test_parse(
    text: str, number: str, unit: str | None, qualifier: Qualifier, note: str | None
) -> None:
    parsed = parse_value(text)
    assert parsed.number == Decimal(number)
    assert (parsed.unit, parsed.qualifier, parsed.note) == (unit, qualifier, note)
    assert parsed.notation == text


@pytest.mark.parametrize("text", ["-", "‐", "－", "", " - "])
def test_no_value(text: str) -> None:
    parsed = parse_value(text)
    assert parsed.number is None and parsed.notation == text.strip()


@pytest.mark.parametrize(
    "text", ["67,4%", "1,23", "abc", "4以上以下", "ほぼ", "%", "12.3.4", "10業務?", "1e5"]
)
def test_rejects(text: str) -> None:
    with pytest.raises(ValueParseError, match="not a number|two qualifiers"):
        parse_value(text)


@given(st.text(max_size=30))
def test_arbitrary_text_never_crashes(text: str) -> None:
    try:
        parsed = parse_value(text)
    except ValueParseError:
        return
    assert parsed.notation == text.strip()


@given(st.integers(min_value=0, max_value=10**12))
def test_thousands_separators_round_trip(n: int) -> None:
    assert parse_value(f"{n:,}").number == n


@given(st.text(max_size=40), st.integers(min_value=1, max_value=10**6))
def test_iri_minting_never_crashes_and_stays_ascii(key: str, number: int) -> None:
    iris = Iris()
    assert iris.kpi(number).isascii()
    assert str(iris.plan_item(key)).startswith(iris.base)
