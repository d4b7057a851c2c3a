"""Reading KPI sheets for the importer: files → sheets → header → rows with raw cells.

Nothing here parses a figure; it finds out what each column means and which cell sits where, so that
every later message can name the file, sheet, row and column. Bad files are rejected with Japanese
messages (`FileRejected`).
"""
from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from operator import itemgetter

from .eras import YearParseError, parse_year_header
from .parsing import bracket_spans

# Settings of the importer (declared once; the page and the template's instructions quote them).
MAX_FILE_BYTES = 20 * 1024 * 1024  # a larger upload is refused
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024  # an .xlsx that unpacks to more than this is refused (zip bomb)
MAX_RATIO = 100  # a large member (over RATIO_CHECKED_BYTES) packed tighter than this is a zip bomb (real sheets: ~10)
RATIO_CHECKED_BYTES = 10 * 1024 * 1024
MAX_ROWS = 150_000  # rows of one sheet (a 100,000-row sheet imports in seconds)
MAX_COLUMNS = 1_000
MAX_CELLS = 5_000_000  # cells of one file, blanks inside a row included (bounds every later loop)
MAX_TEXT_CHARS = 5_000  # one cell (a value cell: parsing.MAX_VALUE_CHARS)
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
                    data = src.read(_MAX_PLAIN_STRINGS + 1)
                    plain = _plain_strings(data) if len(data) <= _MAX_PLAIN_STRINGS else None
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
    rows of a plain <sheetData> (what Excel and the usual writers produce) read by `_plain_rows`."""
    from openpyxl.worksheet._reader import WorkSheetParser

    percent: dict[int, bool] = {}
    rows: list[list] = []
    with ws._get_source() as src:
        data = src.read(_MAX_PLAIN_BYTES + 1)
    split = _split_sheet(data) if len(data) <= _MAX_PLAIN_BYTES else None
    del data
    try:
        plain_rows = _plain_check(split[1], split[2]) if split else None
    except _NotPlain:
        split = plain_rows = None
    with (io.BytesIO(split[0]) if split else ws._get_source()) as src:
        parser = WorkSheetParser(src, ws._shared_strings, data_only=True, epoch=book.epoch,
                                 date_formats=book._date_formats, timedelta_formats=book._timedelta_formats)
        merges: list[str] = []
        plain = None
        if plain_rows is not None:
            def plain(row_counter: int, columns: dict):
                return _plain_rows(plain_rows, parser, book, percent, row_counter, columns)
        for index, found, ready in _sheet_rows(parser, src, merges, plain):
            if index <= len(rows):
                continue  # a row out of order: openpyxl's reader drops it too
            if ready is not None:  # a plain row: its values already as _xlsx_value gives them
                _check_size(name, index, len(ready), cells, ws.title)
                row = ready
            else:
                width = max((c[0] for c in found), default=0)
                _check_size(name, index, width, cells, ws.title)
                row = [None] * width
                for column, value, style in found:
                    row[column - 1] = _xlsx_value(value, style, book, percent)
            while len(rows) < index - 1:
                rows.append([])
            cells += len(row)
            rows.append(row)
    while rows and all(v is None for v in rows[-1]):
        rows.pop()
    _fill_merges(name, ws.title, rows, merges)
    return Sheet(ws.title, rows)


# A plain <sheetData>: rows of cells as Excel, openpyxl and XlsxWriter write them, read with regular expressions
# (expat's elements and events took ~15 s of a 100,000-row sheet). Only what reads provably the same way is taken:
# ASCII, no comment, entity (but in a formula), character reference, namespace declaration or unknown content;
# anything else, and the whole sheet goes to the XML parser as before.
_WS = "[ \t\n]*"
_TEXT = "[^<&\x00-\x08\x0b-\x1f]"  # character data as written (\r would be normalised; C0 controls are not XML)
_VALUE = '"[^"<&\x00-\x1f]*"'  # an attribute value as written (tabs and line ends would be normalised)
_NAME = "[A-Za-z_][A-Za-z0-9_.-]*"
_C_START = '<c r="([A-Z]{1,3})([0-9]{1,7})"(?: s="([0-9]{1,9})")?(?: t="([A-Za-z]{1,9})")?'
_CELL = ('<c(?: r="([A-Z]{1,3})([0-9]{1,7})")?(?: s="([0-9]{1,9})")?(?: t="([A-Za-z]{1,9})")?' + _WS
         + "(?:/>|>" + _WS + "(?:<f(?: [A-Za-z0-9]{1,16}=" + _VALUE + ")*" + _WS
         + "(?:/>|>(?:" + _TEXT + "|&(?:amp|lt|gt|quot|apos);)*</f>)" + _WS + ")?"
         + "(?:<v>(" + _TEXT + "*)</v>|<v/>)?" + _WS + "</c>)")
_SIMPLE_CELL = _C_START + "(?:/>|><v>(" + _TEXT + "*)</v></c>)"  # what nearly every cell is: one regex pass less


def _uncaptured(pattern: str) -> str:
    return re.sub(r"\((?!\?)", "(?:", pattern)


_TEXT_CELL = '<c r="([A-Z]{1,3})[0-9]{1,7}"(?: s="[0-9]{1,9}")? t="s"><v>([0-9]{1,9})</v></c>'  # a shared string
_CELLS, _SIMPLE_CELLS, _TEXT_CELLS = re.compile(_CELL), re.compile(_SIMPLE_CELL), re.compile(_TEXT_CELL)
_ATTRS = "((?:[ \t\n]+" + _NAME + "(?::" + _NAME + ")?" + _WS + "=" + _WS + _VALUE + ")*)"
_PLAIN_ROW = re.compile(_WS + "<row" + _ATTRS + _WS + "(?:/>|>((?:" + _WS + _uncaptured(_CELL) + ")*)" + _WS
                        + "</row>)")
_SIMPLE_ROW = re.compile('[ \t\n]*<row r="([0-9]{1,9})"' + _ATTRS + ">((?:" + _uncaptured(_SIMPLE_CELL) + ")*)</row>")
_TEXT_ROW = re.compile('[ \t\n]*<row r="([0-9]{1,9})"' + _ATTRS + ">((?:" + _uncaptured(_TEXT_CELL) + ")*)</row>")
_ROW_ATTR = re.compile("[ \t\n]+(" + _NAME + ")(?::(" + _NAME + "))?" + _WS + "=" + _WS + '"([^"]*)"')
_FORMULA_ATTRS = re.compile('<f((?: [A-Za-z0-9]{1,16}="[^"]*")*)')
_FORMULA_ATTR = re.compile(" ([A-Za-z0-9]+)=")
# larger parts are read as a stream, as before (in memory, a sheet's ASCII text takes its size again; shared strings,
# as Python strings, up to twice theirs)
_MAX_PLAIN_BYTES, _MAX_PLAIN_STRINGS = 128 * 1024 * 1024, 32 * 1024 * 1024
_DECLARATION = re.compile(rb'<\?xml[ \t\r\n]+version[ \t\r\n]*=[ \t\r\n]*(?:"1\.0"|\'1\.0\')(?:[ \t\r\n]+encoding[ \t\r\n]*='
                          rb'[ \t\r\n]*(?:"([A-Za-z0-9._-]*)"|\'([A-Za-z0-9._-]*)\'))?(?:[ \t\r\n]+standalone[ \t\r\n]*=[ \t\r\n]*'
                          rb'(?:"(?:yes|no)"|\'(?:yes|no)\'))?[ \t\r\n]*\?>')
_START_TAG = re.compile(rb'<(/?)([A-Za-z_][A-Za-z0-9_.-]*(?::[A-Za-z_][A-Za-z0-9_.-]*)?)((?:[ \t\r\n]+[A-Za-z_]'
                        rb'[A-Za-z0-9_.:-]*[ \t\r\n]*=[ \t\r\n]*(?:"[^"<]*"|\'[^\'<]*\'))*)[ \t\r\n]*(/?)>')
_NS_ATTR = re.compile(rb'[ \t\r\n]+xmlns(?::([A-Za-z_][A-Za-z0-9_.-]*))?[ \t\r\n]*=[ \t\r\n]*(?:"([^"<]*)"|\'([^\'<]*)\')')
_XML_NS = "http://www.w3.org/XML/1998/namespace"


def _root(data: bytes, end: int | None, name: bytes) -> tuple[int, dict[str, str]] | None:
    """(where the root's start tag ends, the namespace prefixes it declares) when `data[:end]` is the XML declaration
    (UTF-8, if any) and elements only, the root named `name` with the sheet's default namespace, no namespace
    declared below it, and the elements balanced back to the root at `end`; else None. end=None: up to the root's
    start tag only."""
    from openpyxl.xml.constants import SHEET_MAIN_NS

    pos = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    declaration = _DECLARATION.match(data, pos)
    if declaration:
        encoding = (declaration.group(1) or declaration.group(2) or b"utf-8").lower()
        if encoding not in (b"utf-8", b"utf8"):
            return None
        pos = declaration.end()
    head = data[pos:end] if end is not None else data[pos:data.find(b">", pos) + 1]
    if b"<!" in head or b"<?" in head:
        return None
    prefixes: dict[str, str] | None = None
    root_end, depth = 0, 0
    i = head.find(b"<")
    while i >= 0:
        tag = _START_TAG.match(head, i)
        if tag is None:
            return None
        closing, tag_name, attributes, empty = tag.groups()
        declared = {m.group(1): m.group(2) if m.group(2) is not None else m.group(3)
                    for m in _NS_ATTR.finditer(attributes)}
        if prefixes is None:
            if closing or empty or tag_name != name or declared.get(None) != SHEET_MAIN_NS.encode() \
                    or any(b"&" in v for v in declared.values()):
                return None
            prefixes = {k.decode(): v.decode() for k, v in declared.items() if k is not None}
            root_end = pos + tag.end()
            if end is None:
                return root_end, prefixes
        elif declared:
            return None
        depth += -1 if closing else 0 if empty else 1
        if depth < 1:
            return None
        i = head.find(b"<", tag.end())
    if depth != 1 or prefixes is None:
        return None
    return root_end, prefixes


def _split_sheet(data: bytes) -> tuple[bytes, str, dict] | None:
    """(the sheet's XML with an empty <sheetData>, the rows' XML, the root's namespace prefixes) when its
    <sheetData> is plain: a child of the root (`_root`) holding ASCII only; else None."""
    start = data.find(b"<sheetData>")
    end = data.find(b"</sheetData>", start)
    if start < 0 or end < 0:
        return None
    root = _root(data, start, b"worksheet")
    if root is None:
        return None
    try:
        content = codecs.ascii_decode(memoryview(data)[start + len(b"<sheetData>"):end])[0]
    except UnicodeDecodeError:
        return None
    return data[:start + len(b"<sheetData>")] + data[end:], content, root[1]


_SI = re.compile('[ \t\n]*<si><t(?: xml:space="[a-z]*")?(?:/>|>((?:[^<&\x00-\x08\x0b-\x1f\ufffe\uffff]'
                 '|&(?:amp|lt|gt|quot|apos);)*)</t>)</si>')
_ENTITY = re.compile("&(amp|lt|gt|quot|apos);")
_ENTITIES = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}


def _plain_strings(data: bytes) -> list[str] | None:
    """The shared strings as read_table reads them, when every one is a plain <si><t>…</t></si> (what XlsxWriter
    and openpyxl write; Excel's phonetic runs are not): a regular expression instead of an element per string."""
    end = data.rfind(b"</sst>")
    if end < 0 or data[end + len(b"</sst>"):].strip(b" \t\r\n"):
        return None
    root = _root(data, None, b"sst")
    if root is None or root[0] > end:
        return None
    try:
        body = data[root[0]:end].decode("utf-8")
    except UnicodeDecodeError:
        return None
    if "]]>" in body or "\r" in body or _SI.sub("", body).strip(" \t\n"):
        return None  # \r would be normalised; anything but plain strings: the XML parser reads it
    return [(_ENTITY.sub(lambda m: _ENTITIES[m.group(1)], text) if "&" in text else text).replace("x005F_", "")
            for text in _SI.findall(body)]


def _plain_check(content: str, prefixes: dict[str, str]) -> list[tuple]:
    """(row match, row number or None, the cells' pattern, their group) of every row of a plain <sheetData>'s XML; _NotPlain if
    any part of it is not of the plain forms (then the XML parser reads it, and says what is wrong with it)."""
    if "]]>" in content:  # not allowed in character data
        raise _NotPlain
    checked = []
    known: dict[str, int | None] = {}  # a row's other attributes (the same on every row, as a rule) → its r, if any
    pos, size = 0, len(content)
    text, simple, plain = _TEXT_ROW.match, _SIMPLE_ROW.match, _PLAIN_ROW.match
    for_text = True  # tried first while rows are of text only
    while pos < size:
        m = text(content, pos) if for_text else None
        if m is None:
            m = simple(content, pos)
            cells = _SIMPLE_CELLS
            for_text = False
        else:
            cells = _TEXT_CELLS
        if m is not None:
            attributes = m.group(2)
            if attributes and _row_number(attributes, prefixes, known) is not None:
                raise _NotPlain  # a second r: an XML error, told by the XML parser
            checked.append((m, int(m.group(1)), cells, 3))
            pos = m.end()
            if len(checked) % 64 == 0:
                for_text = True
            continue
        m = plain(content, pos)
        if m is None:
            if content[pos:].strip(" \t\n"):
                raise _NotPlain
            break
        cells = m.group(2)
        if cells and "<f " in cells:
            for formula in _FORMULA_ATTRS.findall(cells):
                names = _FORMULA_ATTR.findall(formula)
                if len(names) != len(set(names)):
                    raise _NotPlain  # a duplicate attribute
        checked.append((m, _row_number(m.group(1), prefixes, known), _CELLS, 2))
        pos = m.end()
    return checked


def _row_number(attributes: str, prefixes: dict[str, str], known: dict) -> int | None:
    """The r of a row's attributes (None if none); _NotPlain for a duplicate, an undeclared prefix or a namespace
    declaration."""
    if attributes in known:
        return known[attributes]
    seen, number = set(), None
    for prefix, local, value in _ROW_ATTR.findall(attributes):
        if local:
            if prefix == "xmlns" or (prefix != "xml" and prefix not in prefixes):
                raise _NotPlain
            name = (_XML_NS if prefix == "xml" else prefixes[prefix], local)
        elif prefix == "xmlns":
            raise _NotPlain
        else:
            name = ("", prefix)
            if prefix == "r":
                if not (value.isdigit() and len(value) <= 9):
                    raise _NotPlain
                number = int(value)
        if name in seen:
            raise _NotPlain  # a duplicate attribute: an XML error, told by the XML parser
        seen.add(name)
    if len(known) < 1000 and number is None:
        known[attributes] = None
    return number


def _plain_rows(checked: list[tuple], parser, book, percent: dict[int, bool], row_counter: int, columns: dict):
    """`_sheet_rows` for the rows of a plain <sheetData> (`_plain_check`): (row number, None, the row's values as
    `_xlsx_value` gives them) for each row; returns the last row number. Values and failures as the XML parser's
    path has them: the same cells, the same conversions, openpyxl's cell parser for any but the two common ones."""
    from xml.etree.ElementTree import Element, SubElement

    from openpyxl.utils.cell import coordinate_to_tuple
    from openpyxl.worksheet._reader import VALUE_TAG, _cast_number
    from openpyxl.xml.constants import SHEET_MAIN_NS

    strings, dates = parser.shared_strings, parser.date_formats
    texts = [v if v.strip() else None for v in strings]  # _xlsx_value of each shared string
    text_of = texts.__getitem__
    cell_tag = f"{{{SHEET_MAIN_NS}}}c"
    known = 0  # A, B, … up to here are in `columns` (their coordinates read once, as below)
    while known < len(_LETTERS) and _LETTERS[known] in columns:
        known += 1
    for m, number, cells_pattern, group in checked:
        row_counter = number if number is not None else row_counter + 1
        cells = m.group(group)
        if cells_pattern is _TEXT_CELLS:  # shared strings only
            found = _TEXT_CELLS.findall(cells) if cells else ()
            n = len(found)
            if 0 < n <= known:
                letters, values = zip(*found)
                if letters == _LETTERS[:n]:  # A, B, C …: the values in order, read as the loop below reads them
                    yield row_counter, None, list(map(text_of, map(int, values)))
                    continue
            cells_pattern = _SIMPLE_CELLS
        found = cells_pattern.findall(cells) if cells else ()
        row: list = []
        column = 0  # the previous cell's
        for letters, digits, style, kind, value in found:
            if letters:
                col = columns.get(letters)
                if col is None:
                    col = columns[letters] = coordinate_to_tuple(letters + digits)[1]  # raises for a bad coordinate
            else:
                col = column + 1
            if kind == "s":
                value = texts[int(value)] if value else None
            elif (not kind or kind == "n") and not (value and (int(style) if style else 0) in dates):
                if value:
                    value = _cast_number(value)
                    style_id = int(style) if style else 0
                    p = percent.get(style_id)
                    if p is None:
                        p = percent[style_id] = "%" in _number_format(book, style_id)
                    if p:  # Excel keeps 37.5% as 0.375: take the number as the user sees it
                        value = number_text(round(value * 100, 10)) + "%"
                else:
                    value = None
            else:  # a date, a boolean, an error, a formula's text: openpyxl's cell parser, on the same cell
                element = Element(cell_tag, {k: v for k, v in (("r", letters + digits if letters else None),
                                                               ("s", style or None), ("t", kind or None)) if v})
                if value:
                    SubElement(element, VALUE_TAG).text = value
                parser.row_counter, parser.col_counter = row_counter, column
                cell = parser.parse_cell(element)
                col, value = cell["column"], _xlsx_value(cell["value"], cell["style_id"], book, percent)
            column = col
            n = len(row)
            if col == n + 1:
                row.append(value)
            elif col > n:
                row.extend([None] * (col - n - 1))
                row.append(value)
            else:
                row[col - 1] = value
        while known < len(_LETTERS) and _LETTERS[known] in columns:
            known += 1
        yield row_counter, None, row
    return row_counter


class _NotPlain(Exception):
    """A <sheetData> `_plain_rows` does not read: the XML parser reads the sheet."""


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


def _xlsx_value(value, style, book, percent: dict[int, bool]):
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float)):
        style = style or 0
        if style not in percent:
            percent[style] = "%" in _number_format(book, style)
        if percent[style]:
            # Excel keeps 37.5% as 0.375: take the number as the user sees it ("percent as written").
            return number_text(round(value * 100, 10)) + "%"
        return value
    return value  # datetime / time


def _number_format(book, style: int) -> str:
    from openpyxl.styles.numbers import BUILTIN_FORMATS, BUILTIN_FORMATS_MAX_SIZE

    try:
        fmt_id = book._cell_styles[style].numFmtId
        if fmt_id < BUILTIN_FORMATS_MAX_SIZE:
            return BUILTIN_FORMATS.get(fmt_id, "General")
        return book._number_formats[fmt_id - BUILTIN_FORMATS_MAX_SIZE]
    except (IndexError, TypeError, AttributeError):
        return ""  # a style the book does not define: read the number as it is


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


def column_letter(index: int) -> str:
    """0 → A, 26 → AA."""
    out = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


_LETTERS = tuple(column_letter(i) for i in range(MAX_COLUMNS))  # A, B, … as _plain_rows compares them


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
    # the embedded data's own CSVs (data/sources): a document of the sources table and the place in it
    "source_id": ("出典id", "source_id"),
    "source_place": ("出典箇所", "source_place"),
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
    """'目標値(r7)' → '目標値' (`[(（[【][^)）]】]*[)）]】]` removed, in linear time)."""
    out, pos = [], 0
    for start, end in bracket_spans(key):
        out.append(key[pos:start])
        pos = end + 1
    return "".join(out) + key[pos:]


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

GONE = object()  # a 〃 cell with nothing above it: reported, and the cell left out as if it were not there


@dataclass(slots=True, eq=False)
class RowShape:
    """What the records of one sheet share: the attribute columns (a record's `raws`/`texts` by position, `fields`
    naming the position of each field) and the value columns (a record's `vals`)."""

    fields: dict[str, int]
    columns: list[Column]
    value_columns: list[Column]
    getters: dict = field(default_factory=dict)  # names → itemgetter of their texts (`Record.texts_of`)
    year_fields: list = field(default_factory=list)  # per value column: the field holding its year, if not its header

    def getter(self, names: tuple[str, ...]):
        get = self.getters.get(names)
        if get is None:  # a field the sheet lacks: the "" after the last text
            get = self.getters[names] = itemgetter(*(self.fields.get(n, len(self.columns)) for n in names))
        return get


@dataclass(slots=True, eq=False)
class Record:
    """One data row of a sheet. Lists by position rather than a Cell per cell: a 100,000-row sheet's records
    took ~250 MB as cells and dicts."""

    file: str
    sheet: str
    row: int
    layout: str
    shape: RowShape
    raws: list  # attribute cells (after 〃 and carried cells), by shape position; GONE: left out
    texts: list[str]  # their one-line texts ("" when blank or left out), and a last ""
    vals: list  # value cells, by shape.value_columns position: None blank, GONE left out
    dittos: tuple = ()  # positions in vals written as 〃
    gone: bool = False  # an attribute cell was left out (its header is then not the column's)
    source: tuple | None = None  # the planner's (where, given), made once

    def text(self, name: str) -> str:
        """A name or code as one line: a line break inside a cell (Alt+Enter, PDF copies) is not part of it."""
        i = self.shape.fields.get(name)
        return "" if i is None else self.texts[i]

    def texts_of(self, names: tuple[str, ...]) -> tuple[str, ...]:
        """text() of each of `names` (two or more)."""
        return self.shape.getter(names)(self.texts)

    def raw(self, name: str):
        """The value of an attribute cell (None: blank, left out, or no such column)."""
        i = self.shape.fields.get(name)
        if i is None:
            return None
        raw = self.raws[i]
        return None if raw is GONE else raw

    def column(self, name: str) -> Column | None:
        """The column of an attribute cell the row has (None when there is none or it was left out)."""
        i = self.shape.fields.get(name)
        if i is None or self.raws[i] is GONE:
            return None
        return self.shape.columns[i]

    def header(self, name: str, default: str) -> str:
        col = self.column(name)
        return col.header if col is not None else default

    def where(self) -> str:
        return f"{self.file}" + (f" シート「{self.sheet}」" if self.sheet else "") + f" {self.row}行目"


DITTO = {"〃", "\u3003", "同上", "″", "\"", "''", "”"}


def _line_text(raw) -> str:
    """one_line(cell_text(raw)), without the calls for the usual one-line string."""
    if type(raw) is str and "\n" not in raw and "\r" not in raw:
        return raw.strip()
    return "" if raw is None else one_line(cell_text(raw))


def records(file: str, sheet: Sheet, layout: Layout) -> tuple[list[Record], list[Issue], list[Issue]]:
    """Data rows as Records, with (errors, warnings); 〃 and blank 自治体/計画/分野 cells take the value above."""
    errors: list[Issue] = []
    warnings: list[Issue] = []
    out: list[Record] = []
    previous: list = [None] * (max((c.index for c in layout.columns), default=-1) + 1)  # column → last value (〃)
    carried_rows: dict[str, list[int]] = {}
    skipped_blank_kpi: list[int] = []
    marker = layout.by_field("marker")
    attrs = [c for c in layout.columns if c.field not in ("value_col", "value", "marker")]
    vcols = [c for c in layout.columns if c.field in ("value_col", "value")]
    fields: dict[str, int] = {}
    for pos, col in enumerate(attrs):
        fields[col.field] = pos  # two columns for one field (an error of its own): the later one is read
    shape = RowShape(fields, attrs, vcols)
    shape.year_fields = ["year" if layout.kind == "long" else None if c.year is not None else c.year_field
                         for c in vcols]
    carried_order = [fields[f] for f in fields if f in CARRIED_FIELDS]  # where carried cells are looked for
    # per column, once: (column, index, position, 0 = attribute / 1 = value / 2 = marker, carried when blank)
    plan, a, v = [], 0, 0
    for col in layout.columns:
        if col.field in ("value_col", "value"):
            plan.append((col, col.index, v, 1, False))
            v += 1
        elif col.field == "marker":
            plan.append((col, col.index, -1, 2, False))
        else:
            plan.append((col, col.index, a, 0, col.field in CARRIED_FIELDS))
            a += 1
    name_pos, id_pos = fields.get("kpi_name"), fields.get("kpi_id")
    n_attrs = len(attrs)
    rows = sheet.rows
    for index in range(layout.first_data_row - 1, len(rows)):
        row = rows[index]
        number = index + 1
        width = len(row)
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in row):
            continue
        if marker and marker.index < width and row[marker.index] is not None \
                and norm_header(row[marker.index]) in EXAMPLE_MARKS:
            warnings.append(Issue(file, number, marker.header, "記入例の行を読み飛ばしました", sheet.name))
            continue
        raws = [None] * n_attrs
        texts = [""] * (n_attrs + 1)
        vals = []
        dittos = carried = ()
        gone = False
        for col, i, pos, role, carries in plan:
            raw = row[i] if i < width else None
            if raw is not None:
                if type(raw) is str or isinstance(raw, str):
                    text = raw.strip()
                    if not text:
                        raw = None
                    elif len(raw) > MAX_TEXT_CHARS:
                        errors.append(Issue(file, number, col.header, f"セルの文字数が多すぎます（{len(raw):,}文字。"
                                                                      f"1セル{MAX_TEXT_CHARS:,}文字まで）", sheet.name))
                        raw = None
                    elif text in DITTO:
                        raw = previous[i]
                        if raw is None:
                            errors.append(Issue(file, number, col.header, "「〃」の上のセルに値がありません", sheet.name))
                            if role == 1:
                                vals.append(GONE)
                            elif role == 0:
                                raws[pos], gone = GONE, True
                            continue
                        if role == 1:
                            dittos += (pos,)
                            vals.append(raw)
                        elif role == 0:
                            raws[pos] = raw
                            texts[pos] = _line_text(raw)
                        continue  # the cell above stays the one above
                    else:
                        if role == 0:
                            raws[pos] = raw
                            texts[pos] = text if "\n" not in text and "\r" not in text else one_line(raw)
                        elif role == 1:
                            vals.append(raw)
                        previous[i] = raw
                        continue
                else:  # a number, a date …
                    if role == 0:
                        raws[pos] = raw
                        texts[pos] = one_line(cell_text(raw))
                    elif role == 1:
                        vals.append(raw)
                    previous[i] = raw
                    continue
            # blank (or refused): 自治体, 計画 … take the cell above
            if carries:
                raw = previous[i]
                if raw is not None:
                    carried += (pos,)
                    raws[pos] = raw
                    texts[pos] = _line_text(raw)
                    continue
            previous[i] = None
            if role == 1:
                vals.append(None)
        if not (name_pos is not None and texts[name_pos]) and not (id_pos is not None and texts[id_pos]):
            if any(raw is not None and raw is not GONE and j not in dittos for j, raw in enumerate(vals)):
                errors.append(Issue(file, number, "指標名", "指標名が空欄です（値のある行には指標名が必要です）", sheet.name))
            else:
                skipped_blank_kpi.append(number)  # a heading or a footnote
            continue
        if carried:
            for pos in carried_order:
                if pos in carried:
                    carried_rows.setdefault(attrs[pos].header, []).append(number)
        out.append(Record(file, sheet.name, number, layout.kind, shape, raws, texts, vals, dittos, gone))
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
