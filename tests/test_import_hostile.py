"""Hostile input: cells built to make the parser backtrack, huge numbers, zip and XML bombs, 5,000 columns — each is a
Japanese error naming file, row and column, never a traceback; and a preview's plan is written without re-reading."""
import io
import re
import zipfile

import pytest

from kpiboard import db, importer, store
from kpiboard.importer import MAX_COLUMNS, MAX_TEXT_CHARS
from kpiboard.parsing import MAX_DIGITS, ValueParseError, parse_value
from test_import_helpers import WIDE_HEADER, embedded_copy, fixture, wide_csv

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
GOOD_ROW = ["テスト市", "テスト計画", "分野", "1", "指標", "件", "増加", "10", "R4", "20", "R7", "15"]


def errors_of(name, data, tmp_path):
    result = importer.import_files([(name, data)], tmp_path / "never", dry_run=True)
    assert result.errors and all(JAPANESE.search(e.message) for e in result.errors)
    assert not any(p in str(e) for e in result.errors for p in ("/work", "/tmp", "site-packages"))
    return result.errors


@pytest.mark.parametrize("n", [3, 28, 90, 199, 200, 1000, 5000])
def test_digits_x_digits_is_an_error_whatever_its_length(n):
    # exponential in the old amount pattern (90 bytes: 15 s); each size must end in a ValueParseError
    half = n // 2
    with pytest.raises(ValueParseError) as e:
        parse_value("1" * half + "x" + "1" * (n - half - 1))
    assert JAPANESE.search(str(e.value))


@pytest.mark.parametrize("cell, words", [
    ("1" * 40000, "長すぎます"), ("1" * 201, "長すぎます"), ("1" * (MAX_DIGITS + 1), "桁数が多すぎます"),
    ("1" * 310 + "万円", "長すぎます"), ("(" * 150, "数値"), ("1 " * 90, "複数"),
])
def test_long_and_huge_cells_are_clear_errors(cell, words):
    with pytest.raises(ValueParseError, match=words):
        parse_value(cell)


def test_the_largest_allowed_number_still_reads():
    assert parse_value("9" * MAX_DIGITS).value == float("9" * MAX_DIGITS)
    assert parse_value("9兆1,400億円").value == 9.14e12


def test_a_310_digit_number_in_an_xlsx_cell_names_row_and_column(tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    ws = book.active
    ws.append(WIDE_HEADER)
    ws.append(GOOD_ROW[:7] + [123456789] + GOOD_ROW[8:])
    buf = io.BytesIO()
    book.save(buf)
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as z:
        members = {n: z.read(n) for n in z.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    members[sheet] = members[sheet].replace(b"<v>123456789</v>", b"<v>" + b"1" * 310 + b"</v>")  # openpyxl won't write it
    (error,) = errors_of("huge.xlsx", zipped(members), tmp_path)
    assert (error.row, error.column) == (2, "基準値") and "大きすぎます" in error.message


def test_a_text_cell_over_the_cap_is_an_error_there(tmp_path):
    data = wide_csv(GOOD_ROW[:2] + ["長" * (MAX_TEXT_CHARS + 1)] + GOOD_ROW[3:])
    (error,) = errors_of("long.csv", data, tmp_path)
    assert (error.row, error.column) == (2, "分野") and "文字数が多すぎます" in error.message


def test_5000_columns_are_refused(tmp_path):
    data = wide_csv(GOOD_ROW + ["1"] * 5000, header=WIDE_HEADER + ["備考"] * 5000)
    (error,) = errors_of("wide.csv", data, tmp_path)
    assert f"{MAX_COLUMNS:,}列まで" in error.message


def zipped(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


def xlsx_with(replace: dict[str, bytes]) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(WIDE_HEADER)
    book.active.append(GOOD_ROW)
    buf = io.BytesIO()
    book.save(buf)
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as z:
        members = {n: z.read(n) for n in z.namelist()}
    members.update(replace)
    return zipped(members)


BILLION_LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                  + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
                             for i in range(1, 10))
                  + b']><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&lol9;</t></si></sst>')


@pytest.mark.parametrize("case, replace, words", [
    ("billion laughs", {"xl/sharedStrings.xml": BILLION_LAUGHS}, "DTD"),
    ("external entity", {"xl/workbook.xml": b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
                                            b'<workbook>&e;</workbook>'}, "DTD"),
    ("zip bomb", {"xl/worksheets/sheet1.xml": b" " * (210 << 20)}, "展開後のサイズ"),
    ("ratio", {"xl/media/pad.bin": b"\0" * (20 << 20)}, "圧縮率"),
    ("broken sheet xml", {"xl/worksheets/sheet1.xml": b"<worksheet><sheetData><row"}, "読み取れません"),
])
def test_hostile_xlsx_is_a_japanese_error(case, replace, words, tmp_path):
    (error,) = errors_of("bad.xlsx", xlsx_with(replace), tmp_path)
    assert words in error.message


def test_truncated_and_bit_flipped_xlsx_are_errors_not_tracebacks(tmp_path):
    data = xlsx_with({})
    for cut in range(50, len(data), max(len(data) // 40, 1)):
        errors_of("cut.xlsx", data[:cut], tmp_path)
    for i in range(0, len(data), 97):
        flipped = bytearray(data)
        flipped[i] ^= 0x10
        result = importer.import_files([("flip.xlsx", bytes(flipped))], tmp_path / "never", dry_run=True)
        assert all(JAPANESE.search(e.message) for e in result.errors)


def test_merged_range_over_the_whole_sheet_is_bounded(tmp_path):
    data = xlsx_with({})
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        members = {n: z.read(n) for n in z.namelist()}
    sheet = "xl/worksheets/sheet1.xml"  # written by hand: openpyxl's writer makes a cell object per merged cell
    members[sheet] = members[sheet].replace(b"</sheetData>", b'</sheetData><mergeCells count="2"><mergeCell '
                                            b'ref="A2:XFD1048576"/><mergeCell ref="B1:XFD1048576"/></mergeCells>')
    result = importer.import_files([("merged.xlsx", zipped(members))], tmp_path / "never", dry_run=True)
    assert all(JAPANESE.search(e.message) for e in result.errors)


def test_commit_writes_the_previews_plan_without_reading_the_files_again(monkeypatch, tmp_path):
    data = embedded_copy(tmp_path)
    files = [fixture("sakura_region_long_utf8.csv")]
    preview = importer.import_files(files, data, dry_run=True, keep_plan=True, user="preview")
    assert preview.plan is not None and not preview.written
    reads = []
    monkeypatch.setattr(importer.run, "read_file", lambda *a: reads.append(a) or [])
    done = importer.commit(preview, files, data, user="山田")
    assert done.written and not done.errors and reads == []
    assert store.read_manifest(data)["last_import"]["user"] == "山田"
    monkeypatch.undo()
    again = importer.import_files(files, data, dry_run=True)
    assert not again.changed  # what the plan wrote is what an import would have written


def test_commit_plans_again_when_the_data_changed_since_the_preview(tmp_path):
    data = embedded_copy(tmp_path)
    changed = fixture("sakura_region_long_utf8.csv")[1].decode("utf-8").replace('"1,084"', '"1,120"').encode("utf-8")
    preview = importer.import_files([("v2.csv", changed)], data, dry_run=True, keep_plan=True)
    importer.import_files([fixture("sakura_region_long_utf8.csv")], data, user="other")  # someone else, meanwhile
    done = importer.commit(preview, [("v2.csv", changed)], data, user="山田")
    assert done.written and not done.errors
    assert [o["status"] for o in done.observations].count("updated") == 1  # planned against the new data
    history = db.Database(data).cursor().sql("FROM observation_history").pl()
    assert history.filter(history["file_name"] == "v2.csv")["user_name"].to_list() == ["山田"]


def test_the_import_page_never_shows_the_login_name():
    from kpiboard import auth

    source = (store.PACKAGE_ROOT / "pages" / "import_data.py").read_text(encoding="utf-8")
    assert "default_user" not in source and "auth.LOCAL_USER" in source and auth.LOCAL_USER == "ローカル利用者"
