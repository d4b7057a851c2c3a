"""One cell: its text as the user sees it, and what it reads as (a value, a year, a unit, a direction)."""
from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from functools import lru_cache

from ..eras import YearRef, parse_year
from ..parsing import MAX_DIGITS, MULTIPLIERS, ParsedValue, ValueParseError, normalise_text, parse_value
from .vocabulary import DIRECTION_OF


def column_letter(index: int) -> str:
    """0 → A, 26 → AA."""
    out = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


def number_text(value) -> str:
    """A spreadsheet number as text without float noise: 37378000.0 → '37378000', 0.1 → '0.1'."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "%.15g" % value if isinstance(value, float) else str(value)


def one_line(text: str) -> str:
    """'行政手続のオンラ\nイン利用率' → '行政手続のオンライン利用率'; between Latin words a space is kept."""
    text = str(text)
    if "\n" not in text and "\r" not in text:
        return text.strip()  # nearly every cell: no pattern to run

    def join(m: re.Match) -> str:
        return m.group(1) + (" " if m.group(1).isascii() and m.group(2).isascii() else "")

    return re.sub(r"(\S)[ \t\u3000]*[\r\n]+[ \t\u3000]*(?=(\S))", join, text).strip()


def cell_text(value) -> str:
    """What the user sees in a cell, as text."""
    if type(value) is str:  # nearly every call
        return value
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return number_text(value)
    if isinstance(value, datetime):
        return value.strftime("%Y/%m/%d")
    if isinstance(value, date):
        return value.strftime("%Y/%m/%d")
    return str(value)


def xlsx_value(value, style, book, percent: dict[int, bool]):
    """An openpyxl cell value as the importer keeps it: blank text → None, a percent-formatted number as shown."""
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float)):
        style = style or 0
        if style not in percent:
            percent[style] = "%" in number_format(book, style)
        if percent[style]:
            # Excel keeps 37.5% as 0.375: take the number as the user sees it ("percent as written").
            return number_text(round(value * 100, 10)) + "%"
        return value
    return value  # datetime / time


def number_format(book, style: int) -> str:
    from openpyxl.styles.numbers import BUILTIN_FORMATS, BUILTIN_FORMATS_MAX_SIZE

    try:
        fmt_id = book._cell_styles[style].numFmtId
        if fmt_id < BUILTIN_FORMATS_MAX_SIZE:
            return BUILTIN_FORMATS.get(fmt_id, "General")
        return book._number_formats[fmt_id - BUILTIN_FORMATS_MAX_SIZE]
    except (IndexError, TypeError, AttributeError):
        return ""  # a style the book does not define: read the number as it is


def key_once(text: str) -> str:
    """key() of a str, not kept: for names met once (a sheet's KPI names and codes)."""
    if text.isascii():  # NFKC leaves ASCII as it is
        return "".join(text.split()).lower()
    return "".join(unicodedata.normalize("NFKC", text).split()).lower()  # split(): the whitespace of re's \s


_key_text = lru_cache(maxsize=65536)(key_once)


def key(text) -> str:
    """Names compared the way people read them: full/half width, spaces and case do not matter."""
    return _key_text(text if type(text) is str else cell_text(text))


def parse_cell(raw, qualitative: bool = False, part: int | None = None) -> ParsedValue:
    """One value cell (str from a CSV, or int/float/datetime from Excel) → ParsedValue.
    Raises only ValueParseError (Japanese message). A qualitative KPI keeps words as its note."""
    if raw is None:
        return ParsedValue(None)
    if isinstance(raw, bool):
        raise ValueParseError(f"「{raw}」は数値ではありません")
    if isinstance(raw, (int, float)):
        if raw != raw or raw in (float("inf"), float("-inf")):
            raise ValueParseError("数値ではありません（エラー値）")
        if abs(raw) >= 10**MAX_DIGITS:  # float() of a 310-digit int overflows; no plan has such a figure
            raise ValueParseError(f"数値「{number_text(raw)[:30]}…」が大きすぎます（{MAX_DIGITS}桁まで）")
        return ParsedValue(float(raw), original_text=number_text(raw))
    if isinstance(raw, (datetime, date)):
        raise ValueParseError(f"「{cell_text(raw)}」は日付として入力されています。数値を入力してください"
                              "（Excel が日付に変えた場合は、セルの書式を「文字列」にしてください）")
    text = str(raw)
    try:
        parsed = parse_value(text, part=part)
    except ValueError as e:
        if qualitative and text.strip():
            return ParsedValue(None, note=normalise_text(text), original_text=text)
        message = str(e)
        if not re.search(r"\d", normalise_text(text)):
            message += "。定性的な指標なら「方向」列に「定性」と記入してください"
        raise ValueParseError(message) from None
    if parsed.parts:
        raise ValueParseError(f"「{text.strip()}」に複数の値（①②…）があります。指標ごとに行を分けてください")
    if parsed.value is not None and parsed.value != parsed.value:
        raise ValueParseError(f"「{text.strip()}」を数値として読み取れません")
    return parsed


def try_parse_cell(raw, qualitative: bool = False) -> tuple[ParsedValue | None, str | None]:
    """(value, None) or (None, Japanese error): never raises."""
    try:
        return parse_cell(raw, qualitative), None
    except ValueParseError as e:
        return None, str(e)


@lru_cache(maxsize=4096)  # once per KPI row, the same few units
def split_unit(unit: str) -> tuple[str, int]:
    """A unit with a multiplier → (base unit, factor): 千円 → (円, 1000), 百万円 → (円, 10**6), % → (%, 1)."""
    u = normalise_text(unit)
    for prefix in sorted(MULTIPLIERS, key=len, reverse=True):
        if u.startswith(prefix):
            return u[len(prefix):], MULTIPLIERS[prefix]
    return u, 1


def direction_of(text: str) -> str | None:
    """増加/減少/維持/上昇/低下/以上/以下/順位/定性 or English → a direction of schema.DIRECTIONS."""
    return DIRECTION_OF.get(key(text))


def year_of(raw) -> YearRef:
    if isinstance(raw, (datetime, date)):
        return parse_year(f"{raw.year}.{raw.month}")
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return parse_year(number_text(raw))
    return parse_year(str(raw).strip())


def same_number(a, b) -> bool:
    if a is None or b is None or a != a or b != b:
        return (a is None or a != a) and (b is None or b != b)
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


@lru_cache(maxsize=4096)
def header_year_text(header: str) -> str:
    """R5実績 → R5; 目標値（R7） → R7 (the year as the header writes it)."""
    text = re.sub(r"[\s※*]", "", unicodedata.normalize("NFKC", header))
    text = re.sub(r"(?:の)?(?:基準|目標|実績|現状|見込|見通)(?:値|み値|み|し)?", "", text)
    return text.strip("()（）[]【】:：") or header
