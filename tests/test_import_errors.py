"""Broken files give a clear Japanese error (file, row, column) and leave the data directory byte-for-byte as it
was; a failure while writing rolls everything back."""
import io
import os
import re
import zipfile

import polars as pl
import pytest

from kpiboard import importer, store
from kpiboard.importer import MAX_FILE_BYTES
from test_import_helpers import WIDE_HEADER, csv_bytes, embedded_copy, fixture, wide_csv

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
GOOD_ROW = ["テスト市", "テスト計画", "分野", "1", "指標", "件", "増加", "10", "R4", "20", "R7", "15"]


def zip_of(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)
    return buf.getvalue()


BROKEN = {
    "wrong encoding (EUC-JP)": ("kpi.csv", wide_csv(GOOD_ROW, encoding="euc_jp"), None, "文字コード"),
    "wrong encoding (UTF-16)": ("kpi.csv", wide_csv(GOOD_ROW, encoding="utf-16"), None, "UTF-16"),
    "missing 指標名 column": ("kpi.csv", csv_bytes([["自治体", "計画", "基準値", "基準年度"], ["テスト市", "計画", "1", "R4"]]),
                             None, "「指標名」の列が見つかりません"),
    "text in 基準値": ("kpi.csv", wide_csv(GOOD_ROW[:7] + ["調査予定"] + GOOD_ROW[8:]), 2, "数値ではありません"),
    "unreadable year header": ("kpi.csv", csv_bytes([["自治体", "計画", "指標名", "令和X年度目標"], ["テスト市", "計画", "指標", "1"]]),
                               1, "年度を読み取れません"),
    "header it cannot place": ("kpi.csv", csv_bytes([["自治体", "計画", "指標名", "R5目標", "達成状況"],
                                                    ["テスト市", "計画", "指標", "1", "○"]]), 1, "達成状況"),
    "empty file": ("kpi.csv", b"", None, "空です"),
    "blank csv": ("kpi.csv", b" \r\n\r\n", None, "空です"),
    "header only": ("kpi.csv", csv_bytes([WIDE_HEADER]), 1, "データ行がありません"),
    "over the size limit": ("big.csv", b"a" * (MAX_FILE_BYTES + 1), None, "大きすぎます"),
    "xlsx that is a zip of something else": ("kpi.xlsx", zip_of({"readme.txt": b"hello", "data/a.csv": b"1,2"}), None,
                                             "Excel ファイル（.xlsx）ではありません"),
    "xlsx that is not a zip": ("kpi.xlsx", "指標名,基準値\n".encode("utf-8"), None, "開けません"),
    "xlsx with a broken workbook": ("kpi.xlsx", zip_of({"xl/workbook.xml": b"<not xml", "[Content_Types].xml": b"x"}), None,
                                    "読み取れません"),
    "old xls": ("kpi.xls", b"\xd0\xcf\x11\xe0" + b"\x00" * 100, None, ".xls"),
    "csv that is an xlsx": ("kpi.csv", zip_of({"xl/workbook.xml": b"x"}), None, "CSV ではありません"),
    "unknown 方向": ("kpi.csv", wide_csv(GOOD_ROW[:6] + ["いい感じ"] + GOOD_ROW[7:]), 2, "方向「いい感じ」"),
    "unreadable 基準年度": ("kpi.csv", wide_csv(GOOD_ROW[:8] + ["来年度"] + GOOD_ROW[9:]), 2, "来年度"),
    "value without a year": ("kpi.csv", csv_bytes([["自治体", "計画", "指標名", "目標値"], ["テスト市", "計画", "指標", "5"]]), 2,
                             "年度が分かりません"),
    "〃 with nothing above": ("kpi.csv", wide_csv(GOOD_ROW[:9] + ["〃"] + GOOD_ROW[10:]), 2, "〃"),
    "two values in one cell": ("kpi.csv", wide_csv(GOOD_ROW[:9] + ["①500 ②50"] + GOOD_ROW[10:]), 2, "複数の値"),
    "unknown kind of entity": ("kpi.csv", wide_csv(["なにか", *GOOD_ROW[1:]]), 2, "判定できません"),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_broken_file_is_a_clear_error_and_changes_nothing(case, tmp_path):
    name, data, row, words = BROKEN[case]
    target = embedded_copy(tmp_path)
    before = store.directory_digest(target)
    # a good file alongside: all or nothing means it is not stored either
    result = importer.import_files([fixture("sakura_region_long_utf8.csv"), (name, data)], target, user="t")
    assert not result.written
    assert store.directory_digest(target) == before
    errors = [e for e in result.errors if e.file == name]
    assert errors, result.errors
    err = errors[0]
    assert words in err.message, err.message
    assert JAPANESE.search(err.message)
    if row is not None:
        assert err.row == row
    if case == "unreadable year header":
        assert err.column == "令和X年度目標"


def test_text_in_baseline_names_the_cell(tmp_path):
    result = importer.import_files([("kpi.csv", wide_csv(GOOD_ROW[:7] + ["調査予定"] + GOOD_ROW[8:]))], tmp_path / "d")
    err = result.errors[0]
    assert (err.file, err.row, err.column) == ("kpi.csv", 2, "基準値")
    assert "「調査予定」" in str(err) and "2行目" in str(err) and "「基準値」列" in str(err)
    assert not (tmp_path / "d").exists()


def test_missing_file_on_disk_is_an_error(tmp_path):
    result = importer.import_paths([tmp_path / "nope.csv"], tmp_path / "d")
    assert result.errors and "開けません" in result.errors[0].message


def _state(directory):
    return store.data_version(directory), store.read_tables(directory)


def _same(a, b):
    return a[0] == b[0] and all(a[1][t].equals(b[1][t]) for t in a[1])


@pytest.mark.parametrize("fail_at", [1, 3, 5])  # the import writes five tables
def test_failure_while_writing_a_table_leaves_every_table_as_it_was(tmp_path, monkeypatch, fail_at):
    """The import is one transaction: a failure at any table (a full disk, say) rolls all of it back."""
    target = embedded_copy(tmp_path)
    before = _state(target)
    real = store._replace_rows
    calls = {"n": 0}

    def flaky(*args):
        calls["n"] += 1
        if calls["n"] == fail_at:
            raise OSError(28, "No space left on device")
        return real(*args)

    monkeypatch.setattr(store, "_replace_rows", flaky)
    result = importer.import_files([fixture("aoba_plan_wide_cp932.csv")], target, user="t")
    assert calls["n"] == fail_at and not result.written
    assert "保存に失敗しました" in result.errors[0].message and "取込前のまま" in result.errors[0].message
    monkeypatch.setattr(store, "_replace_rows", real)
    assert _same(_state(target), before)
    assert importer.import_files([fixture("aoba_plan_wide_cp932.csv")], target, user="t").written  # and it can land


def test_failure_at_commit_leaves_every_table_as_it_was(tmp_path, monkeypatch):
    target = embedded_copy(tmp_path)
    before = _state(target)
    real = store._commit_message

    def failing(cur, *args):
        real(cur, *args)
        cur.execute("SELECT error('simulated failure at commit')")

    monkeypatch.setattr(store, "_commit_message", failing)
    result = importer.import_files([fixture("aoba_plan_wide_cp932.csv")], target, user="t")
    assert not result.written and "保存に失敗しました" in result.errors[0].message
    assert _same(_state(target), before)


def test_failure_while_preparing_tables_leaves_the_directory_as_it_was(tmp_path, monkeypatch):
    target = embedded_copy(tmp_path)
    before = store.directory_digest(target)
    real_conform = store.schema.conform
    seen = []

    def failing(table, frame):
        seen.append(table)
        if table == "observations" and seen.count(table) == 2:  # the 1st is reading the stored table
            raise MemoryError("simulated")
        return real_conform(table, frame)

    monkeypatch.setattr(store.schema, "conform", failing)
    result = importer.import_files([fixture("aoba_plan_wide_cp932.csv")], target, user="t")
    monkeypatch.setattr(store.schema, "conform", real_conform)
    assert not result.written and result.errors
    assert store.directory_digest(target) == before
