"""Files → sheets of raw cells (size limits, CSV decoding, .xlsx checks, openpyxl); a bad file → FileRejected."""
from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass

from . import xlsx_plain
from .cells import xlsx_value
from .limits import (MAX_CELLS, MAX_COLUMNS, MAX_FILE_BYTES, MAX_RATIO, MAX_ROWS, MAX_UNZIPPED_BYTES,
                     RATIO_CHECKED_BYTES)


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
    head = data[:4096]
    nul_even, nul_odd = head[0::2].count(0), head[1::2].count(0)
    # a BOM, or NULs (the high bytes of ASCII) all on one side of the byte pairs
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or (nul_even + nul_odd >= 2 and not (nul_even and nul_odd)):
        _reject(name, "文字コードが UTF-16 のようです。CSV は UTF-8 または Shift_JIS（CP932）で保存してください")
    if b"\x00" in data:
        line = data.count(b"\n", 0, data.index(b"\x00")) + 1
        _reject(name, f"NUL 文字（0x00）が含まれています（{line}行目付近）。テキストの CSV ではないようです。"
                      "CSV は UTF-8 または Shift_JIS（CP932）で保存してください")  # a line, not a row: no row
    try:
        return data.decode("utf-8-sig"), "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp932")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        _reject(name, f"文字コードを判別できません（{line}行目付近に UTF-8 でも Shift_JIS でもない文字があります）。"
                      "CSV は UTF-8 または Shift_JIS（CP932）で保存してください")
    # EUC-JP and other encodings often decode as CP932 into half-width katakana noise: refuse, don't guess.
    non_ascii = len(text) - len(text.encode("ascii", "ignore"))
    kana = _HALF_KANA.subn("", text)[1] if non_ascii else 0  # counted without a list of 20 million characters
    if non_ascii and kana >= 4 and kana >= 0.3 * non_ascii:
        _reject(name, "文字コードを判別できません（EUC-JP など）。CSV は UTF-8 または Shift_JIS（CP932）で保存してください")
    return text, "cp932"


_HALF_KANA = re.compile("[\uff61-\uff9f]")


def _read_csv(name: str, data: bytes) -> Sheet:
    if data.startswith(b"PK\x03\x04"):
        _reject(name, "CSV ではありません（中身は ZIP/Excel 形式です）。拡張子を確認してください")
    text, encoding = decode_text(name, data)
    first = text.split("\n", 1)[0]
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    rows: list[list] = []
    cells = 0
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for row in reader:
            _check_size(name, len(rows) + 1, len(row), cells)
            cells += len(row)
            rows.append([cell or None for cell in row])  # "" → None
    except csv.Error:
        _reject(name, "CSV を読み取れません（引用符「\"」の対応が取れていないか、セルが長すぎます）", row=reader.line_num)
    if not any(any(c not in (None, "") for c in r) for r in rows):
        _reject(name, "ファイルが空です")
    return Sheet("", rows, encoding)


def _check_size(name: str, row: int, width: int, cells: int, sheet: str = "") -> None:
    """Row `row` of `width` cells, after `cells` cells: refuse a sheet too large to check in seconds."""
    if row > MAX_ROWS:
        _reject(name, f"行が多すぎます（{MAX_ROWS:,}行まで）。ファイルを分けて取り込んでください", row=row, sheet=sheet)
    if width > MAX_COLUMNS:
        _reject(name, f"列が多すぎます（{width:,}列。{MAX_COLUMNS:,}列まで）。不要な列を削除してください", row=row,
                sheet=sheet)
    if cells + width > MAX_CELLS:
        _reject(name, f"セルが多すぎます（{MAX_CELLS:,}セルまで）。ファイルを分けて取り込んでください", row=row, sheet=sheet)


def _read_xlsx(name: str, data: bytes) -> list[Sheet]:
    """Every failure of a broken or hostile book (zip, zlib, XML, openpyxl, memory) is a Japanese error."""
    try:
        return _read_xlsx_checked(name, data)
    except FileRejected:
        raise
    except MemoryError:
        _reject(name, "Excel ファイルが大きすぎて読み取れません。ファイルを分けて取り込んでください")
    except Exception as e:  # noqa: BLE001 - zipfile, zlib, expat, lxml and openpyxl raise many kinds
        _reject(name, f"Excel ファイル（.xlsx）を読み取れません（{_XLSX_FAILURES.get(type(e).__name__, type(e).__name__)}）。"
                      "ファイルが壊れている可能性があります。Excel で開いて保存し直してください")


_XLSX_FAILURES = {"BadZipFile": "ZIP の構造が壊れています", "error": "圧縮データが壊れています",
                  "NotImplementedError": "対応していない ZIP の形式です", "ParseError": "XML が壊れています",
                  "XMLSyntaxError": "XML が壊れています", "KeyError": "必要な部品がありません",
                  "EOFError": "ファイルが途中で切れています", "OverflowError": "数値が大きすぎます",
                  "ValueError": "内容が不正です", "TypeError": "内容が不正です", "IndexError": "参照が不正です",
                  "AttributeError": "内容が不正です", "UnicodeDecodeError": "文字コードが不正です",
                  "RecursionError": "構造が深すぎます"}
_DTD_MARKS = (b"<!DOCTYPE", b"<!ENTITY")
_ROOT_START = re.compile(rb"<[A-Za-z_]")


def _check_archive(name: str, archive: zipfile.ZipFile) -> None:
    """Refuse zip bombs, encrypted or exotic members and XML with a DTD (entity bombs) before openpyxl reads."""
    infos = archive.infolist()
    if sum(i.file_size for i in infos) > MAX_UNZIPPED_BYTES:  # zipfile never yields more than file_size
        _reject(name, "Excel ファイルの展開後のサイズが大きすぎます。ファイルを分けて取り込んでください")
    for info in infos:
        if info.file_size > RATIO_CHECKED_BYTES and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            _reject(name, "Excel ファイルの圧縮率が異常です（展開すると極端に大きくなります）。取り込めません")
        if info.flag_bits & 0x1:
            _reject(name, "パスワード付き（暗号化された）Excel ファイルは読み取れません。パスワードを外して保存してください")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            _reject(name, "対応していない圧縮方式の Excel ファイルです。Excel で開いて保存し直してください")
    for info in infos:
        if info.filename.lower().endswith((".xml", ".rels", ".vml")) and _has_dtd(archive, info):
            _reject(name, "Excel ファイルに DTD（文書型宣言）が含まれています。安全のため取り込みません")


def _has_dtd(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    """A DTD must come before the root element: read only up to it (UTF-16 XML: NULs dropped)."""
    seen = b""
    with archive.open(info) as member:
        while chunk := member.read(65536):
            seen = (seen[-16:] + chunk).replace(b"\x00", b"")
            root = _ROOT_START.search(seen)
            prolog = seen[:root.start()] if root else seen
            if any(mark in prolog for mark in _DTD_MARKS):
                return True
            if root:
                return False
    return False


def _read_xlsx_checked(name: str, data: bytes) -> list[Sheet]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        _reject(name, "Excel ファイル（.xlsx）として開けません。ファイルが壊れているか、別の形式です")
    with archive:
        if "xl/workbook.xml" not in set(archive.namelist()):
            _reject(name, "Excel ファイル（.xlsx）ではありません（ZIP ですが Excel のブックが含まれていません）")
        _check_archive(name, archive)

    book = _load_book(io.BytesIO(data))
    try:
        sheets, cells = [], 0
        for ws in book.worksheets:
            if getattr(ws, "sheet_state", "visible") != "visible" or not hasattr(ws, "_get_source"):
                continue
            sheet = _read_sheet(name, book, ws, cells)
            cells += sum(len(r) for r in sheet.rows)
            sheets.append(sheet)
        return sheets
    finally:
        book.close()


def _load_book(source):
    """openpyxl.load_workbook(read_only=True, data_only=True), with the shared strings read faster: a plain <si><t>
    (nearly all of them) is taken as it is; any other goes to openpyxl's Text, as openpyxl reads it."""
    from openpyxl.cell.text import Text
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.reader.strings import iterparse
    from openpyxl.xml.constants import SHEET_MAIN_NS

    si, t = f"{{{SHEET_MAIN_NS}}}si", f"{{{SHEET_MAIN_NS}}}t"

    def read_table(xml_source) -> list[str]:
        strings = []
        for _, node in iterparse(xml_source):
            if node.tag == si:
                first = node[0] if len(node) == 1 else None
                if first is not None and first.tag == t and not len(first) and set(first.attrib) <= _SPACE_ATTRS:
                    text = first.text or ""
                else:
                    text = Text.from_tree(node).content
                node.clear()
                strings.append(text.replace("x005F_", ""))
        return strings

    class Reader(ExcelReader):
        def read_strings(self):
            from openpyxl.reader.excel import SHARED_STRINGS

            ct = self.package.find(SHARED_STRINGS)
            if ct is not None:
                with self.archive.open(ct.PartName[1:]) as src:
                    data = src.read(xlsx_plain.MAX_PLAIN_STRINGS + 1)
                    plain = xlsx_plain.plain_strings(data) if len(data) <= xlsx_plain.MAX_PLAIN_STRINGS else None
                    if plain is None:
                        with self.archive.open(ct.PartName[1:]) as again:
                            plain = read_table(again)
                    self.shared_strings = plain

    reader = Reader(source, read_only=True, data_only=True)
    reader.read()
    return reader.wb


_SPACE_ATTRS = {"{http://www.w3.org/XML/1998/namespace}space"}


def _read_sheet(name: str, book, ws, cells: int) -> Sheet:
    """One worksheet, streamed (read-only cells cost twice the time and pad every row to the sheet's declared width,
    which a hostile file sets to 16,384 columns). openpyxl reads the book (styles, shared strings, dates); the rows
    are walked here, with openpyxl's own cell parser for every cell but plain numbers and shared strings, and the
    rows of a plain <sheetData> (what Excel and the usual writers produce) read by `xlsx_plain.plain_rows`."""
    from openpyxl.worksheet._reader import WorkSheetParser

    percent: dict[int, bool] = {}
    rows: list[list] = []
    with ws._get_source() as src:
        data = src.read(xlsx_plain.MAX_PLAIN_BYTES + 1)
    split = xlsx_plain.split_sheet(data) if len(data) <= xlsx_plain.MAX_PLAIN_BYTES else None
    del data
    try:
        plain_rows = xlsx_plain.plain_check(split[1], split[2]) if split else None
    except xlsx_plain.NotPlain:
        split = plain_rows = None
    with (io.BytesIO(split[0]) if split else ws._get_source()) as src:
        parser = WorkSheetParser(src, ws._shared_strings, data_only=True, epoch=book.epoch,
                                 date_formats=book._date_formats, timedelta_formats=book._timedelta_formats)
        merges: list[str] = []
        plain = None
        if plain_rows is not None:
            def plain(row_counter: int, columns: dict):
                return xlsx_plain.plain_rows(plain_rows, parser, book, percent, row_counter, columns)
        for index, found, ready in _sheet_rows(parser, src, merges, plain):
            if index <= len(rows):
                continue  # a row out of order: openpyxl's reader drops it too
            if ready is not None:  # a plain row: its values already as xlsx_value gives them
                _check_size(name, index, len(ready), cells, ws.title)
                row = ready
            else:
                width = max((c[0] for c in found), default=0)
                _check_size(name, index, width, cells, ws.title)
                row = [None] * width
                for column, value, style in found:
                    row[column - 1] = xlsx_value(value, style, book, percent)
            while len(rows) < index - 1:
                rows.append([])
            cells += len(row)
            rows.append(row)
    while rows and all(v is None for v in rows[-1]):
        rows.pop()
    _fill_merges(name, ws.title, rows, merges)
    return Sheet(ws.title, rows)


def _sheet_rows(parser, src, merges: list[str], plain=None):
    """(row number, [(column, value, style id)], None) of each <row>, as openpyxl's WorkSheetParser.parse would give
    them, with the same XML parser, at two thirds of its cost: the two common cells (a number, a shared string) are
    read here; any other cell goes to `parser.parse_cell`. Merged ranges are appended to `merges`. `plain`: the rows
    taken out of the (first) <sheetData>, yielded where it ends."""
    from openpyxl.utils.cell import coordinate_to_tuple
    from openpyxl.worksheet._reader import (CF_TAG, COL_BREAK_TAG, COL_TAG, CUSTOM_VIEWS_TAG, EXT_TAG, FILTER_TAG,
                                            FORMAT_TAG, HEADER_TAG, HYPERLINK_TAG, LEGACY_TAG, MARGINS_TAG, MERGE_TAG,
                                            PAGE_TAG, PRINT_TAG, PROPERTIES_TAG, PROT_TAG, ROW_BREAK_TAG, ROW_TAG,
                                            SCENARIOS_TAG, TABLE_TAG, VALIDATION_TAG, VALUE_TAG, VIEWS_TAG, AutoFilter,
                                            DataValidationList, HeaderFooter, HyperlinkList, MergeCells, PageMargins,
                                            PrintOptions, PrintPageSetup, ScenarioList, SheetFormatProperties,
                                            SheetViewList, TablePartList, WorksheetProperties, _cast_number, iterparse)
    from openpyxl.xml.constants import SHEET_MAIN_NS

    properties = {  # what openpyxl's parse reads besides rows: read the same way, so that it fails the same way
        PRINT_TAG: ('print_options', PrintOptions), MARGINS_TAG: ('page_margins', PageMargins),
        PAGE_TAG: ('page_setup', PrintPageSetup), HEADER_TAG: ('HeaderFooter', HeaderFooter),
        FILTER_TAG: ('auto_filter', AutoFilter), VALIDATION_TAG: ('data_validations', DataValidationList),
        PROPERTIES_TAG: ('sheet_properties', WorksheetProperties), VIEWS_TAG: ('views', SheetViewList),
        FORMAT_TAG: ('sheet_format', SheetFormatProperties), SCENARIOS_TAG: ('scenarios', ScenarioList),
        TABLE_TAG: ('tables', TablePartList), HYPERLINK_TAG: ('hyperlinks', HyperlinkList),
        MERGE_TAG: ('merged_cells', MergeCells)}
    dispatcher = {COL_TAG: parser.parse_column_dimensions, PROT_TAG: parser.parse_sheet_protection,
                  EXT_TAG: parser.parse_extensions, CF_TAG: parser.parse_formatting, LEGACY_TAG: parser.parse_legacy,
                  ROW_BREAK_TAG: parser.parse_row_breaks, COL_BREAK_TAG: parser.parse_col_breaks,
                  CUSTOM_VIEWS_TAG: parser.parse_custom_views}
    strings, dates = parser.shared_strings, parser.date_formats
    columns: dict[str, int] = {}  # "AB" → 28
    digits = "0123456789"
    row_counter = 0
    sheet_data = f"{{{SHEET_MAIN_NS}}}sheetData"
    for _, element in iterparse(src):  # openpyxl's parser (defusedxml when installed)
        tag = element.tag
        if tag != ROW_TAG:
            if tag == sheet_data and plain is not None:
                row_counter = yield from plain(row_counter, columns)
                plain = None
            elif tag in dispatcher:
                dispatcher[tag](element)
                element.clear()
            elif tag in properties:
                name, kind = properties[tag]
                setattr(parser, name, kind.from_tree(element))
                element.clear()
            continue
        number = element.get("r")
        if number is not None:
            try:
                row_counter = int(number)
            except ValueError:
                value = float(number)
                if not value.is_integer():
                    raise ValueError(f"{number} is not a valid row number") from None
                row_counter = int(value)
        else:
            row_counter += 1
        col_counter = 0
        found = []
        for c in element:
            kind, coordinate, style = c.get("t"), c.get("r"), c.get("s")
            column = None
            if coordinate:
                letters = coordinate.rstrip(digits)
                column = columns.get(letters) if len(letters) < len(coordinate) else None
                if column is None:
                    column = coordinate_to_tuple(coordinate)[1]  # raises for a bad coordinate, as openpyxl does
                    if letters and len(letters) < len(coordinate) and coordinate[len(letters):].isascii():
                        columns[letters] = column
            if (kind is None or kind == "n" or kind == "s") and (style is None or style.isascii() and style.isdigit()):
                style = int(style) if style else 0
                value = c.findtext(VALUE_TAG) or None
                if value is not None:
                    if kind == "s":
                        value = strings[int(value)]
                    elif style in dates:
                        value = _DATE  # openpyxl converts it (and says when it cannot)
                    else:
                        value = _cast_number(value)
                if value is not _DATE:
                    col_counter = column if coordinate else col_counter + 1
                    found.append((col_counter, value, style))
                    continue
            parser.row_counter, parser.col_counter = row_counter, col_counter
            cell = parser.parse_cell(c)
            col_counter = parser.col_counter
            found.append((cell["column"], cell["value"], cell["style_id"]))
        element.clear()
        yield row_counter, found, None
    merges.extend(m.ref for m in getattr(parser.merged_cells, "mergeCell", None) or [])


_DATE = object()


def _fill_merges(name: str, sheet: str, rows: list[list], ranges: list[str]) -> None:
    """A merged range (施策 over several KPI rows) means its top-left value in every cell. Ranges are clipped to the
    cells the sheet has, and their total is bounded (a hostile file merges A1:XFD1048576 many times)."""
    width = max((len(r) for r in rows), default=0)
    filled = 0
    for ref in ranges:
        ends = [_split_ref(p) for p in str(ref).split(":")]
        if len(ends) != 2 or None in ends:
            continue
        (c1, r1), (c2, r2) = ends
        c2, r2 = min(c2, width), min(r2, len(rows))
        if r1 < 1 or c1 < 1 or r1 > r2 or c1 > c2:
            continue
        filled += (r2 - r1 + 1) * (c2 - c1 + 1)
        if filled > MAX_CELLS:
            _reject(name, "結合セルが多すぎます。結合を解除してから取り込んでください", sheet=sheet)
        top = rows[r1 - 1][c1 - 1] if c1 - 1 < len(rows[r1 - 1]) else None
        for r in range(r1, r2 + 1):
            row = rows[r - 1]
            if len(row) < c2:
                row.extend([None] * (c2 - len(row)))
            for c in range(c1, c2 + 1):
                if (r, c) != (r1, c1):
                    row[c - 1] = top


def _split_ref(ref: str) -> tuple[int, int] | None:
    m = re.fullmatch(r"\$?([A-Z]{1,3})\$?(\d{1,7})", ref.strip().upper())
    if not m:
        return None
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    return col, int(m.group(2))
