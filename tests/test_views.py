"""Views (kpiboard/views.py) on the embedded data and on small frames: what the pages draw, without Streamlit."""
from collections import Counter

import polars as pl

from kpiboard import status, views
from kpiboard.eras import format_fiscal_year
from kpiboard.parsing import format_value

GROWTH = "toyama-growth"  # 富山県成長戦略


# ---------------------------------------------------------------- 概要

def test_area_breakdown_counts_each_area_of_the_growth_strategy(run):
    rows = run("evaluate", plan=GROWTH)
    table = views.area_breakdown(rows, "expected")
    labels = [status.label(s) for s in status.statuses("expected")]
    assert table.columns == ["分野（戦略の柱）", *labels, "計"]
    # the plan's six pillars, in the plan's order (as evaluate lists the KPIs), each with its KPIs counted once
    assert table["分野（戦略の柱）"].to_list() == rows["area"].unique(maintain_order=True).to_list()
    assert table.height == 6 and table["計"].sum() == rows.height == 11
    want = Counter(zip(rows["area"].to_list(), rows["status"].to_list()))
    for r in table.iter_rows(named=True):
        area = r["分野（戦略の柱）"]
        assert [r[status.label(s)] for s in status.statuses("expected")] == [want[(area, s)] for s in status.statuses("expected")]
        assert r["計"] == sum(n for (a, _), n in want.items() if a == area)
    opening = table.filter(pl.col("分野（戦略の柱）") == "県庁オープン化戦略").row(0, named=True)
    assert (opening[status.label("達成")], opening[status.label("判定不能")], opening["計"]) == (1, 1, 2)


def test_area_breakdown_has_every_status_of_the_method_and_names_a_missing_area():
    rows = pl.DataFrame({"area": ["b", None, "b", "a"], "status": ["A", "N", "B", "A"]})
    table = views.area_breakdown(rows, "abnf")
    assert table.columns == ["分野（戦略の柱）", *[status.label(s) for s in status.statuses("abnf")], "計"]
    assert table["分野（戦略の柱）"].to_list() == ["b", views.NO_AREA, "a"]
    assert table.select(pl.exclude("分野（戦略の柱）")).rows() == [(1, 1, 0, 0, 2), (0, 0, 1, 0, 1), (1, 0, 0, 0, 1)]


def test_status_counts_and_unjudged_reasons(run):
    rows = run("evaluate", plan=GROWTH)
    counts = views.status_counts(rows, "expected")
    assert [s for s, _ in counts] == list(status.statuses("expected"))
    assert sum(n for _, n in counts) == rows.height
    assert dict(counts)["達成"] == 1
    assert views.unjudged_reasons(rows) is None  # one KPI has a verdict
    undetermined = rows.filter(pl.col("status").is_in(status.UNDETERMINED))
    text = views.unjudged_reasons(undetermined)
    reasons = Counter(undetermined["status_reason"].to_list())
    assert text == "、".join(f"{r} {n} 件" for r, n in reasons.most_common())


def test_kpi_table_formats_figures_with_their_years(run):
    rows = run("evaluate", plan=GROWTH)
    table = views.kpi_table(rows)
    assert table.columns == ["判定", "分野", "項目", "指標名", "基準値", "目標値", "実績値", "進捗率", "達成率", "出典", "kpi_id"]
    assert views.kpi_table(rows, ids=False).columns == table.columns[:-1]
    judged = table.filter(pl.col("判定") == status.label("達成")).row(0, named=True)
    kpi = rows.filter(pl.col("kpi_id") == judged["kpi_id"]).row(0, named=True)
    assert judged["実績値"].endswith(f"（{format_fiscal_year(kpi['eval_fy'])}）")
    assert judged["進捗率"].endswith("%")
    western = views.kpi_table(rows, western=True).filter(pl.col("kpi_id") == kpi["kpi_id"]).row(0, named=True)
    assert western["実績値"].endswith(f"（{kpi['eval_fy']}）")
    # a KPI that cannot be judged says why (evaluate's reason)
    assert any(v.startswith(status.label("判定不能") + "（") for v in table["判定"].to_list())


def test_plan_mix_and_national_headline(run, evaluated):
    def evaluate(**filters):
        return run("evaluate", **filters)
    summary = run("plan_verdict_mix", undetermined=status.UNDETERMINED)
    mix = views.plan_mix(summary, evaluate, limit=3)
    assert (mix.shown, mix.cut, mix.kpis) == (3, True, evaluated.height)
    assert mix.judged == evaluated.filter(~pl.col("status").is_in(status.UNDETERMINED)).height
    assert mix.rows["plan_label"][0].endswith("）")
    # plans with verdicts first, each plan's rows together in that order
    judged = summary["judged"].to_list()
    assert judged == sorted(judged, reverse=True) and judged[0] > 0
    assert mix.rows["plan_id"].unique(maintain_order=True).to_list() == summary["plan_id"].head(3).to_list()
    assert mix.rows.filter(pl.col("plan_id") == summary["plan_id"][0]).height == summary["kpis"][0]
    headline = views.national_headline(run, evaluate)
    assert headline.short_name == "マイナンバーカード交付率" and headline.as_of == "2022-12-31"
    assert (headline.place["entity"], headline.place["value"], headline.place["rank"]) == ("福島県", 53.7, 40)
    assert headline.verdict["kpi_id"] == headline.kpi["kpi_id"] and headline.verdict["status"] in status.STATUS_STYLE
    assert headline.median is not None and headline.document


def test_no_headline_without_a_complete_date(evaluated):
    def run(name, **params):
        return pl.DataFrame({"indicator": ["x"], "as_of": ["2020-01-01"], "prefectures": [17], "unit": ["%"]})
    assert views.national_headline(run, lambda **filters: evaluated) is None


# ---------------------------------------------------------------- 指標

def test_kpi_labels_mark_item_name_and_entity(evaluated):
    labels = views.kpi_labels(evaluated, with_entity=True)
    assert list(labels) == evaluated["kpi_id"].to_list()
    for r in evaluated.iter_rows(named=True):
        item = f"{r['item_code']} " if r["item_code"] else ""
        mark = status.STATUS_STYLE[r["status"]]["mark"]
        assert labels[r["kpi_id"]] == f"{mark} {item}{r['kpi_name']} ［{r['entity']}］"
    plain = views.kpi_labels(evaluated, with_entity=False)
    assert all("［" not in v and v == v.strip() for v in plain.values())
    odd = pl.DataFrame({"kpi_id": ["k"], "status": ["記録された評価"], "item_code": [None], "kpi_name": ["名"], "entity": ["e"]})
    assert views.kpi_labels(odd, with_entity=False) == {"k": "名"}  # an unknown status has no mark


def test_default_kpi_opens_one_with_the_most_to_show(run):
    rows = run("evaluate", plan=GROWTH)
    first = views.default_kpi(rows)
    assert rows.filter(pl.col("kpi_id") == first)["actual_value"][0] is not None
    no_actuals = rows.with_columns(pl.lit(None, pl.Float64).alias("actual_value"))
    k = views.kpi_row(no_actuals, views.default_kpi(no_actuals))
    assert k["baseline_value"] is not None and k["target_value"] is not None


def test_find_kpis_searches_and_filters_by_status(evaluated):
    found = views.find_kpis(evaluated, "ｵﾝﾗｲﾝ", None)
    assert found.height and all("オンライン" in f"{r['kpi_name']}{r['measure']}" for r in found.iter_rows(named=True))
    assert set(views.find_kpis(evaluated, None, ["達成"])["status"].to_list()) == {"達成"}


def test_kpi_detail_tables(run):
    kpi = "toyama-growth:4-1"
    obs = views.observation_table(run("kpi_observations", kpi_id=kpi))
    assert obs.columns == ["種別", "年度", "原文", "読み取った値", "修飾（以上・見込み等）", "累計値", "注記", "出典"]
    assert set(obs["種別"].to_list()) <= {"基準値", "目標値", "実績値", "見込み"}
    refs = views.reference_table(run("kpi_references", kpi_id=kpi))
    assert refs.columns == ["項目", "年", "原文", "注記", "出典"]
    linked = views.kpi_initiative_table(run("kpi_initiatives", kpi_id=kpi))
    assert linked.columns == ["施策番号", "施策", "担当", "対応の根拠", "注記", "出典"]
    assert set(linked["対応の根拠"].to_list()) <= set(views.BASIS_JA.values())
    k = views.kpi_row(run("evaluate", kpi_id=kpi), kpi)
    facts = views.kpi_facts(k, format_fiscal_year)
    assert facts.startswith("富山県｜富山県成長戦略｜") and "方向 " in facts


# ---------------------------------------------------------------- 比較

def _ranked(n: int) -> pl.DataFrame:
    return pl.DataFrame({"entity": [f"e{i:02d}" for i in range(n)], "rank": list(range(1, n + 1))})


def test_short_ranking_keeps_top_the_highlighted_neighbours_and_bottom():
    ranked = _ranked(80)
    assert views.short_ranking(_ranked(50), "e40").height == 50  # short enough: as it is
    short = views.short_ranking(ranked, "e40")
    assert short["entity"].to_list() == ([f"e{i:02d}" for i in range(20)] + ["e38", "e39", "e40", "e41", "e42"]
                                         + [f"e{i:02d}" for i in range(75, 80)])
    assert views.short_ranking(ranked, "e21")["entity"].to_list()[18:25] == ["e18", "e19", "e20", "e21", "e22", "e23", "e75"]
    assert views.short_ranking(ranked, "nobody").height == 25
    assert views.short_ranking(ranked, None).height == 25


def _pool(direction: list[str], actual: list[float]) -> pl.DataFrame:
    n = len(actual)
    return pl.DataFrame({
        "entity": [f"市{i}" for i in range(n)], "entity_id": [f"m{i}" for i in range(n)], "code": [None] * n,
        "indicator_id": ["ind"] * n, "sort_order": [1] * n, "unit": ["人"] * n, "direction": direction,
        "actual_value": actual, "progress_ratio": [0.5, 1.2, 0.9][:n], "achievement_rate": [0.1, 0.2, 0.3][:n],
        "status": ["遅れ", "順調", "概ね順調"][:n]})


def _rollup(shares: list[float | None]) -> pl.DataFrame:
    n = len(shares)
    return pl.DataFrame({"entity": [f"市{i}" for i in range(n)], "entity_id": [f"m{i}" for i in range(n)],
                         "on_track_share": shares}, schema_overrides={"on_track_share": pl.Float64})


def test_ranking_direction_follows_most_kpis_of_the_indicator():
    rollup = _rollup([0.0, 1.0, 0.5])
    up = views.ranking(rollup, "実績値（人口）", _pool(["increase", "increase", "decrease"], [10.0, 30.0, 20.0]))
    assert up.ranked["entity"].to_list() == ["市1", "市2", "市0"] and (up.value, up.unit, up.percent) == ("actual_value", "人", False)
    down = views.ranking(rollup, "実績値（待機児童数）", _pool(["decrease", "decrease", "increase"], [10.0, 30.0, 20.0]))
    assert down.ranked["entity"].to_list() == ["市0", "市2", "市1"]
    ratio = views.ranking(rollup, "進捗率（待機児童数）", _pool(["decrease"] * 3, [10.0, 30.0, 20.0]))
    assert ratio.ranked["entity"].to_list() == ["市1", "市2", "市0"] and ratio.percent  # a ratio: higher is better
    share = views.ranking(_rollup([None, 1.0, 0.5]), views.SHARE, _pool(["increase"] * 3, [1.0, 2.0, 3.0]))
    assert share.value == "on_track_share" and share.ranked["entity"].to_list() == ["市1", "市2"]  # nothing judged: unranked
    assert views.ranking_measures(None) == [views.SHARE]
    assert views.ranking_measures("人口")[1:] == ["進捗率（人口）", "達成率（人口）", "実績値（人口）"]


def test_entity_rollup_counts_each_entitys_verdicts(run, evaluated):
    rollup = run("entity_rollup", on_track=status.ON_TRACK, undetermined=status.UNDETERMINED)
    assert rollup["kpis"].sum() == evaluated.height and rollup["entity"].n_unique() == rollup.height
    for row in rollup.iter_rows(named=True):
        mine = evaluated.filter(pl.col("entity_id") == row["entity_id"])
        judged = mine.filter(~pl.col("status").is_in(status.UNDETERMINED)).height
        on_track = mine.filter(pl.col("status").is_in(status.ON_TRACK)).height
        assert (row["kpis"], row["judged"], row["on_track"]) == (mine.height, judged, on_track), row["entity"]
        assert row["on_track_share"] == (on_track / judged if judged else None)
        assert row["median_progress"] == mine["progress_ratio"].median()
    assert rollup["on_track_share"].drop_nulls().len() > 0
    # one kind of entity, a list of entities: evaluate's own filters
    prefectures = run("entity_rollup", entity_type="prefecture", on_track=status.ON_TRACK, undetermined=status.UNDETERMINED)
    assert 0 < prefectures.height < rollup.height
    assert set(prefectures["entity_id"]) == set(evaluated.filter(pl.col("entity_type") == "prefecture")["entity_id"])
    two = tuple(rollup["entity_id"].head(2))
    assert run("entity_rollup", entity_ids=two, on_track=status.ON_TRACK,
               undetermined=status.UNDETERMINED)["entity_id"].to_list() == list(two)
    assert set(run("evaluate", entity_ids=two)["entity_id"]) == set(two)


def test_entity_defaults():
    names = [f"県{i}" for i in range(10)]
    assert views.default_highlight(["福島県", "富山県"]) == 1 and views.default_highlight(names) == 0
    assert views.default_entities(names, "県3") == ["県3", "県0", "県1", "県2", "県4"]
    assert views.default_entities(names[:8], "県3") == names[:8]


def test_years_tables(run):
    before = run("evaluate", plan="fukushima-dx", eval_year=2021)
    after = run("evaluate", plan="fukushima-dx", eval_year=2022)
    crosstab, changes = views.transitions(before, after, "expected")
    assert crosstab.height == len(status.statuses("expected")) ** 2
    table = views.changes_table(changes, "A: R3", "B: R4")
    assert table.columns == ["変化", "分野", "指標名", "A: R3", "B: R4", "進捗率 A", "進捗率 B"]
    assert sum(views.change_counts(changes).values()) == changes.height
    both = views.years_side_by_side(before, after, "A", "B")
    assert both.height == before.height + after.height and set(both["年度"].to_list()) == {"A", "B"}


def test_published_views(run):
    complete = views.complete_dates(run("series_dates"))
    assert set(complete["prefectures"].to_list()) == {47}
    indicator = views.series_indicators(complete)[0]
    days = views.series_days(complete, indicator)
    assert list(days)[0] == "2022年12月31日" and days["2022年12月31日"] == "2022-12-31"
    assert views.earlier_days(days, "2021-01-01") == [label for label, iso in days.items() if iso < "2021-01-01"]
    ranking = run("series_ranking", indicator=indicator, as_of="2022-12-31")
    assert views.series_ranking_table(ranking, "%").columns == ["順位", "都道府県", "値", "出典", "URL"]
    assert views.series_ranking_table(ranking, "%").filter(pl.col("都道府県") == "福島県")["値"][0] == "53.7%"
    assert views.entity_code(ranking, "富山県") == "16" and views.entity_code(ranking, "どこか") is None
    assert views.published_source(ranking).endswith("。各都道府県の公表値をそのまま表示（補間なし）")
    prefectures = views.prefecture_names(run("entities_list"))
    linked = run("series_kpis")
    assert prefectures[views.series_highlight(linked, indicator, prefectures)] == "福島県"
    assert views.series_kpi(linked, indicator, "福島県")["kpi_id"] == "fukushima-dx:gyosei-4-1-1(4)"
    assert views.series_kpi(linked, indicator, "富山県") is None


# ---------------------------------------------------------------- 連携中枢都市圏

def test_categories_in_group_match_the_query_with_the_group(run):
    categories = run("regions_categories")
    for group in ("ア", "イ", "ウ"):
        assert views.categories_in_group(categories, group).equals(run("regions_categories", group=group))
    assert views.categories_in_group(categories, None).height == 27
    summary = views.category_summary(views.categories_in_group(categories, "イ"))
    assert summary.categories == 4 and summary.regions == 34
    assert summary.most["regions_with_kpi"] >= summary.fewest["regions_with_kpi"]
    assert views.category_source(categories).endswith("（R2.3 時点）")


def test_region_cards_write_figures_as_the_document_does(run, evaluated):
    examples = run("regions_examples")
    cards = views.region_cards(examples, views.region_evaluations(evaluated))
    assert [r["region"] for r, _ in cards] == views.region_names(examples)
    kpis = {k["kpi_name"]: k for _, ks in cards for k in ks}
    assert sum(len(ks) for _, ks in cards) == examples.height == 7
    assert any(k["actual"] == "16,454人（R元（2019））" for k in kpis.values())
    span = [k for k in kpis.values() if "～" in (k["actual_year_text"] or "")]
    assert span and all(k["actual"].endswith(f"（{k['actual_year_text']}）") for k in span)  # a period as written
    assert {k["status"] for k in kpis.values()} == {"達成"}
    western = views.region_cards(examples, views.region_evaluations(evaluated), western=True)
    assert any(k["actual"] == "16,454人（2019）" for _, ks in western for k in ks)
    none = views.region_cards(examples, evaluated.head(0))
    assert all(k["status"] is None and not k["baseline"].endswith("（R元（2019））") for _, ks in none for k in ks)


# ---------------------------------------------------------------- 施策・予算

def test_initiative_statuses_evaluate_only_the_linked_kpis(run, evaluated):
    links = run("initiatives_kpi_links")
    asked = []

    def evaluate(**filters):
        asked.append(filters)
        return run("evaluate", **filters)

    judged = views.initiative_statuses(links, evaluate)
    assert judged.height == links.height and judged["initiative_id"].to_list() == links["initiative_id"].to_list()
    assert asked == [{"kpi_id": k} for k in links["kpi_id"].unique(maintain_order=True).to_list()]
    everything = dict(zip(evaluated["kpi_id"].to_list(), evaluated["status"].to_list()))
    assert judged["status"].to_list() == [everything[k] for k in links["kpi_id"].to_list()]
    assert views.initiative_statuses(links.head(0), evaluate)["status"].to_list() == []


def test_budget_summary_counts_a_shared_programme_once(run):
    budgets = run("initiatives_budgets")
    summary = views.budget_summary(budgets)
    assert (summary.years, summary.span) == ("R3～R6", "R3（2021）～R6（2024）")
    assert views.budget_summary(budgets, western=True).years == "2021～2024"
    assert summary.shared.height == 1 and summary.shared["listed_codes"][0] == "Ⅳ-1-①・Ⅳ-1-②"
    once = budgets.unique(["fiscal_year", "program", "amount_yen"])["amount_yen"].sum()
    assert summary.total == views.budget_total(budgets) == once < budgets["amount_yen"].sum()
    table = views.budget_table(budgets)
    assert table.columns == ["年度", "施策番号", "事業", "金額", "原文", "重複", "注", "出典"]
    assert (table["重複"] != "").sum() == budgets.filter(pl.col("listed_under") > 1).height


def test_initiative_tables(run):
    initiatives = run("initiatives_list")
    assert list(views.initiative_plans(initiatives).values()) == ["富山県 重点政策Ⅳ「超」効率的な自治体運営（進捗 R6.11）"]
    table = views.initiative_table(initiatives)
    assert table.columns == ["施策番号", "施策", "担当", "予算（掲載額の計）", "ロードマップ", "対応するKPI", "出典"]
    assert table["ロードマップ"][0] == "R2（2020）～R6（2024）"
    assert views.linked_initiatives(initiatives) == 6
    assert views.lonely_initiatives(initiatives)["施策番号"].to_list() == ["Ⅳ-3-①", "Ⅳ-3-②"]
    assert views.chosen_initiatives(initiatives, "Ⅳ-2-①")["code"].to_list() == ["Ⅳ-2-①"]
    assert views.departments(initiatives) == sorted(set(views.departments(initiatives)))
    rows = run("initiatives_tree", plan=GROWTH)
    nodes = views.initiative_tree(rows, run("evaluate", plan=GROWTH))
    assert views.tree_kpis(nodes) == 11
    outline = views.tree_outline(nodes)
    assert outline.startswith("- **KGI: ") and " — " + status.label("達成") in outline
    lonely, total = views.lonely_kpis(rows, run("evaluate", plan=GROWTH))
    assert total == 11 and lonely.columns == ["分野", "項目", "指標名", "判定"] and lonely.height == 9


# ---------------------------------------------------------------- データ

def test_data_tables_keep_numbers_for_download_and_format_them_on_screen(run):
    kpis = run("data_kpis", plan=GROWTH)
    evaluated = run("evaluate", plan=GROWTH)
    table = views.data_kpi_table(kpis, evaluated)
    assert table.columns == ["指標名", "判定", "基準値", "基準年度", "目標値", "目標年度", "実績値", "評価年度", "達成率(%)", "単位",
                             "自治体・圏域", "計画", "分野", "項目", "方向", "累計", "観測値の数", "出典", "kpi_id"]
    assert table.schema["基準値"] == pl.Float64 and table.schema["累計"] == pl.Boolean
    assert table["評価年度"].null_count() > 0  # no year: an empty cell, not 「―」
    screen = views.data_kpi_screen(table)
    assert "達成率" in screen.columns and "達成率(%)" not in screen.columns
    assert screen["評価年度"].null_count() == 0 and "―" in screen["評価年度"].to_list()
    judged = screen.filter(pl.col("判定") == status.label("達成")).row(0, named=True)
    raw = table.filter(pl.col("kpi_id") == judged["kpi_id"]).row(0, named=True)
    fy = evaluated.filter(pl.col("kpi_id") == raw["kpi_id"])["eval_fy"][0]
    assert judged["評価年度"] == raw["評価年度"] == format_fiscal_year(fy)
    assert judged["実績値"] == format_value(raw["実績値"], raw["単位"] or "") and isinstance(raw["実績値"], float)
    assert judged["達成率"] == f"{round(raw['達成率(%)']):,}%"
    western = views.data_kpi_table(kpis, evaluated, western=True)
    assert set(western["評価年度"].drop_nulls().to_list()) <= {str(y) for y in range(1900, 2100)}
    observations = views.data_observation_table(run("data_observations", plan=GROWTH), table)
    assert observations.columns == ["指標名", "種類", "年度", "値", "単位", "原文", "自治体・圏域", "計画", "分野", "項目",
                                    "年度（西暦）", "年度（原文）", "限定", "注", "KPIの判定", "出典", "kpi_id"]
    assert observations["KPIの判定"].null_count() == 0
    obs_screen = views.data_observation_screen(observations)
    assert obs_screen["値"].dtype == pl.Utf8 and observations["値"].dtype == pl.Float64
    assert views.cut_note(table) is None
    assert views.cut_note(table, rows=3) == f"全 {table.height:,} 件のうち先頭 3 件を表示しています。すべての行はダウンロードで取り出せます。"
    assert views.data_kpi_screen(table, rows=3).height == 3


def test_data_filters(run):
    options = run("data_filter_options")
    areas = views.plan_areas(options, GROWTH)
    assert views.area_names_of(areas)[0] == "真の幸せ（ウェルビーイング）戦略" and views.plan_areas(options, None).is_empty()
    assert views.area_code(areas, views.area_names_of(areas)[0]) in set(areas["area_code"].to_list())
    years = views.filter_years(options)
    assert years == sorted(years) and years
    assert views.value_kind_names(["baseline", "actual"]) == "基準値・実績値"


def test_sql_tables():
    columns = pl.DataFrame({"table_name": ["b", "a", "b"], "table_label": ["B", "A", "B"], "row_count": [2, 1, 2],
                            "column_name": ["x", "y", "z"], "data_type": ["INTEGER", "VARCHAR", "DOUBLE"]})
    tables = views.sql_tables(columns)
    assert views.sql_table_names(tables) == ["a", "b"]
    assert views.sql_table_list(tables).rows() == [("a", "A", 1), ("b", "B", 2)]
    assert views.sql_columns(columns, "b").rows() == [("x", "INTEGER"), ("z", "DOUBLE")]
