"""A sheet's header row → its layout: what each column holds (a field, or a value kind and its year)."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from ..eras import YearParseError, parse_year_header
from ..parsing import bracket_spans
from .cells import cell_text, column_letter
from .limits import HEADER_SEARCH_ROWS
from .reading import Issue, Sheet
from .vocabulary import ALIAS_TO_FIELD, VALUE_COLUMNS


def norm_header(text) -> str:
    text = unicodedata.normalize("NFKC", cell_text(text))
    return re.sub(r"[\s※*]", "", text).lower()


@dataclass(eq=False)  # compared and hashed as itself: the planner's readings are memoised per column
class Column:
    index: int
    header: str  # as written (two-row headers joined: 目標値 R4)
    field: str | None = None  # entity, plan, …; "value" columns of the wide layout use value_kind below
    value_kind: str | None = None
    year: object = None  # YearRef fixed by the header (R4目標), else None
    year_field: str | None = None  # the column holding this value column's year (目標年度)

    @property
    def letter(self) -> str:
        return column_letter(self.index)


@dataclass
class Layout:
    kind: str  # wide | long
    header_row: int  # spreadsheet row number of the (last) header row
    columns: list[Column]
    first_data_row: int  # spreadsheet row number
    shown: list[tuple[int, str]] = field(default_factory=list)  # every headed column (index, header), for previews

    def by_field(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.field == name), None)

    @property
    def value_columns(self) -> list[Column]:
        return [c for c in self.columns if c.value_kind]


def classify_header(text) -> Column | str | None:
    """One header cell → a Column (index unset), an error message, or None for an empty header."""
    raw = cell_text(text).strip()
    if not raw:
        return None
    key = norm_header(raw)
    if key in ALIAS_TO_FIELD:
        return Column(-1, raw, ALIAS_TO_FIELD[key])
    if key in VALUE_COLUMNS:
        kind, year_field = VALUE_COLUMNS[key]
        return Column(-1, raw, "value_col", kind, None, year_field)
    try:
        parsed = parse_year_header(raw)
    except YearParseError as e:
        return str(e)
    if parsed:
        kind, year = parsed
        return Column(-1, raw, "value_col", kind, year)
    stripped = _strip_brackets(key)
    if stripped != key and stripped in ALIAS_TO_FIELD:
        return Column(-1, raw, ALIAS_TO_FIELD[stripped])
    if stripped != key and stripped in VALUE_COLUMNS:
        kind, year_field = VALUE_COLUMNS[stripped]
        return Column(-1, raw, "value_col", kind, None, year_field)
    return (f"列見出し「{raw}」が何の列か分かりません。テンプレートの見出し（自治体, 計画, 分野, 項目, 施策, 指標名, 単位, "
            "方向, 基準値, 基準年度, 目標値, 目標年度, R5目標, R5実績, R6見込み など）を使ってください")


def _strip_brackets(key: str) -> str:
    """'目標値(r7)' → '目標値' (`[(（[【][^)）]】]*[)）]】]` removed, in linear time)."""
    out, pos = [], 0
    for start, end in bracket_spans(key):
        out.append(key[pos:start])
        pos = end + 1
    return "".join(out) + key[pos:]


def _is_kpi_header(cell) -> bool:
    k = norm_header(cell)
    return (ALIAS_TO_FIELD.get(k) or ALIAS_TO_FIELD.get(_strip_brackets(k))) in ("kpi_name", "kpi_id")


def find_layout(file: str, sheet: Sheet) -> tuple[Layout | None, list[Issue], list[Issue]]:
    """Find the header row (the first row naming 指標名 or kpi_id) and say what every column holds.
    Returns (layout, errors, warnings)."""
    issues: list[Issue] = []
    header_index = next((i for i, row in enumerate(sheet.rows[:HEADER_SEARCH_ROWS])
                         if any(_is_kpi_header(c) for c in row)), None)
    if header_index is None:
        issues.append(Issue(file, None, "指標名", f"「指標名」の列が見つかりません（先頭{HEADER_SEARCH_ROWS}行に見出し行がありません）。"
                                                 "見出し行に「指標名」列を置いてください", sheet.name))
        return None, issues, []
    top = list(sheet.rows[header_index])
    below = list(sheet.rows[header_index + 1]) if header_index + 1 < len(sheet.rows) else []
    width = max(len(top), len(below))
    top += [None] * (width - len(top))
    below += [None] * (width - len(below))
    header_row = header_index + 1
    headers = top
    # A two-row header: 目標値 over R4 | R5 | R6 (merged, or written once with blanks to its right).
    if _is_sub_header(top, below):
        headers, carried = [], None
        for t, b in zip(top, below):
            t_text = cell_text(t).strip()
            carried = t_text or carried
            b_text = cell_text(b).strip()
            if b_text:
                headers.append(f"{carried or ''} {b_text}".strip())
            else:
                headers.append(t_text)
        header_row += 1
    used = _used_columns(sheet.rows[header_row:])  # once: per column it would be columns × rows
    columns: list[Column] = []
    for i, h in enumerate(headers):
        col = classify_header(h)
        if col is None:
            if i in used:
                issues.append(Issue(file, header_row, column_letter(i) + "列",
                                    f"見出しのない列（{column_letter(i)}列）に値があります。見出しを付けてください", sheet.name))
            continue
        if isinstance(col, str):
            issues.append(Issue(file, header_row, cell_text(h).strip(), col + f"（{column_letter(i)}列）", sheet.name))
            continue
        col.index = i
        columns.append(col)
    seen: dict[object, Column] = {}
    for col in columns:
        key = (col.value_kind, col.year.fiscal_year if col.year else None, col.year_field) if col.field == "value_col" \
            else col.field
        if key in seen:
            issues.append(Issue(file, header_row, col.header, f"「{col.header}」と「{seen[key].header}」が同じ内容の列です"
                                                               f"（{seen[key].letter}列と{col.letter}列）", sheet.name))
        seen[key] = col
    fields = {c.field for c in columns}
    long = "value_kind" in fields and "value" in fields
    if long:
        for c in columns:
            if c.field == "value_col":
                issues.append(Issue(file, header_row, c.header, "縦型（種別・年度・値の列）の表に横型の値の列があります。"
                                                                "どちらかの形にそろえてください", sheet.name))
        if "year" not in fields:
            issues.append(Issue(file, header_row, "年度", "「年度」の列がありません", sheet.name))
    elif not any(c.field == "value_col" for c in columns):
        issues.append(Issue(file, header_row, "基準値", "値の列（基準値・目標値・R5目標・R5実績 など）がありません", sheet.name))
    unused = ("value_kind", "year", "part") if not long else \
        ("baseline_year", "target_year", "actual_year", "estimate_year")
    warnings = [Issue(file, header_row, c.header, "この列はこの形の表では使いません（読み飛ばします）", sheet.name)
                for c in columns if c.field in unused]
    columns = [c for c in columns if c.field not in unused]
    shown = [(i, cell_text(h).strip() or column_letter(i) + "列") for i, h in enumerate(headers)
             if cell_text(h).strip() or i in used]
    layout = Layout("long" if long else "wide", header_row, columns, header_row + 1, shown)
    return layout, issues, warnings


def _used_columns(rows: list[list]) -> set[int]:
    """Indexes of the columns holding a value in any of `rows`."""
    used: set[int] = set()
    width = max(map(len, rows), default=0)
    for i in range(width):  # column by column, to the first value: a cell per column, not every cell, as a rule
        for row in rows:
            if i < len(row) and row[i] is not None and row[i] != "":
                used.add(i)
                break
    return used


def _is_sub_header(top: list, below: list) -> bool:
    """The row under the header holds only years (R4, 2023 …) and sits under a 目標値/実績値 heading."""
    from ..eras import parse_year

    texts = [(cell_text(t).strip(), cell_text(b).strip()) for t, b in zip(top, below)]
    subs = [(t, b) for t, b in texts if b]
    if not subs:
        return False
    for _, b in subs:
        try:
            parse_year(b)
        except YearParseError:
            return False
    return True
