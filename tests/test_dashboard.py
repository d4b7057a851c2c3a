"""概要・指標・比較 and the app-wide settings, driven through AppTest, plus the modules behind them."""
import json

import polars as pl
import pytest

from helpers import app_test, make_data_dir
from kpiboard import comparison, db, status, tilemap, trajectory
from kpiboard.synth import SynthSpec, write_synthetic

KUMAMOTO = "熊本連携中枢都市圏｜熊本連携中枢都市圏 連携中枢都市圏ビジョン"


@pytest.fixture(scope="module")
def synthetic_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("synth_dashboard")
    write_synthetic(d, SynthSpec(prefectures=5, municipalities=20, kpis_per_entity=6))
    return d


@pytest.fixture()
def embedded(monkeypatch):
    monkeypatch.delenv("KPIBOARD_DATA_DIR", raising=False)


@pytest.fixture()
def synthetic(monkeypatch, synthetic_dir):
    monkeypatch.setenv("KPIBOARD_DATA_DIR", str(synthetic_dir))


@pytest.fixture()
def worked_example(monkeypatch, tmp_path):
    """PRODUCT.md's worked check: b=100 (2020), t=200 (2025), a=150 (2023) → e=160, r=0.83 → 概ね順調."""
    make_data_dir(tmp_path, [{"kpi_id": "k1", "kpi_name": "利用者数", "unit": "人",
                              "obs": [("baseline", 2020, 100.0), ("target", 2025, 200.0), ("actual", 2023, 150.0)]}])
    monkeypatch.setenv("KPIBOARD_DATA_DIR", str(tmp_path))


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def chart_spec(at, index=0) -> dict:
    return json.loads(at.get("plotly_chart")[index].proto.spec)


# ---- 概要 ------------------------------------------------------------------------------------

def test_overview_opens_populated_on_toyama_growth_strategy(embedded):
    at = app_test()
    assert at.selectbox(key="plan").value == "toyama-growth"
    m = metrics(at)
    # the seeds stop at their baselines; the DCI score has a published FY2022 actual (21.7 ≥ 20 → 達成)
    assert m["－ 判定不能"] == "10 件" and m["◎ 達成"] == "1 件"
    assert m["データの時点"] == "R6.11"
    assert m["実績のある KPI"] == "1 / 11 件"
    assert any("遅れ・やや遅れの KPI はありません" in s.value for s in at.success)
    listing = next(d.value for d in at.dataframe if "指標名" in d.value.columns)
    reasons = set(listing["判定"])
    assert {"－ 判定不能（実績なし）", "－ 判定不能（定性・評価の記録なし）", "◎ 達成"} == reasons
    area_table = at.dataframe[0].value
    assert len(area_table) == 6 and int(area_table["計"].sum()) == 11


def test_overview_entity_filter_narrows_the_plans(embedded):
    at = app_test(entity="熊本連携中枢都市圏")
    assert at.selectbox(key="plan").options == [KUMAMOTO]
    assert metrics(at)["◎ 達成"] == "1 件"
    assert at.selectbox(key="year").options == ["最新の実績年度", "H30（2018）"]


def test_overview_abnf_method_counts_a_b_n_f(embedded):
    at = app_test(method="A/B/N/F方式（国）")
    m = metrics(at)
    assert set(m) >= {status.label(s) for s in status.ABNF_STATUSES}
    assert sum(int(m[status.label(s)].split()[0]) for s in status.ABNF_STATUSES) == 11


def test_overview_plan_without_kpis_points_to_initiatives(embedded):
    at = app_test(plan="富山県｜富山県 重点政策Ⅳ「超」効率的な自治体運営（進捗 R6.11）")
    assert any("KPI がありません" in i.value for i in at.info)


def test_overview_lists_worst_kpis_first_on_synthetic_data(synthetic):
    at = app_test()
    opened = [b for b in at.button if b.key and b.key.startswith("open_")]
    assert opened, "synthetic plans have KPIs behind schedule"
    first_badge = next(m.value for m in at.markdown if "kpi-status" in m.value)
    assert "遅れ" in first_badge


def test_western_years_setting_changes_every_year_label(embedded):
    era = metrics(app_test(plan=KUMAMOTO))["最新の実績年度"]
    western = metrics(app_test(plan=KUMAMOTO, western_years="true"))["最新の実績年度"]
    assert (era, western) == ("H30（2018）", "2018")


def test_a_year_link_works_in_either_year_notation(embedded):
    for year, western in (("H30（2018）", "true"), ("2018", None), ("2018", "true")):
        query = {"plan": KUMAMOTO, "year": year} | ({"western_years": western} if western else {})
        assert app_test(**query).selectbox(key="year").value == 2018, query


def test_band_settings_change_the_status(worked_example):
    assert metrics(app_test())["△ 概ね順調"] == "1 件"  # r = 0.83 ≥ 0.8
    stricter = metrics(app_test(b2="0.85"))
    assert stricter["△ 概ね順調"] == "0 件" and stricter["▲ やや遅れ"] == "1 件"


def test_bands_out_of_order_fall_back_to_the_defaults_and_say_so(worked_example):
    at = app_test(b1="0.5", b2="0.9")
    assert any("既定値" in e.value for e in at.error)
    assert metrics(at)["△ 概ね順調"] == "1 件"


def test_presentation_mode_folds_filters_and_offers_an_exit(embedded):
    at = app_test(present="true")
    assert [e.label for e in at.expander][:1] == ["表示条件を変更"]
    assert not at.caption or all("行を選ぶと" not in c.value for c in at.caption)
    at.button(key="leave_presentation").click().run()
    assert "present" not in at.query_params and "表示条件を変更" not in [e.label for e in at.expander]
    assert not any(b.key == "leave_presentation" for b in at.button)


# ---- 指標 ------------------------------------------------------------------------------------

def test_indicator_opens_the_kpi_in_the_url_with_the_change_needed(embedded):
    at = app_test("pages/indicator.py", kpi="toyama-growth:4-1")
    assert [s.value for s in at.subheader] == ["製造業における付加価値率の全国順位"]
    # rank 12 (2020) → 10 (2026): two places in six years
    # a rank's pace in words: a smaller rank is a rise, and a third of a place a year is a place in three years
    assert any("目標達成に必要な変化: 約3年で1位上昇" in m.value for m in at.markdown)
    assert at.query_params["kpi"] == "toyama-growth:4-1"
    references = next(d.value for d in at.dataframe if "原文" in d.value.columns and "項目" in d.value.columns)
    assert "製造業の付加価値率 上位10都道府県の平均" in references["項目"].to_list()


def test_indicator_search_ignores_width_and_kana(embedded):
    at = app_test("pages/indicator.py", q="ｼﾞｮﾌﾞちゃれんじ")
    picker = at.selectbox(key="_kpi_pick")
    assert len(picker.options) == 1 and "ジョブチャレンジ" in picker.options[0]
    assert at.subheader[0].value.startswith("ジョブチャレンジ")


def test_indicator_search_without_hits_says_so(embedded):
    at = app_test("pages/indicator.py", q="存在しない指標")
    assert any("一致する KPI はありません" in i.value for i in at.info)


def test_indicator_worked_example_pace_projection_and_expected_path(worked_example):
    at = app_test("pages/indicator.py")
    text = " ".join(m.value for m in at.markdown)
    assert "1年あたり +25人" in text  # (200 − 150) / (2025 − 2023)
    assert "これまでのペース: 1年あたり +16.7人" in text  # (150 − 100) / 3
    assert "R7（2025） に 183人 の見込み" in text  # 150 + 2 × 16.7
    spec = chart_spec(at)
    path = next(t for t in spec["data"] if t["name"] == "期待される推移")
    assert dict(zip(path["x"], path["y"]))[2023] == pytest.approx(160.0)  # from the rules
    assert any(t["name"] == "現状ペースの見通し" for t in spec["data"])


def test_indicator_interim_target_path_passes_the_interim_target(monkeypatch, tmp_path):
    # the audit's KPI: 100 (2020), 120 in 2023, 200 in 2025; actual 120 in 2023 → 順調, path through 120
    make_data_dir(tmp_path, [{"kpi_id": "k1", "kpi_name": "利用者数", "unit": "人", "obs": [
        ("baseline", 2020, 100.0), ("target", 2023, 120.0), ("target", 2025, 200.0), ("actual", 2023, 120.0)]}])
    monkeypatch.setenv("KPIBOARD_DATA_DIR", str(tmp_path))
    at = app_test("pages/indicator.py")
    assert any("順調" in m.value for m in at.markdown)
    path = next(t for t in chart_spec(at)["data"] if t["name"] == "期待される推移")
    assert dict(zip(path["x"], path["y"]))[2023] == pytest.approx(120.0)
    assert not any("直線" in t["name"] for t in chart_spec(at)["data"])


def test_no_baseline_kpi_starts_from_its_earliest_actual_and_says_so(monkeypatch, tmp_path):
    # 大学発ベンチャー as PRODUCT.md's worked check: t=10 (2026), actuals 2 (2022), 4 (2023) → 順調
    make_data_dir(tmp_path, [
        {"kpi_id": "k1", "kpi_name": "大学発ベンチャー数", "unit": "社", "cumulative": True,
         "obs": [("target", 2026, 10.0), ("actual", 2022, 2.0), ("actual", 2023, 4.0)]},
        {"kpi_id": "k2", "kpi_name": "未登録の指標", "unit": "人", "obs": [("baseline", 2020, 1.0), ("target", 2025, 2.0)]}])
    monkeypatch.setenv("KPIBOARD_DATA_DIR", str(tmp_path))
    at = app_test("pages/indicator.py", kpi="k1")
    assert "基準値なし: R4（2022） の実績を起点に判定" in " ".join(c.value for c in at.caption)
    assert metrics(at)["進捗率"] == "100%"
    overview = app_test()
    listing = next(d.value for d in overview.dataframe if "判定" in d.value.columns and "指標名" in d.value.columns)
    by_name = dict(zip(listing["指標名"], listing["判定"]))
    assert by_name["大学発ベンチャー数"] == "○ 順調"
    assert by_name["未登録の指標"] == "－ 判定不能（実績なし）"


def test_indicator_status_filter_on_synthetic_data(synthetic):
    at = app_test("pages/indicator.py", st="遅れ")
    options = at.selectbox(key="_kpi_pick").options
    assert options and all(o.startswith("×") for o in options)
    assert at.query_params["st"] == ["遅れ"] or at.query_params["st"] == "遅れ"


# ---- 比較 ------------------------------------------------------------------------------------

def test_compare_degrades_gracefully_on_embedded_data(embedded):
    # 富山県 and 福島県 each have a KPI judged on a published actual, but no indicator in common
    at = app_test("pages/compare.py")
    assert any("都道府県 2 件を比較" in c.value for c in at.caption)
    assert any("共通の指標" in i.value for i in at.info)


def test_compare_ranks_and_maps_every_prefecture_with_one_highlighted(synthetic):
    at = app_test("pages/compare.py", hl="岩手県（合成）")
    specs = [chart_spec(at, i) for i in range(len(at.get("plotly_chart")))]
    ranking = next(s for s in specs if "ランキング" in s["layout"]["title"]["text"])
    assert len(ranking["data"][0]["y"]) == 5
    assert any(a.get("text", "").startswith("岩手県（合成）:") for a in ranking["layout"]["annotations"])
    tile_map = next(s for s in specs if "都道府県別" in s["layout"]["title"]["text"])
    assert len(tile_map["layout"]["shapes"]) == 47
    assert sum(1 for sh in tile_map["layout"]["shapes"] if sh["line"]["width"] == 5) == 1  # 岩手 framed


def test_compare_same_indicator_plot_uses_the_shared_indicator(synthetic):
    at = app_test("pages/compare.py")
    assert at.selectbox(key="_ind_pick").options
    lines = next(s for s in (chart_spec(at, i) for i in range(len(at.get("plotly_chart"))))
                 if s["layout"]["title"]["text"].endswith("の推移"))
    assert lines["data"]


def test_compare_years_cross_tab_accounts_for_every_kpi(synthetic):
    at = app_test("pages/compare.py", view="年度の比較")
    m = metrics(at)
    assert sum(int(m[k].split()[0]) for k in ("改善", "悪化", "変化なし", "比較不可")) == 6
    assert int(at.query_params.get("ya", 0) or at.selectbox(key="_ya_pick").value) < int(at.selectbox(key="_yb_pick").value)


# ---- modules -----------------------------------------------------------------------------------

def test_required_change_pace_and_projection():
    kpi = {"direction": "increase", "kind": "quantitative", "baseline_value": 100.0, "baseline_fy": 2020,
           "target_value": 200.0, "target_fy": 2025, "actual_value": 150.0, "eval_fy": 2023, "cumulative": False}
    obs = pl.DataFrame({"value_kind": ["baseline", "actual", "target"], "fiscal_year": [2020, 2023, 2025],
                        "value": [100.0, 150.0, 200.0], "cumulative_value": [None, None, None]},
                       schema_overrides={"cumulative_value": pl.Float64})
    need = trajectory.required_yearly_change(kpi)
    assert (need.per_year, need.from_kind, need.already_met) == (25.0, "actual", False)
    assert trajectory.pace(kpi, obs) == pytest.approx(50 / 3)
    assert trajectory.projection(kpi, obs)[3] == pytest.approx(150 + 2 * 50 / 3)
    # without an actual the change is counted from the baseline; once met nothing more is needed
    assert trajectory.required_yearly_change({**kpi, "actual_value": None}).per_year == 20.0
    assert trajectory.required_yearly_change({**kpi, "actual_value": 210.0}).already_met
    assert trajectory.required_yearly_change({**kpi, "target_fy": 2023}) is None


def test_tile_map_has_every_prefecture_once():
    assert sorted(tilemap.TILES) == [f"{i:02d}" for i in range(1, 48)]
    positions = [(c, r) for _, c, r in tilemap.TILES.values()]
    assert len(set(positions)) == 47
    assert tilemap.tile("160008")[0] == "富山"


def test_transitions_count_each_kpi_once_and_name_the_change():
    before = pl.DataFrame({"kpi_id": ["a", "b", "c"], "status": ["遅れ", "順調", "判定不能"], "progress_ratio": [0.2, 1.1, None],
                           "actual_value": [1.0, 2.0, None], "eval_fy": [2022] * 3, "kpi_name": ["A", "B", "C"],
                           "entity": ["x"] * 3, "area": ["a"] * 3, "item_code": ["1", "2", "3"]})
    after = before.with_columns(pl.Series("status", ["順調", "やや遅れ", "判定不能"]))
    crosstab, changes = comparison.transitions(before, after)
    assert crosstab["n"].sum() == 3 and crosstab.height == 36
    assert dict(zip(changes["kpi_id"], changes["change"])) == {"a": "改善", "b": "悪化", "c": "変化なし"}
    assert changes["change"][0] == "悪化"  # worsened first


def test_ranking_ties_share_the_better_rank():
    ranked = comparison.rank(pl.DataFrame({"entity": ["a", "b", "c"], "v": [0.5, 0.9, 0.5]}), "v")
    assert ranked["entity"].to_list() == ["b", "a", "c"] and ranked["rank"].to_list() == [1, 2, 2]


def test_attention_puts_the_furthest_behind_first(tmp_path):
    line = [("baseline", 2020, 0), ("target", 2025, 100)]
    d = make_data_dir(tmp_path, [{"kpi_id": k, "obs": line + [("actual", 2024, a)]}
                                 for k, a in (("a", 50), ("b", 30), ("c", 90), ("d", 10))])
    rows = db.run("evaluate", db.connect(d))
    assert status.attention(rows)["kpi_id"].to_list() == ["d", "b", "a"]
    assert status.attention(rows, limit=1)["kpi_id"].to_list() == ["d"]


def test_western_years_setting_reaches_table_cells(worked_example):
    # Table cells are formatted inside polars (worker threads): the setting must still apply there.
    at = app_test()
    at.toggle(key="western_years").set_value(True).run()
    table = next(d.value for d in at.dataframe if "基準値" in d.value.columns)
    assert table["基準値"].iloc[0] == "100人（2020）"
    assert table["実績値"].iloc[0] == "150人（2023）"


def test_compare_keeps_each_units_entities_and_narrows_municipalities_to_a_prefecture(synthetic):
    at = app_test("pages/compare.py")
    prefectures = at.multiselect(key="ents_prefecture")
    picked = prefectures.options[1:3]
    prefectures.set_value(picked).run()
    at.selectbox(key="etype").set_value("municipality").run()
    towns = at.multiselect(key="ents_municipality")
    assert len(towns.options) == 20
    first_prefecture = at.selectbox(key="pref").options[1]
    at.selectbox(key="pref").set_value(first_prefecture).run()
    narrowed = at.multiselect(key="ents_municipality").options
    assert 0 < len(narrowed) < 20
    # the table is the entities set side by side, the ranking every municipality of that prefecture
    chosen = at.multiselect(key="ents_municipality").value
    table = next(d.value for d in at.dataframe if "自治体" in d.value.columns)
    assert sorted(table["自治体"]) == sorted(chosen)
    ranking = next(c for c in at.get("plotly_chart") if "ランキング" in c.proto.spec)
    bars = json.loads(ranking.proto.spec)["data"]
    assert sorted(n for t in bars for n in t["y"]) == sorted(narrowed)
    at.selectbox(key="etype").set_value("prefecture").run()
    assert at.multiselect(key="ents_prefecture").value == picked  # back on 都道府県: the same entities side by side
