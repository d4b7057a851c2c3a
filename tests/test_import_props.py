"""Property-based tests: random cells, headers and files never make the importer raise — it returns a value or an
error (with file, row and column)."""
import math
from datetime import datetime

from hypothesis import HealthCheck, given, settings, strategies as st

from kpiboard import importer
from kpiboard.eras import YearParseError, parse_year_header
from test_import_helpers import WIDE_HEADER, csv_bytes

CELL_ALPHABET = list("0123456789０１２３,.，．%％万億兆千百円人件位以上下内ほぼ約見込み累計現状維持（）()【】▲△−－-〃―①②"
                     " RHS令和平成年度月.～~/\n検討中策定全国上位")
cells = st.text(alphabet=st.sampled_from(CELL_ALPHABET), max_size=16) | st.text(max_size=24)
any_cell = (cells | st.integers(-10**15, 10**15) | st.floats(allow_nan=True, allow_infinity=True)
            | st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2100, 1, 1)) | st.none() | st.booleans())


@settings(max_examples=500, deadline=None)
@given(any_cell, st.booleans())
def test_a_cell_gives_a_value_or_an_error_never_an_exception(raw, qualitative):
    parsed, error = importer.try_parse_cell(raw, qualitative)
    assert (parsed is None) != (error is None)
    if error is not None:
        assert isinstance(error, str) and error
    else:
        assert parsed.value is None or (isinstance(parsed.value, float) and math.isfinite(parsed.value))


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("RHS令和平成元年度目標値実績見込み基準現状（）()0123456789０１ ～-")), max_size=12)
       | st.text(max_size=16)
       | st.sampled_from(["令和X年度目標", "Ｒ４Ｘ実績", "目標（令和Ｘ）", "　ＲＸ目標値　"]))  # headers that are errors
def test_a_header_is_a_year_header_nothing_or_a_year_error(text):
    try:
        got = parse_year_header(text)
    except YearParseError as e:
        # what the user sees: Japanese, quoting the header exactly as they typed it (not its NFKC form)
        assert str(e).startswith(f"列見出し「{text}」の年度を読み取れません（例: "), str(e)
        return
    assert got is None or got[0] in ("baseline", "target", "actual", "estimate")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(cells, min_size=len(WIDE_HEADER), max_size=len(WIDE_HEADER)), min_size=1, max_size=6),
       st.sampled_from(["utf-8", "utf-8-sig", "cp932"]))
def test_a_sheet_of_random_cells_never_raises(tmp_path, rows, encoding):
    try:
        data = csv_bytes([WIDE_HEADER, *rows], encoding)
    except UnicodeEncodeError:
        data = csv_bytes([WIDE_HEADER, *rows], "utf-8")
    result = importer.import_files([("random.csv", data)], tmp_path / "never", dry_run=True)
    for issue in result.errors + result.warnings:
        assert issue.file == "random.csv" and issue.message
        assert issue.row is None or 1 <= issue.row <= len(rows) + 1
    for o in result.observations:
        assert o["value"] is None or math.isfinite(o["value"])
        assert o["value_kind"] in ("baseline", "target", "actual", "estimate")
    assert not (tmp_path / "never").exists()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=400), st.sampled_from(["x.csv", "x.xlsx", "x.txt", "x.pdf"]))
def test_random_bytes_are_an_error_not_an_exception(tmp_path, data, name):
    result = importer.import_files([(name, data)], tmp_path / "never", dry_run=True)
    assert result.errors and all(e.file == name and e.message for e in result.errors)
    assert not (tmp_path / "never").exists()
