"""The plain <sheetData> and shared strings of an .xlsx are read with regular expressions (xlsx_plain.plain_rows,
plain_strings): every sheet must read exactly as through the XML parser, value types included, or fall back to it."""
from __future__ import annotations

import io
import random
import zipfile

import pytest
import xlsxwriter

from kpiboard.importer import reading, xlsx_plain
from scripts.fuzz_import import zip_with  # the fuzz corpus builds its damaged .xlsx the same way

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS = f'xmlns="{MAIN}"'
X14 = ' xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac"'
SHEET, STRINGS = "xl/worksheets/sheet1.xml", "xl/sharedStrings.xml"


def _book() -> bytes:
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = book.add_worksheet("KPI")
    percent, day = book.add_format({"num_format": "0.0%"}), book.add_format({"num_format": "yyyy/mm/dd"})
    for c, h in enumerate(["自治体", "計画", "指標名", "単位", "基準値", "基準年度", "目標値", "目標年度"]):
        ws.write_string(0, c, h)
    ws.write_row(1, 0, ["テスト市", "テスト計画", "指標A", "人"])
    ws.write_number(1, 4, 100)
    ws.write_number(1, 6, 0.375, percent)
    ws.write_datetime(2, 4, __import__("datetime").datetime(2023, 4, 1), day)
    ws.write_boolean(2, 6, True)
    ws.write_formula(3, 4, "=1+1", None, 2)
    book.close()
    return buf.getvalue()


def _sheet(rows: str, root: str = NS, before: str = "", after: str = "") -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet {root}>{before}'
            f"<sheetData>{rows}</sheetData>{after}</worksheet>").encode()


HEAD = '<row r="1">' + "".join(f'<c r="{chr(65 + i)}1" t="s"><v>{i}</v></c>' for i in range(8)) + "</row>"
SHEETS = [
    HEAD + '<row r="2" spans="1:8" x14ac:dyDescent="0.25"><c r="A2" t="s"><v>8</v></c><c r="E2"><v>5</v></c></row>',
    HEAD + "".join(f'<row r="{r}" spans="1:4">' + "".join(f'<c r="{c}{r}"{s} t="s"><v>{v}</v></c>'
                                                          for c, s, v in (("A", "", 8), ("B", ' s="1"', 9), ("C", "", 10),
                                                                          ("D", "", 11)))
                   + "</row>" for r in range(2, 6)),  # rows of text only
    HEAD + '<row r="2" x14ac:dyDescent="0.25"><c r="A2" t="s"><v>8</v></c></row>',  # an undeclared prefix (X14 left out)
    HEAD + '<row r="2" r="3"><c r="A2" t="s"><v>8</v></c></row>',  # a duplicate attribute
    HEAD + '<row r="2"><c t="s"><v>8</v></c><c><v>1</v></c><c r="E2" s="1"><v>0.25</v></c></row>',
    HEAD + '<row><c r="A2" t="s"><v>8</v></c></row><row><c r="A3" t="s"><v>9</v></c></row><row r="3"/>',
    HEAD + '<row r="2"><c r="E2" t="b"><v>1</v></c><c r="F2" t="e"><v>#N/A</v></c><c r="G2" t="str"><v>x</v></c></row>',
    HEAD + '<row r="2"><c r="E2" s="2"><v>45000</v></c><c r="F2" s="1"><v>0.5</v></c><c r="G2" t="d"><v>2023-04-01</v></c></row>',
    HEAD + '<row r="2"><c r="E2"><f>A1&amp;"x"&lt;3</f><v>5</v></c><c r="F2"><f t="shared" si="0"/><v>6</v></c></row>',
    HEAD + '<row r="2"><c r="E2"><f t="a" t="b">1</f><v>5</v></c></row>',
    HEAD + '\n <row r="2">\n  <c r="A2" t="s">\n   <v>8</v>\n  </c>\n  <c r="E2"><v> 7 </v></c><c r="F2"><v/></c></row>\n',
    HEAD + '<row r="2"><!-- a comment --><c r="A2" t="s"><v>8</v></c></row>',
    HEAD + '<row r="2"><c r="A2" t="s"><v>1&#50;</v></c></row>',
    HEAD + '<row r="2"><c r="G2" t="str"><v>日本</v></c></row>',
    HEAD + '<row r="2"><c r="G2" t="str"><v>a]]>b</v></c></row>',
    HEAD + '<row r="2"><c r="A2" t="s"><v>999</v></c></row>',
    HEAD + '<row r="2"><c r="E2"><v>1.2.3</v></c></row>',
    HEAD + '<row r="2"><c r="E2"><v>99999999999999999999</v></c><c r="F2"><v>1e400</v></c><c r="G2"><v>-0.0</v></c></row>',
    HEAD + '<row r="2"><c r="A0" t="s"><v>8</v></c></row>',
    HEAD + '<row r="3"><c r="A3" t="s"><v>8</v></c></row><row r="2"><c r="A2" t="s"><v>9</v></c></row>',
    HEAD + '<row r="2"><c r="A2" t="inlineStr"><is><t>指標X</t></is></c><c r="B2" t="s"><v>9</v></c></row>',
    HEAD + '<row r="2" xmlns="urn:x"><c r="A2" t="s"><v>8</v></c></row>',
]
STRING_TABLES = [
    ["<si><t>自治体</t></si>", '<si><t xml:space="preserve"> 計画 </t></si>', "<si><t>A&amp;B &lt;x&gt;</t></si>",
     "<si><t/></si>", "<si><t>x005F_x000D_指標</t></si>"],
    ["<si><t>自治体</t><rPh sb=\"0\" eb=\"3\"><t>ジチタイ</t></rPh><phoneticPr fontId=\"1\"/></si>"],
    ["<si><r><t>指</t></r><r><t>標</t></r></si>"],
    ["<si><t>a\r\nb</t></si>"],
    ["<si><t>&#x41;</t></si>"],
    ["<!-- c --><si><t>a</t></si>"],
]


def _rows(data: bytes) -> list:
    try:
        sheets = reading.read_file("book.xlsx", data)
    except reading.FileRejected as e:
        return ["rejected", e.issue.message]
    return [(s.name, [[(type(v).__name__, repr(v)) for v in row] for row in s.rows]) for s in sheets]


def _both_ways(data: bytes, monkeypatch) -> tuple[list, list]:
    plain = _rows(data)
    with monkeypatch.context() as m:
        m.setattr(xlsx_plain, "split_sheet", lambda _data: None)
        m.setattr(xlsx_plain, "plain_strings", lambda _data: None)
        parsed = _rows(data)
    return plain, parsed


def _cases() -> list[tuple[str, bytes]]:
    base = _book()
    cases = [("xlsxwriter", base)]
    for i, rows in enumerate(SHEETS):
        cases.append((f"sheet{i}", zip_with(base, {SHEET: _sheet(rows, NS + (X14 if i == 0 else ""))})))
    head = "".join(f"<si><t>{h}</t></si>" for h in "ABCDEFGH")
    for i, items in enumerate(STRING_TABLES):
        table = f'<?xml version="1.0" encoding="UTF-8"?><sst {NS}>{head}{"".join(items)}</sst>'.encode()
        uses = '<row r="2">' + "".join(f'<c r="{chr(65 + j)}2" t="s"><v>{8 + j}</v></c>' for j in range(len(items)))
        cases.append((f"strings{i}", zip_with(base, {STRINGS: table, SHEET: _sheet(HEAD + uses + "</row>")})))
    rng = random.Random(2549)  # the same sheets damaged: both ways must fail (or not) alike
    for name, data in list(cases[1:10]):
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            xml = bytearray(z.read(SHEET))
        for k in range(8):
            damaged = bytearray(xml)
            for _ in range(rng.randint(1, 3)):
                damaged[rng.randrange(len(damaged))] = rng.choice(b'<>/"= r0123456789Acvf&;!\x00\r\n')
            cases.append((f"{name}-damaged{k}", zip_with(data, {SHEET: bytes(damaged)})))
    return cases


@pytest.mark.parametrize("name,data", _cases(), ids=lambda v: v if isinstance(v, str) else "")
def test_a_plain_sheet_reads_as_through_the_xml_parser(name, data, monkeypatch):
    plain, parsed = _both_ways(data, monkeypatch)
    assert plain == parsed


def test_an_xlsxwriter_book_takes_the_plain_way(monkeypatch):
    taken = []
    for fn in ("plain_rows", "plain_strings"):
        original = getattr(xlsx_plain, fn)
        monkeypatch.setattr(xlsx_plain, fn, lambda *a, _f=original, _n=fn: taken.append(_n) or _f(*a))
    rows = _rows(_book())
    assert set(taken) == {"plain_rows", "plain_strings"}
    assert rows[0][1][1][:5] == [("str", "'テスト市'"), ("str", "'テスト計画'"), ("str", "'指標A'"), ("str", "'人'"),
                                 ("int", "100")]
