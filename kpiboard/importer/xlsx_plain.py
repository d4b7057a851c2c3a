"""The fast way through a plain .xlsx: its <sheetData> rows and shared strings read with linear regular expressions."""
from __future__ import annotations

import codecs
import re

from .cells import column_letter, number_format, number_text, xlsx_value
from .limits import MAX_COLUMNS

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
MAX_PLAIN_BYTES, MAX_PLAIN_STRINGS = 128 * 1024 * 1024, 32 * 1024 * 1024
_DECLARATION = re.compile(rb'<\?xml[ \t\r\n]+version[ \t\r\n]*=[ \t\r\n]*(?:"1\.0"|\'1\.0\')(?:[ \t\r\n]+encoding[ \t\r\n]*='
                          rb'[ \t\r\n]*(?:"([A-Za-z0-9._-]*)"|\'([A-Za-z0-9._-]*)\'))?(?:[ \t\r\n]+standalone[ \t\r\n]*=[ \t\r\n]*'
                          rb'(?:"(?:yes|no)"|\'(?:yes|no)\'))?[ \t\r\n]*\?>')
_START_TAG = re.compile(rb'<(/?)([A-Za-z_][A-Za-z0-9_.-]*(?::[A-Za-z_][A-Za-z0-9_.-]*)?)((?:[ \t\r\n]+[A-Za-z_]'
                        rb'[A-Za-z0-9_.:-]*[ \t\r\n]*=[ \t\r\n]*(?:"[^"<]*"|\'[^\'<]*\'))*)[ \t\r\n]*(/?)>')
_NS_ATTR = re.compile(rb'[ \t\r\n]+xmlns(?::([A-Za-z_][A-Za-z0-9_.-]*))?[ \t\r\n]*=[ \t\r\n]*(?:"([^"<]*)"|\'([^\'<]*)\')')
_XML_NS = "http://www.w3.org/XML/1998/namespace"
_LETTERS = tuple(column_letter(i) for i in range(MAX_COLUMNS))  # A, B, … as plain_rows compares them


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


def split_sheet(data: bytes) -> tuple[bytes, str, dict] | None:
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


def plain_strings(data: bytes) -> list[str] | None:
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


def plain_check(content: str, prefixes: dict[str, str]) -> list[tuple]:
    """(row match, row number or None, the cells' pattern, their group) of every row of a plain <sheetData>'s XML; NotPlain if
    any part of it is not of the plain forms (then the XML parser reads it, and says what is wrong with it)."""
    if "]]>" in content:  # not allowed in character data
        raise NotPlain
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
                raise NotPlain  # a second r: an XML error, told by the XML parser
            checked.append((m, int(m.group(1)), cells, 3))
            pos = m.end()
            if len(checked) % 64 == 0:
                for_text = True
            continue
        m = plain(content, pos)
        if m is None:
            if content[pos:].strip(" \t\n"):
                raise NotPlain
            break
        cells = m.group(2)
        if cells and "<f " in cells:
            for formula in _FORMULA_ATTRS.findall(cells):
                names = _FORMULA_ATTR.findall(formula)
                if len(names) != len(set(names)):
                    raise NotPlain  # a duplicate attribute
        checked.append((m, _row_number(m.group(1), prefixes, known), _CELLS, 2))
        pos = m.end()
    return checked


def _row_number(attributes: str, prefixes: dict[str, str], known: dict) -> int | None:
    """The r of a row's attributes (None if none); NotPlain for a duplicate, an undeclared prefix or a namespace
    declaration."""
    if attributes in known:
        return known[attributes]
    seen, number = set(), None
    for prefix, local, value in _ROW_ATTR.findall(attributes):
        if local:
            if prefix == "xmlns" or (prefix != "xml" and prefix not in prefixes):
                raise NotPlain
            name = (_XML_NS if prefix == "xml" else prefixes[prefix], local)
        elif prefix == "xmlns":
            raise NotPlain
        else:
            name = ("", prefix)
            if prefix == "r":
                if not (value.isdigit() and len(value) <= 9):
                    raise NotPlain
                number = int(value)
        if name in seen:
            raise NotPlain  # a duplicate attribute: an XML error, told by the XML parser
        seen.add(name)
    if len(known) < 1000 and number is None:
        known[attributes] = None
    return number


def plain_rows(checked: list[tuple], parser, book, percent: dict[int, bool], row_counter: int, columns: dict):
    """`reading._sheet_rows` for the rows of a plain <sheetData> (`plain_check`): (row number, None, the row's values as
    `xlsx_value` gives them) for each row; returns the last row number. Values and failures as the XML parser's
    path has them: the same cells, the same conversions, openpyxl's cell parser for any but the two common ones."""
    from xml.etree.ElementTree import Element, SubElement

    from openpyxl.utils.cell import coordinate_to_tuple
    from openpyxl.worksheet._reader import VALUE_TAG, _cast_number
    from openpyxl.xml.constants import SHEET_MAIN_NS

    strings, dates = parser.shared_strings, parser.date_formats
    texts = [v if v.strip() else None for v in strings]  # xlsx_value of each shared string
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
                        p = percent[style_id] = "%" in number_format(book, style_id)
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
                col, value = cell["column"], xlsx_value(cell["value"], cell["style_id"], book, percent)
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


class NotPlain(Exception):
    """A <sheetData> `plain_rows` does not read: the XML parser reads the sheet."""

