"""Reading KPI sheets for the importer: files → sheets → header → rows with raw cells.

Nothing here parses a figure; it finds out what each column means and which cell sits where, so that
every later message can name the file, sheet, row and column. Bad files are rejected with Japanese
messages (`FileRejected`).
"""
from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime

from .eras import YearParseError, parse_year_header

# Settings of the importer (declared once; the page and the template's instructions quote them).
MAX_FILE_BYTES = 20 * 1024 * 1024  # a larger upload is refused
MAX_UNZIPPED_BYTES = 400 * 1024 * 1024  # an .xlsx that unpacks to more than this is refused (zip bomb)
HEADER_SEARCH_ROWS = 20  # the header row must be within the first rows (titles may sit above it)
SKIPPED_SHEETS = {"説明", "記入方法", "記入要領", "使い方", "注意事項", "instructions", "readme"}
EXAMPLE_MARKS = {"例", "記入例", "例）", "(例)", "example"}
CARRIED_FIELDS = ("entity", "plan", "plan_type", "plan_period", "area")  # blank = same as the row above


@dataclass
class Issue:
    """An error or a warning, located as precisely as we can (row = spreadsheet row number)."""

    file: str
    row: int | None
    column: str
    message: str
    sheet: str = ""

    def as_dict(self) -> dict:
        return {"file": self.file, "sheet": self.sheet, "row": self.row, "column": self.column,
                "message": self.message}

    def __str__(self) -> str:
        where = [self.file]
        if self.sheet:
            where.append(f"シート「{self.sheet}」")
        if self.row:
            where.append(f"{self.row}行目")
        if self.column:
            where.append(f"「{self.column}」列")
        return " ".join(where) + ": " + self.message


class FileRejected(Exception):
    def __init__(self, issue: Issue):
        super().__init__(str(issue))
        self.issue = issue


@dataclass
class Sheet:
    name: str  # "" for a CSV
    rows: list[list]  # rows[i] is spreadsheet row i + 1; cells are str, int, float, datetime or None
    encoding: str = ""


# ---------------------------------------------------------------------------------------------- files

def read_file(name: str, data: bytes) -> list[Sheet]:
    """The sheets of an .xlsx or .csv file, or FileRejected with a Japanese message naming the file."""
    lower = name.lower()
    if len(data) > MAX_FILE_BYTES:
        _reject(name, f"ファイルが大きすぎます（{len(data) / 1024 / 1024:.1f} MB）。"
                      f"上限は {MAX_FILE_BYTES // 1024 // 1024} MB です。ファイルを分けて取り込んでください")
    if not data.strip():
        _reject(name, "ファイルが空です")
    if lower.endswith((".xlsx", ".xlsm")):
        return _read_xlsx(name, data)
    if lower.endswith((".csv", ".txt", ".tsv")):
        return [_read_csv(name, data)]
    if lower.endswith(".xls"):
        _reject(name, "古い Excel 形式（.xls）には対応していません。Excel で「.xlsx」形式で保存し直してください")
    _reject(name, "対応していない形式です。.xlsx または .csv のファイルを選んでください")


def _reject(name: str, message: str, row: int | None = None, column: str = "", sheet: str = ""):
    raise FileRejected(Issue(name, row, column, message, sheet))


def decode_text(name: str, data: bytes) -> tuple[str, str]:
    """UTF-8 (with or without BOM) or CP932 (Shift_JIS), detected; anything else is refused."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data[:4096]:
        _reject(name, "文字コードが UTF-16 のようです。CSV は UTF-8 または Shift_JIS（CP932）で保存してください")
    try:
        return data.decode("utf-8-sig"), "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp932")
    except UnicodeDecodeError:
        _reject(name, "文字コードを判別できません。CSV は UTF-8 または Shift_JIS（CP932）で保存してください")
    # EUC-JP and other encodings often decode as CP932 into half-width katakana noise: refuse, don't guess.
    non_ascii = [ch for ch in text if ord(ch) > 0x7F]
    kana = sum(1 for ch in non_ascii if "\uff61" <= ch <= "\uff9f")
    if non_ascii and kana >= 4 and kana >= 0.3 * len(non_ascii):
        _reject(name, "文字コードを判別できません（EUC-JP など）。CSV は UTF-8 または Shift_JIS（CP932）で保存してください")
    return text, "cp932"


def _read_csv(name: str, data: bytes) -> Sheet:
    if data.startswith(b"PK\x03\x04"):
        _reject(name, "CSV ではありません（中身は ZIP/Excel 形式です）。拡張子を確認してください")
    text, encoding = decode_text(name, data)
    first = text.split("\n", 1)[0]
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    try:
        rows = [[cell if cell != "" else None for cell in row]
                for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
    except csv.Error as e:
        _reject(name, f"CSV を読み取れません（{e}）")
    if not any(any(c not in (None, "") for c in r) for r in rows):
        _reject(name, "ファイルが空です")
    return Sheet("", rows, encoding)


def _read_xlsx(name: str, data: bytes) -> list[Sheet]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        _reject(name, "Excel ファイル（.xlsx）として開けません。ファイルが壊れているか、別の形式です")
    with archive:
        names = set(archive.namelist())
        if "xl/workbook.xml" not in names:
            _reject(name, "Excel ファイル（.xlsx）ではありません（ZIP ですが Excel のブックが含まれていません）")
        if sum(i.file_size for i in archive.infolist()) > MAX_UNZIPPED_BYTES:
            _reject(name, "Excel ファイルの展開後のサイズが大きすぎます。ファイルを分けて取り込んでください")
        merges = {}
        for member in names:
            if member.startswith("xl/worksheets/") and member.endswith(".xml"):
                xml = archive.read(member).decode("utf-8", errors="replace")
                merges[member] = re.findall(r'<mergeCell\s+ref="([A-Z]+\d+:[A-Z]+\d+)"', xml)
    try:
        import openpyxl

        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises many kinds for a broken book
        _reject(name, f"Excel ファイル（.xlsx）を読み取れません（{type(e).__name__}）。Excel で開いて保存し直してください")
    sheets = []
    try:
        for ws in book.worksheets:
            if getattr(ws, "sheet_state", "visible") != "visible":
                continue
            if ws.max_row is None or ws.max_column is None:
                ws.reset_dimensions()
            rows = []
            for row in ws.iter_rows(min_row=1):
                rows.append([_xlsx_cell(c) for c in row])
            while rows and all(v is None for v in rows[-1]):
                rows.pop()
            path = getattr(ws, "_worksheet_path", "").lstrip("/")
            _fill_merges(rows, merges.get(path, []))
            sheets.append(Sheet(ws.title, rows))
    except Exception as e:
        _reject(name, f"Excel ファイル（.xlsx）を読み取れません（{type(e).__name__}）。Excel で開いて保存し直してください")
    finally:
        book.close()
    return sheets


def _xlsx_cell(cell):
    value = getattr(cell, "value", None)
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float)):
        fmt = getattr(cell, "number_format", "") or ""
        if "%" in fmt:
            # Excel keeps 37.5% as 0.375: take the number as the user sees it ("percent as written").
            return number_text(round(value * 100, 10)) + "%"
        return value
    return value  # datetime / time


def _fill_merges(rows: list[list], ranges: list[str]) -> None:
    """A merged range (施策 over several KPI rows) means its top-left value in every cell."""
    for ref in ranges:
        (c1, r1), (c2, r2) = (_split_ref(p) for p in ref.split(":"))
        if r1 - 1 >= len(rows):
            continue
        top = rows[r1 - 1][c1 - 1] if c1 - 1 < len(rows[r1 - 1]) else None
        for r in range(r1, min(r2, len(rows)) + 1):
            row = rows[r - 1]
            while len(row) < c2:
                row.append(None)
            for c in range(c1, c2 + 1):
                if (r, c) != (r1, c1):
                    row[c - 1] = top


def _split_ref(ref: str) -> tuple[int, int]:
    m = re.fullmatch(r"([A-Z]+)(\d+)", ref)
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    return col, int(m.group(2))


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
    def join(m: re.Match) -> str:
        return m.group(1) + (" " if m.group(1).isascii() and m.group(2).isascii() else "")

    return re.sub(r"(\S)[ \t\u3000]*[\r\n]+[ \t\u3000]*(?=(\S))", join, str(text)).strip()


def cell_text(value) -> str:
    """What the user sees in a cell, as text."""
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return number_text(value)
    if isinstance(value, datetime):
        return value.strftime("%Y/%m/%d")
    if isinstance(value, date):
        return value.strftime("%Y/%m/%d")
    return str(value)


# --------------------------------------------------------------------------------------------- headers

def norm_header(text) -> str:
    text = unicodedata.normalize("NFKC", cell_text(text))
    return re.sub(r"[\s※*]", "", text).lower()


# field → header spellings (compared after NFKC, without spaces, lower case)
ALIASES: dict[str, tuple[str, ...]] = {
    "entity": ("自治体", "自治体名", "団体", "団体名", "都道府県", "都道府県名", "市区町村", "市町村", "市町村名", "圏域",
               "圏域名", "連携中枢都市圏", "entity", "entity_name"),
    "plan": ("計画", "計画名", "plan", "plan_name"),
    "plan_type": ("計画種別", "計画の種類", "plan_type"),
    "plan_period": ("計画期間", "期間", "plan_period"),
    "area": ("分野", "分野名", "戦略の柱", "柱", "政策分野", "基本目標", "政策", "area", "area_name"),
    "item_code": ("項目", "項目番号", "施策番号", "番号", "item_code", "code"),
    "measure": ("施策", "施策名", "取組", "取組項目", "具体的施策", "具体策", "事業", "事業名", "measure"),
    "kpi_name": ("指標名", "指標", "kpi", "kpi名", "成果指標", "評価指標", "成果指標名", "kpi_name"),
    "kpi_id": ("kpi_id", "指標id"),
    "unit": ("単位", "unit"),
    "direction": ("方向", "方向性", "目指す方向", "目標の方向", "direction"),
    "kind": ("種類", "指標の種類", "定量・定性", "定量/定性", "kind"),
    "cumulative": ("累計", "累計指標", "累計の別", "cumulative"),
    "note": ("備考", "注記", "注", "note"),
    "source": ("出典", "出所", "データ出典", "source"),
    "background": ("背景", "背景・考え方", "考え方", "設定の考え方", "background"),
    "department": ("担当課", "所管課", "担当部局", "担当", "所管", "department"),
    "marker": ("no", "no.", "№", "通し番号", "行番号", "#"),
    # the long layout (one row per value)
    "value_kind": ("種別", "値の種別", "値の種類", "区分", "value_kind"),
    "year": ("年度", "年", "年度・時点", "時点", "year", "year_text", "fiscal_year"),
    "value": ("値", "数値", "原文", "値(原文)", "original_text", "value"),
    "part": ("part", "番号(①②)", "①②"),
    # years of the wide layout's plain value columns
    "baseline_year": ("基準年度", "基準年", "基準値の年度", "基準時点", "基準値年度", "baseline_year"),
    "target_year": ("目標年度", "目標年", "目標値の年度", "目標時点", "目標値年度", "target_year"),
    "actual_year": ("実績年度", "実績年", "実績値の年度", "現状年度", "現状値の年度", "現状時点", "実績時点",
                    "actual_year"),
    "estimate_year": ("見込年度", "見込み年度", "見込みの年度", "estimate_year"),
}
# plain value columns of the wide layout: header → (value_kind, the field holding its year)
VALUE_COLUMNS = {
    "基準値": ("baseline", "baseline_year"), "基準": ("baseline", "baseline_year"), "baseline": ("baseline", "baseline_year"),
    "目標値": ("target", "target_year"), "目標": ("target", "target_year"), "target": ("target", "target_year"),
    "実績値": ("actual", "actual_year"), "実績": ("actual", "actual_year"), "現状値": ("actual", "actual_year"),
    "現状": ("actual", "actual_year"), "actual": ("actual", "actual_year"),
    "見込み": ("estimate", "estimate_year"), "見込": ("estimate", "estimate_year"), "見込値": ("estimate", "estimate_year"),
    "見込み値": ("estimate", "estimate_year"), "estimate": ("estimate", "estimate_year"),
}
FIELD_JA = {
    "entity": "自治体", "plan": "計画", "area": "分野", "item_code": "項目", "measure": "施策", "kpi_name": "指標名",
    "unit": "単位", "direction": "方向", "value_kind": "種別", "year": "年度", "value": "値",
}
_ALIAS_TO_FIELD = {alias: f for f, names in ALIASES.items() for alias in names}


@dataclass
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
    if key in _ALIAS_TO_FIELD:
        return Column(-1, raw, _ALIAS_TO_FIELD[key])
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
    if stripped != key and stripped in _ALIAS_TO_FIELD:
        return Column(-1, raw, _ALIAS_TO_FIELD[stripped])
    if stripped != key and stripped in VALUE_COLUMNS:
        kind, year_field = VALUE_COLUMNS[stripped]
        return Column(-1, raw, "value_col", kind, None, year_field)
    return (f"列見出し「{raw}」が何の列か分かりません。テンプレートの見出し（自治体, 計画, 分野, 項目, 施策, 指標名, 単位, "
            "方向, 基準値, 基準年度, 目標値, 目標年度, R5目標, R5実績, R6見込み など）を使ってください")


def _strip_brackets(key: str) -> str:
    return re.sub(r"[(（\[【][^)）\]】]*[)）\]】]", "", key)


def _is_kpi_header(cell) -> bool:
    k = norm_header(cell)
    return (_ALIAS_TO_FIELD.get(k) or _ALIAS_TO_FIELD.get(_strip_brackets(k))) in ("kpi_name", "kpi_id")


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
    columns: list[Column] = []
    for i, h in enumerate(headers):
        col = classify_header(h)
        if col is None:
            if any(i < len(r) and r[i] not in (None, "") for r in sheet.rows[header_row:]):
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
             if cell_text(h).strip() or any(i < len(r) and r[i] not in (None, "") for r in sheet.rows[header_row:])]
    layout = Layout("long" if long else "wide", header_row, columns, header_row + 1, shown)
    return layout, issues, warnings


def _is_sub_header(top: list, below: list) -> bool:
    """The row under the header holds only years (R4, 2023 …) and sits under a 目標値/実績値 heading."""
    from .eras import parse_year

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


# ------------------------------------------------------------------------------------------------ rows

@dataclass
class Cell:
    raw: object  # the value (after 〃 and merged cells are resolved)
    column: Column
    row: int
    ditto: bool = False  # written as 〃
    carried: bool = False  # blank, taken from the row above (自治体, 計画, 分野)

    @property
    def text(self) -> str:
        return cell_text(self.raw)


@dataclass
class Record:
    """One data row of a sheet."""

    file: str
    sheet: str
    row: int
    layout: str
    cells: dict[str, Cell] = field(default_factory=dict)  # field → cell (not the value columns)
    values: list[Cell] = field(default_factory=list)  # value columns (wide) / the 値 cell (long)

    def text(self, name: str) -> str:
        """A name or code as one line: a line break inside a cell (Alt+Enter, PDF copies) is not part of it."""
        cell = self.cells.get(name)
        return one_line(cell.text) if cell else ""

    def where(self) -> str:
        return f"{self.file}" + (f" シート「{self.sheet}」" if self.sheet else "") + f" {self.row}行目"


DITTO = {"〃", "\u3003", "同上", "″", "\"", "''", "”"}


def records(file: str, sheet: Sheet, layout: Layout) -> tuple[list[Record], list[Issue], list[Issue]]:
    """Data rows as Records, with (errors, warnings); 〃 and blank 自治体/計画/分野 cells take the value above."""
    errors: list[Issue] = []
    warnings: list[Issue] = []
    out: list[Record] = []
    previous: dict[int, object] = {}  # column index → last value (for 〃)
    carried_rows: dict[str, list[int]] = {}
    skipped_blank_kpi: list[int] = []
    marker = layout.by_field("marker")
    for index in range(layout.first_data_row - 1, len(sheet.rows)):
        row = sheet.rows[index]
        number = index + 1
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in row):
            continue
        if marker and marker.index < len(row) and norm_header(row[marker.index]) in EXAMPLE_MARKS:
            warnings.append(Issue(file, number, marker.header, "記入例の行を読み飛ばしました", sheet.name))
            continue
        rec = Record(file, sheet.name, number, layout.kind)
        for col in layout.columns:
            raw = row[col.index] if col.index < len(row) else None
            if isinstance(raw, str) and not raw.strip():
                raw = None
            cell = Cell(raw, col, number)
            if isinstance(raw, str) and raw.strip() in DITTO:
                if previous.get(col.index) is None:
                    errors.append(Issue(file, number, col.header, "「〃」の上のセルに値がありません", sheet.name))
                    continue
                cell = Cell(previous[col.index], col, number, ditto=True)
            elif raw is None and col.field in CARRIED_FIELDS and previous.get(col.index) is not None:
                cell = Cell(previous[col.index], col, number, carried=True)
            if col.field == "value_col" or col.field == "value":
                rec.values.append(cell)
            elif col.field != "marker":
                rec.cells[col.field] = cell
            previous[col.index] = cell.raw
        if not rec.text("kpi_name") and not rec.text("kpi_id"):
            if any(c.raw is not None and not c.ditto for c in rec.values):
                errors.append(Issue(file, number, "指標名", "指標名が空欄です（値のある行には指標名が必要です）", sheet.name))
            else:
                skipped_blank_kpi.append(number)  # a heading or a footnote
            continue
        for cell in rec.cells.values():
            if cell.carried:
                carried_rows.setdefault(cell.column.header, []).append(number)
        out.append(rec)
    for header, rows in carried_rows.items():
        warnings.append(Issue(file, rows[0], header, f"空欄の「{header}」は上の行と同じとみなしました（{_rows_text(rows)}）",
                            sheet.name))
    if skipped_blank_kpi:
        warnings.append(Issue(file, skipped_blank_kpi[0], "指標名",
                            f"指標名も値もない行を読み飛ばしました（{_rows_text(skipped_blank_kpi)}）", sheet.name))
    return out, errors, warnings


def _rows_text(rows: list[int]) -> str:
    shown = ", ".join(str(r) for r in rows[:8])
    return f"{shown} 行目" + (f" ほか{len(rows) - 8}行" if len(rows) > 8 else "")
