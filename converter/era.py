"""Japanese fiscal years and the Reiwa era, in one place.

The report names years in the Reiwa era (令和5年度 = fiscal year 2023, April 2023 to March
2024); the data and the code use the Gregorian fiscal year. Every conversion and every
printed name of a year goes through here, one name per meaning:

- :func:`reiwa_year` / :func:`fiscal_year`: the arithmetic (2023 ↔ 5);
- :func:`year_label`: a year as a heading prints it (令和5年度 / FY2023);
- :func:`short_year`: a year on a chart's axis (R5 / FY2023);
- :func:`edition_label`: the edition of the report for a year (令和5年度版 / FY2023 edition).
"""

from __future__ import annotations

#: Reiwa 1 is the fiscal year 2019: fiscal year = Reiwa year + 2018.
REIWA_OFFSET = 2018
#: The Reiwa years a table may name (a heading outside them is a typing error).
REIWA_YEARS = range(1, 100)


def reiwa_year(fiscal_year: int) -> int:
    """``5`` for the fiscal year 2023."""
    return fiscal_year - REIWA_OFFSET


def fiscal_year(reiwa: int) -> int:
    """``2023`` for Reiwa 5 (令和5年度)."""
    return reiwa + REIWA_OFFSET


def year_label(year: int, lang: str = "ja") -> str:
    """``令和5年度`` (ja) or ``FY2023`` (en)."""
    return f"FY{year}" if lang == "en" else f"令和{reiwa_year(year)}年度"


def short_year(year: int, lang: str = "ja") -> str:
    """``R5`` (ja) or ``FY2023`` (en): a year where there is little room."""
    return f"FY{year}" if lang == "en" else f"R{reiwa_year(year)}"


def edition_label(year: int, lang: str = "ja") -> str:
    """``令和5年度版`` (ja) or ``FY2023 edition`` (en)."""
    return f"FY{year} edition" if lang == "en" else f"{year_label(year)}版"
