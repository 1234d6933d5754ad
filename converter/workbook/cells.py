"""A workbook cell as the text the table means: what Excel shows, as its CSV export writes it.

Typed into a cell formatted as text (the template's "@"), "0", "ほぼ100%" and "40百万枚"
stay as typed. A cell of another format may hold what Excel made of the typing: "43.1%"
becomes the number 0.431 shown with the format "0.0%", "64,169" the number 64169 shown with
"#,##0". Those are read back through their format, exactly as shown. A date is refused:
"4/1" typed becomes 1 April, and what was typed cannot be known.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from converter.errors import ValueParseError

# The formats Excel gives a number it parsed from typing, and the plain ones: an optional
# thousands separator, a fixed number of decimals, an optional percent sign.
_NUMBER_FORMAT = re.compile(r"^(?P<sep>#,##)?0(?:\.(?P<decimals>0+))?(?P<percent>%)?$")


def cell_text(value: object, number_format: str, data_type: str) -> str:
    """The text of a cell's stored value.

    :raises ValueParseError: a date or time, an error value, a boolean, or a number whose
        format the reader cannot reproduce (the message says what to do, Japanese first).
    """
    if value is None:
        return ""
    if data_type == "e":
        raise ValueParseError(
            f"エラー値 {value} が入っています。印字どおりの値を入力してください / the cell "
            f"holds the error value {value}: type the value as printed"
        )
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        raise ValueParseError(
            f"Excel が真偽値（{'TRUE' if value else 'FALSE'}）にしました。セルの書式を「文字列」"
            "にして入力し直してください / Excel turned this into a boolean: format the cell as "
            "text (文字列) and type it again"
        )
    if isinstance(value, datetime | date | time | timedelta):
        raise ValueParseError(_date_problem(value))
    if isinstance(value, int | float):
        return number_text(value, number_format)
    raise ValueParseError(f"読めない値です / an unreadable value: {value!r}")


def number_text(value: float, number_format: str) -> str:
    """``value`` as Excel shows it in ``number_format`` (General, 0, 0.0, #,##0, 0.0% …).

    :raises ValueParseError: any other format (currency, exponent, a custom one).
    """
    fmt = number_format.strip()
    if fmt in ("General", "@", ""):
        if float(value).is_integer():
            return str(int(value))
        return format(value, ".15g")  # Excel keeps 15 significant digits
    match = _NUMBER_FORMAT.match(fmt)
    if not match:
        raise ValueParseError(
            f"数値 {value} が書式「{fmt}」で表示されていて、印字どおりの文字に戻せません。"
            "セルの書式を「文字列」にして入力し直してください / the number "
            f"{value} is shown in the format '{fmt}', which the reader cannot turn back into "
            "the printed text: format the cell as text (文字列) and type it again"
        )
    shown = value * 100 if match["percent"] else value
    decimals = len(match["decimals"] or "")
    text = f"{shown:,.{decimals}f}" if match["sep"] else f"{shown:.{decimals}f}"
    return text + ("%" if match["percent"] else "")


def _date_problem(value: object) -> str:
    if isinstance(value, datetime | date):
        shown = f"{value.year}年{value.month}月{value.day}日"
        english = f"{value:%Y-%m-%d}"
    else:
        shown = english = str(value)
    return (
        f"Excel が入力を日付・時刻（{shown}）に変えました。「4/1」のような値は、セルの書式を"
        "「文字列」にして入力し直してください / Excel turned what was typed into the date or "
        f"time {english}: format the cell as text (文字列) and type the value again as printed"
    )
