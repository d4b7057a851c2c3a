"""導入前後の比較 (committee ask 001): a start day for initiatives and imported 施策 (measure_starts), the comparison
query and its view, the 施策・予算 tab (AppTest). Imports go into a copy of the embedded data, never into data/."""
import io
import json
from datetime import date, datetime

import polars as pl
import pytest

from helpers import app_test
from kpiboard import before_after, db, importer, status, store
from kpiboard.build import build_tables
from kpiboard.eras import DateParseError, era_month, fiscal_year_of, parse_date
from test_import_helpers import csv_bytes, embedded_copy

PLAN = "みどり市広報計画"
MEASURE = "LINE公式アカウントの開設"
HEADER = ["自治体", "計画", "施策", "施策開始日", "指標名", "単位", "方向", "基準値", "基準年度", "目標値", "目標年度",
          "R4実績", "R5実績", "R6実績", "R7実績"]
LINE_ROWS = [
    ["みどり市", PLAN, MEASURE, "R6.4.1", "LINE友だち登録者数", "人", "増加", "1000", "R3", "5000", "R8",
     "1200", "1500", "2600", "3100"],
    ["みどり市", PLAN, MEASURE, "2024/4/1", "LINE経由の申請件数", "件", "増加", "10", "R3", "500", "R8", "", "40", "120", ""],
    ["みどり市", PLAN, MEASURE, "", "広報の満足度の順位", "位", "順位", "30", "R3", "10", "R8", "28", "25", "20", "18"],
    ["みどり市", PLAN, "窓口の案内", "", "窓口の待ち時間", "分", "減少", "30", "R3", "15", "R8", "29", "", "", ""],
]


def line_csv(rows=LINE_ROWS, header=HEADER) -> tuple[str, bytes]:
    return "line.csv", csv_bytes([header, *rows])


@pytest.fixture(autouse=True)
def embedded(monkeypatch):
    monkeypatch.delenv("KPIBOARD_DATA_DIR", raising=False)


@pytest.fixture()
def imported(tmp_path):
    """A copy of the embedded data with the LINE sheet imported."""
    d = embedded_copy(tmp_path)
    r = importer.import_files([line_csv()], d)
    assert r.errors == [] and r.written, r.errors
    return d


def start_of(directory, **where) -> dict:
    starts = db.run("measure_starts", db.connect(directory))
    start_id = next(s["start_id"] for s in starts.iter_rows(named=True)
                    if all(s[k] == v for k, v in where.items()))
    return before_after.chosen_start(starts, start_id)


def compare(directory, start, kpi_ids=None, method="expected"):
    con = db.connect(directory)
    rows = db.run("before_after", con, **before_after.query_params(start), kpi_ids=kpi_ids)
    years = before_after.verdict_years(rows)
    verdicts = db.run("evaluate", con, kpi_ids=list(before_after.kpi_ids(rows)), eval_years=list(years),
                      method=method) if years else None
    return before_after.comparison(rows, verdicts, start)


def kpi_row(comp, name) -> dict:
    return comp.kpis.filter(pl.col("kpi_name") == name).row(0, named=True)


# ------------------------------------------------------------------------------------------ days

@pytest.mark.parametrize("text,day", [
    ("2024-04-01", date(2024, 4, 1)), ("2024/4/1", date(2024, 4, 1)), ("R6.4.1", date(2024, 4, 1)),
    ("令和6年4月1日", date(2024, 4, 1)), ("令和元年5月1日", date(2019, 5, 1)), ("H31.4.30", date(2019, 4, 30)),
    ("２０２４／４／１", date(2024, 4, 1)), ("Ｒ６．４．１", date(2024, 4, 1)), ("2024年4月1日", date(2024, 4, 1)),
    ("R3.1.19", date(2021, 1, 19)),
])
def test_parse_date_reads_the_ways_offices_write_a_day(text, day):
    assert parse_date(text) == day


@pytest.mark.parametrize("text,words", [
    ("R6.4", "年・月・日まで"), ("2024/2/30", "ありえない日付"), ("R1.4.1", "令和の期間"), ("H31.5.1", "平成の期間"),
    ("来年度", "読み取れません"), ("2024/4-1", "読み取れません"), ("", "空"), ("1" * 200, "長すぎます"),
])
def test_parse_date_refuses_anything_else_in_japanese(text, words):
    with pytest.raises(DateParseError) as err:
        parse_date(text)
    assert words in str(err.value)
    if text and len(text) < 60:
        assert text in str(err.value)  # the message quotes the cell


def test_parse_date_is_linear_on_long_hostile_text():
    import time

    t = time.perf_counter()
    for text in ("2" * 59, "R" + "1." * 29, "令和" + "1年" * 28):
        with pytest.raises(DateParseError):
            parse_date(text)
    assert time.perf_counter() - t < 0.5


def test_fiscal_year_and_month_label():
    assert fiscal_year_of(date(2024, 3, 31)) == 2023 and fiscal_year_of(date(2024, 4, 1)) == 2024
    assert era_month(date(2024, 4, 1)) == "R6.4" and era_month(date(2021, 1, 19)) == "R3.1"
    assert era_month(date(2019, 4, 1)) == "H31.4" and era_month(date(2024, 4, 1), western_only=True) == "2024.4"


# ------------------------------------------------------------------------------------------ the seeds' starts

def test_seed_initiatives_start_where_the_document_says_so():
    starts = build_tables()["measure_starts"]
    rows = {r["initiative_id"]: r for r in starts.iter_rows(named=True)}
    assert set(rows) == {"toyama-ap:Ⅳ-1-③", "toyama-ap:Ⅳ-3-①"}
    office = rows["toyama-ap:Ⅳ-1-③"]  # 「R3.6月にDX・働き方改革推進本部を立ち上げ」: a month, no day
    assert (office["started_on"], office["start_fy"]) == ("2021-06-01", 2021)
    assert "月の初日" in office["note"] and "R3.6月" in office["note"]
    assert office["source"].startswith("重点政策Ⅳ") and "P43 施策番号Ⅳ-1-③" in office["source"]
    hq = rows["toyama-ap:Ⅳ-3-①"]  # 「Ｒ３．１．１９「ワンチームとやま」連携推進本部設置」: the day itself
    assert (hq["started_on"], hq["start_fy"]) == ("2021-01-19", 2020)
    assert "P47 施策番号Ⅳ-3-①" in hq["source"]
    assert starts["measure"].is_null().all() and (starts["plan_id"] == "toyama-ap").all()


@pytest.mark.parametrize("cell,fy,words", [("R3.6.31", "", "ありえない日付"), ("R3.6", "", "年・月・日まで"),
                                          ("R3.6.1", "2020", "一致しません")])
def test_build_refuses_a_start_it_cannot_read(tmp_path, cell, fy, words):
    import shutil

    from kpiboard.build import SOURCES_DIR, BuildFailed

    sources = tmp_path / "sources"
    shutil.copytree(SOURCES_DIR, sources)
    (sources / "003" / "measure_starts.csv").write_text(
        "plan_id,initiative_id,measure,started_on,start_fy,note,source_id,source_place\n"
        f"toyama-ap,toyama-ap:Ⅳ-1-③,,{cell},{fy},,toyama-priority-policy-4,P43\n", encoding="utf-8")
    with pytest.raises(BuildFailed) as err:
        build_tables(sources)
    assert words in str(err.value) and "measure_starts.csv 2行目" in str(err.value)


def test_start_labels_follow_the_western_years_setting():
    starts = db.run("measure_starts", db.connect(store.EMBEDDED_DATA_DIR))
    assert before_after.start_options(starts)["toyama-ap:Ⅳ-3-①"].endswith("施策開始 R3.1、対応するKPIなし）")
    assert "施策開始 2021.1" in before_after.start_options(starts, western=True)["toyama-ap:Ⅳ-3-①"]
    assert before_after.chosen_start(starts, "toyama-ap:Ⅳ-3-①", western=True)["fy"] == "2020"


def test_seed_initiative_comparison_says_what_is_missing():
    start = start_of(store.EMBEDDED_DATA_DIR, initiative_id="toyama-ap:Ⅳ-1-③")
    assert start["mark"] == "施策開始 R3.6" and start["day"] == "2021年6月1日"
    comp = compare(store.EMBEDDED_DATA_DIR, start)
    dci = kpi_row(comp, "DCI「デジタル公共サービス」スコア")
    assert dci["served"] and dci["before_value"] is None and dci["missing"] == before_after.MISSING_BEFORE
    assert (dci["latest_fy"], dci["latest_value"], dci["change"]) == (2022, 21.7, None)
    judged = db.run("evaluate", db.connect(store.EMBEDDED_DATA_DIR), kpi_id=dci["kpi_id"], eval_year=2022)
    assert dci["latest_status"] == judged["status"][0] == "達成"
    message = before_after.missing_message(dci)
    assert "導入前の実績がありません" in message and "基準値 16.9点" in message  # the baseline is not an actual
    fig = before_after.figure(comp, dci["kpi_id"], start)
    assert fig is not None and fig.layout.shapes[0].x0 == 2020.5
    assert any("施策開始 R3.6" in a.text for a in fig.layout.annotations)


# ------------------------------------------------------------------------------------------ the importer

def test_import_writes_the_start_with_the_values_in_one_snapshot(tmp_path):
    d = embedded_copy(tmp_path)
    before = store.data_version(d)
    r = importer.import_files([line_csv()], d)
    assert r.errors == [] and r.written
    assert [(s["measure"], s["started_on"], s["status"]) for s in r.starts] == [(MEASURE, "2024-04-01", "new")]
    assert int(store.data_version(d)) == int(before) + 1  # the KPIs, the values and the start: one write
    starts = store.read_table(d, "measure_starts")
    mine = starts.filter(pl.col("measure") == MEASURE).row(0, named=True)
    assert (mine["started_on"], mine["start_fy"], mine["initiative_id"]) == ("2024-04-01", 2024, None)
    assert mine["source"] == "line.csv 2行目 「施策開始日」列"
    assert mine["plan_id"] == store.read_table(d, "plans").filter(pl.col("name") == PLAN)["plan_id"][0]
    assert starts.filter(pl.col("initiative_id").is_not_null()).height == 2  # the seeds' starts stay
    # the same file again: nothing changes
    again = importer.import_files([line_csv()], d)
    assert again.errors == [] and not again.written and again.starts[0]["status"] == "unchanged"
    # a new day replaces the start (one row per plan and 施策), in the import's transaction
    moved = [row[:3] + ["R6.10.1" if row[3] else ""] + row[4:] for row in LINE_ROWS]
    r = importer.import_files([line_csv(moved)], d)
    assert r.written and r.starts[0]["status"] == "updated" and r.starts[0]["old_started_on"] == "2024-04-01"
    mine = store.read_table(d, "measure_starts").filter(pl.col("measure") == MEASURE)
    assert mine.height == 1 and mine["started_on"][0] == "2024-10-01"


@pytest.mark.parametrize("header", ["開始日", "施策の開始日", "導入日"])
def test_other_headers_of_the_start_column(tmp_path, header):
    r = importer.import_files([line_csv(LINE_ROWS[:1], [header if h == "施策開始日" else h for h in HEADER])],
                              tmp_path / "d", dry_run=True)
    assert r.errors == [] and r.starts[0]["started_on"] == "2024-04-01"


def test_a_date_cell_of_a_workbook(tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    ws = book.active
    ws.append(HEADER)
    ws.append(LINE_ROWS[0][:3] + [datetime(2024, 4, 1)] + LINE_ROWS[0][4:])
    buf = io.BytesIO()
    book.save(buf)
    r = importer.import_files([("line.xlsx", buf.getvalue())], tmp_path / "d", dry_run=True)
    assert r.errors == [] and r.starts[0]["started_on"] == "2024-04-01"


@pytest.mark.parametrize("cell,words", [
    ("R6.13.1", "ありえない日付"), ("来年度から", "読み取れません"), ("R6.4", "年・月・日まで"),
])
def test_a_bad_start_cell_is_a_japanese_error_and_nothing_is_written(tmp_path, cell, words):
    d = embedded_copy(tmp_path)
    digest = store.directory_digest(d)
    rows = [LINE_ROWS[0][:3] + [cell] + LINE_ROWS[0][4:]] + LINE_ROWS[1:]
    r = importer.import_files([line_csv(rows)], d)
    assert not r.written and len(r.errors) == 1
    e = r.errors[0]
    assert (e.file, e.row, e.column) == ("line.csv", 2, "施策開始日")
    assert words in e.message and cell in e.message
    assert store.directory_digest(d) == digest  # all or nothing: not even the good rows


def test_two_days_for_one_measure_and_a_day_without_a_measure_are_errors(tmp_path):
    rows = [LINE_ROWS[0], LINE_ROWS[1][:3] + ["R6.5.1"] + LINE_ROWS[1][4:],
            ["みどり市", PLAN, "", "R6.4.1"] + LINE_ROWS[3][4:]]
    r = importer.import_files([line_csv(rows)], tmp_path / "d", dry_run=True)
    messages = {(e.row, e.column): e.message for e in r.errors}
    assert "開始日が行によって違います" in messages[(3, "施策開始日")] and "2行目" in messages[(3, "施策開始日")]
    assert "「施策」列に施策名" in messages[(4, "施策開始日")]


def test_a_changed_start_needs_the_right_to_its_entity(imported):
    from kpiboard import auth

    tables = {t: store.read_table(imported, t) for t in ("entities", "plans", "kpis")}
    midori = tables["plans"].filter(pl.col("name") == PLAN)["entity_id"][0]
    moved = [row[:3] + ["R6.10.1" if row[3] else ""] + row[4:] for row in LINE_ROWS]  # only the day changes
    r = importer.import_files([line_csv(moved)], imported, dry_run=True, keep_plan=True)
    assert r.changed and r.counts()["kpis_updated"] == r.counts()["observations_updated"] == 0
    other = auth.User("e@example.org", "e", "editor", frozenset({"pref-16"}))
    assert auth.entities_not_given(other, r, tables) == ["みどり市"]
    assert auth.entities_not_given(auth.User("e@example.org", "e", "editor", frozenset({midori})), r, tables) == []


# ------------------------------------------------------------------------------------------ the comparison

def test_before_after_values_change_and_verdicts_of_an_imported_measure(imported):
    start = start_of(imported, measure=MEASURE)
    assert (start["start_fy"], start["mark"]) == (2024, "施策開始 R6.4")
    comp = compare(imported, start)
    assert set(comp.kpis["kpi_name"]) == {"LINE友だち登録者数", "LINE経由の申請件数", "広報の満足度の順位"}  # not 窓口
    users = kpi_row(comp, "LINE友だち登録者数")
    assert (users["before_fy"], users["before_value"]) == (2023, 1500)
    assert (users["first_after_fy"], users["first_after_value"]) == (2024, 2600)
    assert (users["latest_fy"], users["latest_value"]) == (2025, 3100)
    assert users["change"] == 1600 and users["change_ratio"] == pytest.approx(1600 / 1500)
    # b=1000 (2021), t=5000 (2026): e(2023)=2600, r=0.31 → 遅れ; e(2025)=4200, r=0.66 → やや遅れ
    assert (users["before_status"], users["latest_status"]) == ("遅れ", "やや遅れ")
    con = db.connect(imported)
    for year, side in ((2023, "before_status"), (2025, "latest_status")):  # evaluate.sql's own verdicts, not a copy
        assert db.run("evaluate", con, kpi_id=users["kpi_id"], eval_year=year)["status"][0] == users[side]
    applications = kpi_row(comp, "LINE経由の申請件数")  # no R7 actual: the first after is the latest
    assert (applications["before_value"], applications["latest_fy"], applications["latest_value"]) == (40, 2024, 120)
    assert applications["change_ratio"] == pytest.approx(2.0)
    rank = kpi_row(comp, "広報の満足度の順位")
    assert rank["change"] == -7 and rank["change_ratio"] is None  # ranks: no relative change
    table = {r["指標名"]: r for r in comp.table.iter_rows(named=True)}
    assert table["LINE友だち登録者数"]["導入前（年度・値）"] == "R5（2023） 1,500人"
    assert table["LINE友だち登録者数"]["導入後の最初（年度・値）"] == "R6（2024） 2,600人"
    assert table["LINE友だち登録者数"]["導入後（年度・値）"] == "R7（2025） 3,100人"
    assert table["LINE友だち登録者数"]["変化"] == "+1,600人（+107%）"
    assert table["LINE友だち登録者数"]["判定（前→後）"] == f"{status.label('遅れ')} → {status.label('やや遅れ')}"
    assert table["広報の満足度の順位"]["変化"] == "-7位（順位が上昇）"
    assert "line.csv 2行目 「R5実績」列" in table["LINE友だち登録者数"]["出典（実績）"]
    assert comp.source.startswith("施策の開始日: line.csv 2行目 「施策開始日」列") and "実績: line.csv" in comp.source


def test_the_abnf_method_gives_its_own_verdicts(imported):
    comp = compare(imported, start_of(imported, measure=MEASURE), method="abnf")
    assert {kpi_row(comp, "LINE友だち登録者数")[s] for s in ("before_status", "latest_status")} <= {"A", "B"}


def test_added_kpis_and_a_kpi_without_actuals(imported):
    start = start_of(imported, measure=MEASURE)
    con = db.connect(imported)
    wait = db.run("evaluate", con, plan=PLAN).filter(pl.col("kpi_name") == "窓口の待ち時間")["kpi_id"][0]
    comp = compare(imported, start, kpi_ids=[wait])
    added = kpi_row(comp, "窓口の待ち時間")
    assert not added["served"] and added["before_value"] == 29 and added["missing"] == before_after.MISSING_AFTER
    # a KPI with no actual at all: no figure, and the page says so
    none = db.run("evaluate", con, plan="toyama-growth").filter(pl.col("actual_value").is_null())["kpi_id"][0]
    comp = compare(imported, start, kpi_ids=[none])
    row = comp.kpis.filter(pl.col("kpi_id") == none).row(0, named=True)
    assert row["missing"] == before_after.MISSING_BOTH
    assert before_after.figure(comp, none, start) is None


def test_figure_marks_the_start_and_highlights_the_points(imported):
    start = start_of(imported, measure=MEASURE)
    comp = compare(imported, start)
    users = kpi_row(comp, "LINE友だち登録者数")
    fig = before_after.figure(comp, users["kpi_id"], start)
    line = fig.layout.shapes[0]
    assert (line.x0, line.x1, line.type) == (2023.5, 2023.5, "line")  # between the last year before and R6
    assert any(a.text == "施策開始 R6.4" for a in fig.layout.annotations)
    traces = {t.name: t for t in fig.data}
    assert list(traces["実績値"].x) == [2022, 2023, 2024, 2025]
    assert (traces["導入前（最後の実績）"].x[0], traces["導入前（最後の実績）"].y[0]) == (2023, 1500)
    assert traces["導入前（最後の実績）"].marker.color == status.style("遅れ").color
    assert (traces["導入後（最新の実績）"].x[0], traces["導入後（最新の実績）"].y[0]) == (2025, 3100)
    assert traces["導入後（最新の実績）"].marker.color == status.style("やや遅れ").color
    assert traces["導入後（最初の実績）"].x[0] == 2024
    assert fig.layout.yaxis.tickformat == ",~r"  # thousands separated, as every figure
    rank = before_after.figure(comp, kpi_row(comp, "広報の満足度の順位")["kpi_id"], start)
    assert rank.layout.yaxis.autorange == "reversed"  # 1位 on top


def test_no_map_elements_in_the_view():
    import inspect

    assert "map_elements" not in inspect.getsource(before_after)


# ------------------------------------------------------------------------------------------ the page (AppTest)

def _charts(at) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def test_page_shows_a_seed_initiative(monkeypatch):
    at = app_test("pages/initiatives.py", view="導入前後の比較", ba_start="toyama-ap:Ⅳ-1-③")
    assert any(before_after.CAUTION[:30] in i.value for i in at.info)  # always: a comparison is not a cause
    assert any("導入前の実績がありません" in w.value for w in at.warning)
    charts = _charts(at)
    assert len(charts) == 1
    assert any("施策開始 R3.6" in a.get("text", "") for a in charts[0]["layout"]["annotations"])
    table = at.dataframe[-1].value
    assert list(table.columns) == list(before_after.TABLE_COLUMNS)
    assert table.iloc[0]["導入後（年度・値）"] == "R4（2022） 21.7点"
    assert any("出典: 施策の開始日: 重点政策Ⅳ" in c.value for c in at.caption)


def test_page_shows_an_imported_measure_and_adds_a_kpi(monkeypatch, imported):
    monkeypatch.setenv("KPIBOARD_DATA_DIR", str(imported))
    start = start_of(imported, measure=MEASURE)
    at = app_test("pages/initiatives.py", view="導入前後の比較", ba_start=start["start_id"])
    charts = _charts(at)
    assert len(charts) == 3
    assert all(any(a.get("text") == "施策開始 R6.4" for a in c["layout"]["annotations"]) for c in charts)
    table = at.dataframe[-1].value
    row = table[table["指標名"] == "LINE友だち登録者数"].iloc[0]
    assert (row["導入前（年度・値）"], row["導入後（年度・値）"], row["変化"]) == \
        ("R5（2023） 1,500人", "R7（2025） 3,100人", "+1,600人（+107%）")
    assert row["判定（前→後）"] == f"{status.label('遅れ')} → {status.label('やや遅れ')}"
    picker = at.multiselect[0]
    assert "窓口の待ち時間（みどり市広報計画）" in picker.options
    assert not any("LINE友だち" in o for o in picker.options)  # a KPI the 施策 serves is there already
    wait = db.run("evaluate", db.connect(imported), plan=PLAN).filter(pl.col("kpi_name") == "窓口の待ち時間")["kpi_id"][0]
    at = picker.select(wait).run()
    assert not at.exception
    assert len(_charts(at)) == 4 and any("導入後の実績がありません" in w.value for w in at.warning)
