"""Japanese years as plan documents write them → fiscal years (年度, April–March).

A fiscal year is stored as the Western year it starts in (R4年度 = 2022).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

ERA_OFFSETS = {"R": 2018, "H": 1988, "S": 1925}
ERA_WORDS = {"令和": "R", "平成": "H", "昭和": "S"}
_CIRCLED = {chr(0x2460 + i): str(i + 1) for i in range(20)}  # ①..⑳ → 1..20 (R⑥ = R6)
_SPAN_SEPARATORS = "～〜~-ー−－"
MAX_YEAR_CHARS = 60  # 令和5年4月1日～令和6年3月31日（速報値） is 27


class YearParseError(ValueError):
    """A year we cannot read. The message is Japanese: it is shown to users."""


@dataclass(frozen=True)
class YearRef:
    fiscal_year: int  # the FY a value belongs to (for a span: its last year)
    year_type: str  # fiscal | calendar | month | span
    start_fy: int
    end_fy: int
    text: str

    @property
    def is_span(self) -> bool:
        return self.start_fy != self.end_fy


def normalise(text: str) -> str:
    text = "".join(_CIRCLED.get(ch, ch) for ch in str(text))
    text = unicodedata.normalize("NFKC", text).strip()
    for word, letter in ERA_WORDS.items():
        text = text.replace(word, letter)
    return text.replace("元", "1").replace(" ", "")


_ERA = r"(?P<era>[RHS])(?P<ey>\d{1,2})"
_POINT = re.compile(
    rf"^(?:{_ERA}|(?P<wy>\d{{4}}))"
    r"(?:(?:年|\.|/)(?P<month>\d{1,2})(?:月|(?:[./]\d{1,2}日?))?(?:[./]\d{1,2}日?)?)?"
    r"(?P<suffix>年度|年|度)?"
    r"(?:[(（][^)）]*[)）])?$"
)


def _point(text: str) -> tuple[int, str]:
    """One year or one month → (fiscal year, year_type)."""
    m = _POINT.match(text)
    if not m:
        raise YearParseError(f"年度「{text}」を読み取れません（例: R4, 令和4年度, H30, 2024年度, R2.3）")
    if m.group("era"):
        year = ERA_OFFSETS[m.group("era")] + int(m.group("ey"))
    else:
        year = int(m.group("wy"))
        if not 1900 <= year <= 2100:
            raise YearParseError(f"年「{text}」が範囲外です")
    month = m.group("month")
    if month is not None:
        month = int(month)
        if not 1 <= month <= 12:
            raise YearParseError(f"「{text}」の月が不正です")
        # January–March belong to the fiscal year that started the previous April.
        return (year - 1 if month <= 3 else year), "month"
    if m.group("suffix") == "年" and not m.group("era"):
        return year, "calendar"  # 2014年 is a calendar year and is kept as such
    return year, "fiscal"


_TRAILING_WORDS = re.compile(r"(?<=[\d年度元])(?:中|末|内|まで|頃|ごろ|時点|当初)$")


def parse_year(text: str) -> YearRef:
    """Parse `R4`, `令和元年度`, `H31`, `R2.3`, `2020年度`, `2021年`, `R⑥`, `H27～R1`, `2014～2019年`."""
    return _parse_year(str(text))


@lru_cache(maxsize=4096)  # a sheet repeats the same few years on every row
def _parse_year(raw: str) -> YearRef:
    if len(raw) > MAX_YEAR_CHARS:  # nothing to read in it, and the message would quote all of it
        raise YearParseError(f"年度「{raw[:20]}…」が長すぎます（{len(raw):,}文字）")
    # R5年度中, R7年度末, R8まで: the year is what is written before the word
    norm = _TRAILING_WORDS.sub("", normalise(raw)) or normalise(raw)
    if not norm:
        raise YearParseError("年度が空です")
    for sep in _SPAN_SEPARATORS:
        # split on the separator only where both sides look like years (never inside 2014-…? ambiguity)
        if sep in norm[1:]:
            left, _, right = norm.partition(sep)
            if left and right:
                if right.endswith("年") and not left.endswith("年"):
                    left += "年"  # 2014～2019年: the 年 applies to both ends
                if right.endswith("年度") and not left.endswith(("年", "年度")):
                    left += "年度"
                start, left_type = _point(left)
                end, _ = _point(right)
                if end < start:
                    raise YearParseError(f"期間「{raw}」の終わりが始まりより前です")
                year_type = "calendar" if left_type == "calendar" else "span"
                return YearRef(end, year_type, start, end, raw)
    fy, year_type = _point(norm)
    return YearRef(fy, year_type, fy, fy, raw)


def value_span(year: YearRef, period: str = "") -> tuple[int, int]:
    """The fiscal years a value covers: its year's span, or the period written inside the cell
    (-198 (R3.4～R3.12)) when that can be read."""
    if period:
        try:
            inner = parse_year(period)
            return inner.start_fy, inner.end_fy
        except YearParseError:
            pass
    return year.start_fy, year.end_fy


def fiscal_year(text: str) -> int:
    return parse_year(text).fiscal_year


def format_fiscal_year(fy: int | None, western_only: bool = False) -> str:
    """2024 → 'R6（2024）' (or '2024' with the Western-years setting)."""
    if fy is None:
        return "―"
    fy = int(fy)
    if western_only:
        return str(fy)
    if fy >= 2019:
        era = "R" + ("元" if fy == 2019 else str(fy - 2018))
    elif fy >= 1989:
        era = "H" + ("元" if fy == 1989 else str(fy - 1988))
    else:
        era = "S" + str(fy - 1925)
    return f"{era}（{fy}）"


# Column headers of planning sheets that carry a year and a kind of value: R4目標, 令和5年度目標値,
# 目標値（R7）, 2023実績, R5実績値, H30実績, 2024見込み, 基準値（R3） (used by the importer).
HEADER_KINDS = {
    "基準": "baseline", "目標": "target", "実績": "actual", "現状": "actual", "見込": "estimate", "見通": "estimate",
}
_HEADER_KIND = r"(?P<kind>基準|目標|実績|現状|見込|見通)(?:値|み値|み|し)?"


def parse_year_header(text: str) -> tuple[str, YearRef] | None:
    """`R4目標` → ('target', FY2022). None when the header names no kind (目標, 実績 …) or no year
    (plain 目標値 is a column whose year is given elsewhere); YearParseError when it names a kind but
    its year cannot be read (`令和X年度目標`)."""
    raw = str(text)
    norm = re.sub(r"[\s※*]", "", normalise(raw))
    m = re.fullmatch(rf"(?P<year>.*?)(?:の)?{_HEADER_KIND}", norm) or \
        re.fullmatch(rf"{_HEADER_KIND}[:：]?(?P<year>.*)", norm)
    if not m:
        return None
    year = m.group("year")
    inner = re.fullmatch(r"[(（\[【](.*)[)）\]】]", year)
    if inner:
        year = inner.group(1)
    if not year:
        return None
    try:
        ref = parse_year(year)
    except YearParseError:
        raise YearParseError(f"列見出し「{raw}」の年度を読み取れません（例: R4目標, 令和5年度目標値, 目標値（R7）, "
                             "2023実績, H30実績, 2024見込み）") from None
    return HEADER_KINDS[m.group("kind")], YearRef(ref.fiscal_year, ref.year_type, ref.start_fy, ref.end_fy, raw)


# ------------------------------------------------------------------ days (a measure's start: 施策開始日)

class DateParseError(ValueError):
    """A day we cannot read. The message is Japanese: it is shown to users."""


DATE_EXAMPLES = "2024-04-01、2024/4/1、R6.4.1、令和6年4月1日"
# Where each era begins (its first day); a day before it is written in the era before.
ERA_STARTS = {"R": (2019, 5, 1), "H": (1989, 1, 8), "S": (1926, 12, 25)}
ERA_NAMES = {"R": "令和", "H": "平成", "S": "昭和"}
# One year, a separator, a month, the same separator, a day — or 年 月 日. Bounded repeats and no alternation that
# can overlap: the match runs in one pass over the (at most MAX_YEAR_CHARS) characters.
_YEAR_PART = r"(?:(?P<era>[RHS])(?P<ey>\d{1,2})|(?P<wy>\d{4}))"
_DATE_SEPARATED = re.compile(_YEAR_PART + r"(?P<sep>[./\-])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})")
_DATE_KANJI = re.compile(_YEAR_PART + r"年(?P<m>\d{1,2})月(?P<d>\d{1,2})日")


def parse_date(text) -> date:
    """A day as offices write it: 2024-04-01, 2024/4/1, R6.4.1, 令和6年4月1日 (also 令和元年5月1日, H31.4.1, full-width
    digits) → a date. Anything else, an impossible day (2024/2/30) or a day outside its era (R1.4.1) is a
    DateParseError with a Japanese message that quotes the text."""
    raw = str(text or "").strip()
    if not raw:
        raise DateParseError("日付が空です")
    if len(raw) > MAX_YEAR_CHARS:
        raise DateParseError(f"日付「{raw[:20]}…」が長すぎます（{len(raw):,}文字）")
    norm = normalise(raw)
    m = _DATE_SEPARATED.fullmatch(norm) or _DATE_KANJI.fullmatch(norm)
    if not m:
        raise DateParseError(f"日付「{raw}」を読み取れません（年・月・日まで書いてください。例: {DATE_EXAMPLES}）")
    era = m.group("era")
    year = ERA_OFFSETS[era] + int(m.group("ey")) if era else int(m.group("wy"))
    if era and int(m.group("ey")) < 1:
        raise DateParseError(f"日付「{raw}」の年が不正です（{ERA_NAMES[era]}は元年（1年）から）")
    if not 1900 <= year <= 2100:
        raise DateParseError(f"日付「{raw}」の年が範囲外です")
    try:
        day = date(year, int(m.group("m")), int(m.group("d")))
    except ValueError:
        raise DateParseError(f"日付「{raw}」はありえない日付です（月は1～12、日はその月の日数まで）") from None
    if era:
        first = date(*ERA_STARTS[era])
        following = {"S": "H", "H": "R"}.get(era)
        last = date(*ERA_STARTS[following]) - timedelta(days=1) if following else None
        if day < first or (last is not None and day > last):
            span = f"{first.year}年{first.month}月{first.day}日～" + (f"{last.year}年{last.month}月{last.day}日" if last else "")
            raise DateParseError(f"日付「{raw}」は{ERA_NAMES[era]}の期間（{span}）にありません")
    return day


def fiscal_year_of(day: date) -> int:
    """The fiscal year (April–March) a day belongs to: 2024-03-31 → 2023, 2024-04-01 → 2024."""
    return day.year if day.month >= 4 else day.year - 1


def era_month(day: date, western_only: bool = False) -> str:
    """A day's month the short Japanese way: 2024-04-01 → 'R6.4', 2021-01-19 → 'R3.1', 2019-04-01 → 'H31.4'
    ('2024.4' with the Western-years setting)."""
    if western_only:
        return f"{day.year}.{day.month}"
    for era in ("R", "H", "S"):
        if (day.year, day.month, day.day) >= ERA_STARTS[era]:
            return f"{era}{day.year - ERA_OFFSETS[era]}.{day.month}"
    return f"{day.year}.{day.month}"
