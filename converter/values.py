"""Parse printed KPI values ("40百万枚", "ほぼ100%", "4以上", "64,169", "-") into numbers.

The printed notation is always kept beside the number; this module only says what it means.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum

from converter.errors import ValueParseError


class Qualifier(Enum):
    EXACT = "Exact"
    APPROXIMATELY = "Approximately"
    AT_LEAST = "AtLeast"
    AT_MOST = "AtMost"


@dataclass(frozen=True)
class ParsedValue:
    """One printed cell. ``number`` is None for "-" (no value printed)."""

    notation: str
    number: Decimal | None
    unit: str | None = None
    qualifier: Qualifier = Qualifier.EXACT
    note: str | None = None


NO_VALUE = {"", "-", "‐", "‑", "–", "—", "―", "−", "ー", "－"}
MULTIPLIERS = {"億": 10**8, "百万": 10**6, "万": 10**4, "千": 10**3}
PREFIX_QUALIFIERS = {"ほぼ": Qualifier.APPROXIMATELY, "約": Qualifier.APPROXIMATELY}
SUFFIX_QUALIFIERS = {"以上": Qualifier.AT_LEAST, "以下": Qualifier.AT_MOST}

_NUMBER = re.compile(
    r"^(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?P<mult>億|百万|万|千)?"
    r"(?P<unit>%|[^\W\d_]+)?$"
)
_NOTE = re.compile(r"^(?P<note>[^:：\d][^:：]*)[:：](?P<rest>.+)$")


def canonical_decimal(number: Decimal) -> str:
    """The XSD 1.1 canonical lexical form of an ``xsd:decimal``: "10", "0.5", "-1.25", "0".

    It is the form Oxigraph stores and answers with, so a dump and the endpoint write the
    same term (XSD 1.0's "10.0" would be a different string for the same value).
    """
    if not number.is_finite():
        raise ValueError(f"{number} is not an xsd:decimal")
    text = format(number, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    sign, digits = ("-", text[1:]) if text.startswith("-") else ("", text)
    digits = digits.lstrip("0")
    if not digits or digits.startswith("."):
        digits = "0" + digits
    return "0" if digits == "0" else sign + digits


def is_no_value(text: str) -> bool:
    """True for the dashes the table prints where there is no value."""
    return text.strip() in NO_VALUE


def parse_value(text: str) -> ParsedValue:
    """Parse one printed KPI value.

    :raises ValueParseError: the text is not a number in a notation the table uses.
    """
    notation = text.strip()
    if notation in NO_VALUE:
        return ParsedValue(notation=notation, number=None)
    note = None
    body = notation
    match = _NOTE.match(body)
    if match:
        note, body = match["note"].strip(), match["rest"].strip()
    # NFKC turns full-width digits, "％", "，" and "．" into ASCII; kanji stay as they are.
    body = unicodedata.normalize("NFKC", body).replace(" ", "")
    qualifier = Qualifier.EXACT
    for word, kind in PREFIX_QUALIFIERS.items():
        if body.startswith(word):
            qualifier, body = kind, body[len(word) :]
    for word, kind in SUFFIX_QUALIFIERS.items():
        if body.endswith(word):
            if qualifier is not Qualifier.EXACT:
                raise ValueParseError(
                    f"「{notation}」には「以上」「ほぼ」などが二つあります / '{notation}' has two "
                    "qualifiers"
                )
            qualifier, body = kind, body[: -len(word)]
    if any(word in body for word in (*PREFIX_QUALIFIERS, *SUFFIX_QUALIFIERS)):
        raise ValueParseError(
            f"「{notation}」には「以上」「ほぼ」などが二つあります / '{notation}' has two "
            "qualifiers"
        )
    match = _NUMBER.match(body)
    if not match:
        raise ValueParseError(
            f"「{notation}」は数値として読めません（例: 64,169、43.1%、40百万枚、ほぼ100%、"
            f"4以上、-） / '{notation}' is not a number"
        )
    number = Decimal(match["num"].replace(",", ""))
    if match["mult"]:
        number *= MULTIPLIERS[match["mult"]]
    return ParsedValue(
        notation=notation, number=number, unit=match["unit"], qualifier=qualifier, note=note
    )
