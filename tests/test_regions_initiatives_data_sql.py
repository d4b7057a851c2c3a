"""連携中枢都市圏, 施策・予算, データ, SQL: what a user sees change when they use the page (AppTest),
and the tree / chart helpers those pages draw with."""
import json

import polars as pl
import pytest

from helpers import app_test
from kpiboard import charts, citations, db, store, tree
from kpiboard.synth import SynthSpec, write_synthetic

ROOT = store.PACKAGE_ROOT


@pytest.fixture(autouse=True)
def embedded(monkeypatch):
    monkeypatch.delenv("KPIBOARD_DATA_DIR", raising=False)


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def plotly_spec(at, index: int = 0) -> dict:
    return json.loads(at.get("plotly_chart")[index].proto.spec)


# ---------------------------------------------------------------- 連携中枢都市圏

def test_regions_group_filter_narrows_the_chart_to_that_group():
    at = app_test("pages/regions.py")
    assert not at.exception
    assert metrics(at)["政策分野"] == "27 分野"
    bars = plotly_spec(at)["data"]
    assert [t["name"][0] for t in bars] == ["ア", "イ", "ウ"]
    assert sum(len(t["y"]) for t in bars) == 27

    at.button_group(key="group").set_value("イ").run()
    assert metrics(at)["政策分野"] == "4 分野"
    bars = plotly_spec(at)["data"]
    assert [t["name"][0] for t in bars] == ["イ"]
    labels = bars[0]["y"]
    assert any("イa 高度な医療サービスの提供" in y for y in labels)
    assert not any("アa" in y for y in labels)


def test_regions_categories_mark_those_with_example_kpis_and_count_out_of_34():
    at = app_test("pages/regions.py", order="count")
    bars = plotly_spec(at)["data"]
    labels = [y for t in bars for y in t["y"]]
    starred = [y for y in labels if y.startswith("★")]
    # the 7 example KPIs sit in 6 categories (久留米 has two in イa)
    assert len(starred) == 6
    texts = [x for t in bars for x in t["text"]]
    assert "31圏域（91%）" in texts and "2圏域（6%）" in texts
    assert "（R2.3 時点）" in " ".join(c.value for c in at.caption)


def test_region_examples_show_status_per_region_and_filter_to_one_region():
    at = app_test("pages/regions.py", view="圏域別のKPI設定例")
    assert not at.exception
    assert metrics(at)["◎ 達成"] == "7 件"
    assert len(at.subheader) == 6  # one card per region
    md = " ".join(m.value for m in at.markdown)
    assert "16,454人（R元（2019））" in md and "判定: **◎ 達成**" in md

    at.selectbox(key="region").select("久留米広域連携中枢都市圏").run()
    assert metrics(at)["◎ 達成"] == "2 件"
    assert [s.value for s in at.subheader] == ["久留米広域連携中枢都市圏"]


def test_region_examples_follow_the_western_years_setting():
    at = app_test("pages/regions.py", settings={"western_years": True}, view="圏域別のKPI設定例")
    md = " ".join(m.value for m in at.markdown)
    assert "16,454人（2019）" in md and "R元" not in md


# ---------------------------------------------------------------- 施策・予算

def test_initiatives_department_filter_keeps_jointly_run_initiatives():
    at = app_test("pages/initiatives.py")
    assert not at.exception
    assert metrics(at)["施策"] == "8 件"
    at.selectbox(key="dept").select("人事課").run()
    # Ⅳ-1-③ (人事課、デジタル化推進室) and Ⅳ-3-② (人事課)
    assert metrics(at)["施策"] == "2 件"
    table = at.dataframe[0].value
    assert table["施策番号"].tolist() == ["Ⅳ-1-③", "Ⅳ-3-②"]


def test_initiative_detail_shows_its_kpi_link_as_a_reading():
    at = app_test("pages/initiatives.py", initiative="Ⅳ-1-①")
    assert metrics(at)["施策"] == "1 件"
    assert at.subheader[0].value.startswith("Ⅳ-1-①")
    md = " ".join(m.value for m in at.markdown)
    assert "DCI「デジタル公共サービス」スコア" in md and "［読み取り］" in md


def test_budget_counts_a_programme_listed_under_two_initiatives_once_and_says_so():
    at = app_test("pages/initiatives.py", view="予算")
    assert not at.exception
    listed = store.read_table(ROOT / "data", "initiative_budgets")["amount_yen"].sum()
    assert listed == 3_755_570_000 + 48_420_000  # the shared 4,842万円 appears twice in the data
    assert metrics(at)["予算の合計（重複掲載は1回）"] == "37億5,557万円"
    assert any("Ⅳ-1-①・Ⅳ-1-②" in i.value and "1回だけ" in i.value for i in at.info)
    fig = plotly_spec(at)
    totals = [a["text"] for a in fig["layout"]["annotations"] if a["text"].startswith("<b>")]
    assert totals == ["<b>16億6,900万円</b>", "<b>1億1,651万円</b>", "<b>5億8,976万円</b>", "<b>13億8,030万円</b>"]
    assert any(t["name"].startswith("共通") for t in fig["data"])


def test_roadmap_is_drawn_for_the_chosen_initiative_only():
    at = app_test("pages/initiatives.py", view="ロードマップ", initiative="Ⅳ-1-①")
    lanes = {y for t in plotly_spec(at)["data"] for y in t["y"]}
    assert any("電子入札システム" in y for y in lanes)
    assert not any("Ⅳ-2" in y for y in lanes)


def test_tree_draws_kgi_pillars_kpis_and_initiatives_with_readings_dashed():
    at = app_test("pages/initiatives.py", view="KGI→KPI→施策")
    assert not at.exception
    dot = at.get("graphviz_chart")[0].proto.spec
    assert "KGI（ビジョン）" in dot and "幸せ人口1000万" in dot
    assert dot.count('shape=note, style=filled') == 6  # six initiatives serve a KPI
    assert dot.count("style=dashed]") == 6  # every link is our reading
    assert "KPIとの対応がない施策" in dot and "Ⅳ-3-①" in dot


def test_unlinked_lists_kpis_without_initiative_and_initiatives_without_kpi():
    at = app_test("pages/initiatives.py", view="対応のないKPI・施策")
    m = metrics(at)
    assert m["対応する施策のないKPI"] == "9 / 11 件"
    assert m["対応するKPIのない施策"] == "2 / 8 件"
    assert at.dataframe[1].value["施策番号"].tolist() == ["Ⅳ-3-①", "Ⅳ-3-②"]


def test_initiatives_page_on_data_without_initiatives_says_so(tmp_path, monkeypatch):
    write_synthetic(tmp_path, SynthSpec(prefectures=1, municipalities=2, kpis_per_entity=3))
    monkeypatch.setenv("KPIBOARD_DATA_DIR", str(tmp_path))
    at = app_test("pages/initiatives.py")
    assert not at.exception
    assert any("施策のデータがありません" in i.value for i in at.info)
    at = app_test("pages/initiatives.py", view="KGI→KPI→施策")
    assert not at.exception
    assert at.get("graphviz_chart")  # the KGI → KPI part still works


# ---------------------------------------------------------------- データ

def test_data_filters_change_what_is_listed():
    at = app_test("pages/data.py")
    assert not at.exception
    # 富山県成長戦略 by default: per-year targets stored once per year (2022–2026) and one published actual
    assert metrics(at) == {"KPI": "11 件", "観測値": "20 件", "計画": "1 件"}
    at.selectbox(key="plan").select("all").run()
    assert metrics(at)["KPI"] == "99 件" and metrics(at)["観測値"] == "413 件"
    at.multiselect(key="kind").select("actual").run()
    assert metrics(at)["観測値"] == "10 件" and metrics(at)["KPI"] == "9 件"
    at.text_input(key="q").input("久留米").run()
    assert metrics(at)["KPI"] == "2 件"


def test_data_tables_carry_status_and_source_and_japanese_values():
    at = app_test("pages/data.py", plan="すべての計画", q="登録患者数")
    kpis = at.dataframe[0].value
    row = kpis.iloc[0]
    assert row["判定"] == "◎ 達成"
    assert row["実績値"] == "1万6,454人" and row["基準年度"] == "H27（2015）"
    assert row["出典"].startswith("連携中枢都市圏における成果指標（KPI）の設定について（総務省）")
    at = app_test("pages/data.py", plan="すべての計画", q="登録患者数", view="観測値")
    obs = at.dataframe[0].value
    assert set(obs["種類"]) == {"基準値", "目標値", "実績値"}
    assert set(obs["原文"]) == {"7,365人", "10,000人", "16,454人"}
    assert (obs["KPIの判定"] == "◎ 達成").all()


def test_data_years_follow_the_western_years_setting():
    at = app_test("pages/data.py", settings={"western_years": True}, plan="すべての計画", q="登録患者数")
    row = at.dataframe[0].value.iloc[0]
    assert row["基準年度"] == "2015" and row["評価年度"] == "2019"


def test_data_downloads_are_offered():
    at = app_test("pages/data.py")
    labels = [d.label for d in at.get("download_button")]
    assert labels == ["KPI一覧（CSV）", "観測値（CSV）", "KPIと観測値（Excel）"]


# ---------------------------------------------------------------- SQL

def test_sql_from_the_url_runs_and_shows_the_result():
    at = app_test("pages/sql.py", sql="SELECT * FROM policy_categories")
    assert not at.exception
    assert metrics(at)["結果"] == "27 行 × 15 列"  # policy categories with their note and source id/place
    assert at.dataframe[-1].value.shape == (27, 15)


def test_sql_example_fills_the_editor_and_runs():
    at = app_test("pages/sql.py")
    # the page opens with a runnable example and its result, not an empty editor
    assert "kpi_status" in at.text_area(key="sql").value
    assert set(at.dataframe[-1].value.columns) == {"計画", "分野", "判定", "件数"}
    at.text_area(key="sql").set_value("").run()
    assert any("SQL を入力" in i.value for i in at.info)
    at.selectbox(key="example").select("予算の年度別合計").run()
    assert "initiative_budgets" in at.text_area(key="sql").value
    result = at.dataframe[-1].value
    assert result["年度"].tolist() == [2021, 2022, 2023, 2024]


def test_sql_refuses_writes_and_files_in_japanese():
    at = app_test("pages/sql.py", sql="DELETE FROM kpis")
    assert not at.exception
    assert "SELECT" in at.error[0].value
    at.text_area(key="sql").input("SELECT * FROM read_csv('/etc/passwd')").run()
    assert "ファイル" in at.error[0].value


def test_sql_row_limit_is_announced():
    at = app_test("pages/sql.py", sql="SELECT * FROM range(7) t(n)")
    assert metrics(at)["結果"] == "7 行 × 1 列"
    assert not at.warning
    at = app_test("pages/sql.py", sql="SELECT * FROM range(20000) t(n)")
    assert metrics(at)["結果"] == "10,000 行 × 1 列"
    assert "10,000 行を超えた" in at.warning[0].value


# ---------------------------------------------------------------- tree and chart helpers

@pytest.fixture(scope="module")
def con():
    return db.connect(ROOT / "data")


def test_tree_nodes_of_the_growth_strategy(con):
    rows = db.run("initiatives_tree", con, plan="toyama-growth")
    nodes = tree.build(rows, db.run("evaluate", con, plan="toyama-growth"))
    counts = dict(nodes.group_by("level").len().iter_rows())
    assert counts == {"kgi": 1, "area": 6, "kpi": 11, "initiative": 6}
    dci = nodes.filter(pl.col("kpi_id") == "toyama-growth:6-2", pl.col("level") == "initiative")
    assert sorted(dci["code"]) == ["Ⅳ-1-①", "Ⅳ-1-②", "Ⅳ-1-③", "Ⅳ-2-③"]
    assert set(dci["basis"]) == {"reading"}
    depth = {n["node_id"]: d for d, n in tree.outline(nodes)}
    assert depth["kgi"] == 0 and depth["area:6"] == 1 and depth["kpi:toyama-growth:6-2"] == 2
    lonely = tree.kpis_without_initiative(rows)
    assert lonely.height == 9 and "toyama-growth:6-2" not in lonely["kpi_id"].to_list()


def test_tree_of_a_plan_without_areas_keeps_its_kpis(con):
    nodes = tree.build(db.run("initiatives_tree", con, plan="fukushima-dx"))
    assert (nodes["level"] == "kpi").sum() == 81
    assert tree.build(db.run("initiatives_tree", con, plan="no-such-plan")).is_empty()


def test_budget_segments_count_each_programme_once(con):
    seg = charts.budget_segments(db.run("initiatives_budgets", con))
    fy2024 = seg.filter(pl.col("fiscal_year") == 2024)
    shared = fy2024.filter(pl.col("shared"))
    assert shared["segment"].to_list() == ["共通（Ⅳ-1-①・Ⅳ-1-②）"] and shared["amount_yen"].to_list() == [48_420_000]
    assert fy2024.filter(pl.col("segment") == "Ⅳ-1-①")["amount_yen"].to_list() == [39_800_000]
    assert seg["amount_yen"].sum() == 3_755_570_000


def test_roadmap_lanes_merge_consecutive_years_of_one_phase(con):
    bars = charts.roadmap_lanes(db.run("initiatives_roadmap", con, initiatives=["toyama-ap:Ⅳ-1-①"]))
    bid = bars.filter(pl.col("lane") == "電子入札システム")
    assert bid.select("fy_from", "fy_to", "text").rows() == [(2021, 2021, "部会開催"), (2022, 2022, "導入準備"),
                                                             (2023, 2024, "運用")]


def test_combined_source_writes_the_shared_part_once():
    assert citations.combined_source(["004.txt 表 ア", "004.txt 表 イ", "004.txt 表 ア"]) == "004.txt 表 ア・イ"
    long = [f"003.txt P{i} 施策番号Ⅳ-{i}; 000.txt 柱{i}" for i in range(10)]
    assert citations.combined_source(long) == "003.txt・000.txt（箇所は各行の「出典」列）"
