"""Figures of kpiboard/charts on the embedded data and on small frames: rank axes in whole places, thousands
separators, units written horizontally, the 100% target clear of the bars' labels, long names shortened on
the chart and whole in the hover. The last tests draw figures in Chromium and read what Plotly drew."""
from __future__ import annotations

import re

import plotly.graph_objects as go
import polars as pl
import pytest

from kpiboard import charts, views

RANK_KPI = "toyama-growth:4-1"  # 製造業における付加価値率の全国順位: 12位 (R2) → 10位 (R8)
LONG_PLAN = "とても長い名前の計画：" + "地域の未来を切り拓く総合的なまちづくりと人づくりの推進計画" * 2 + "（テスト市）"


def spec(fig: go.Figure) -> dict:
    return fig.to_plotly_json()


def axes(fig: go.Figure) -> dict[str, dict]:
    layout = spec(fig)["layout"]
    return {k: v for k, v in layout.items() if re.fullmatch(r"[xy]axis\d*", k)}


def plain(text: str) -> str:
    return re.sub(r"<[^>]+>", "", charts.plain_text(text or ""))


def hover_formats(fig: go.Figure, var: str = "y") -> list[str]:
    return [f for t in fig.data for f in re.findall(r"%\{" + var + r":([^}]*)\}", t.hovertemplate or "")]


def whole_number_format(fmt: str) -> bool:
    """A d3 format that prints a number without decimals (d, or f/r with precision 0)."""
    return bool(re.fullmatch(r",?(d|\.0~?f)", fmt))


def rank_series(values: dict[str, list[tuple[int, float]]], unit: str = "位", direction: str = "rank") -> pl.DataFrame:
    rows = [{"entity": e, "kpi_id": f"k-{e}", "item_code": "", "unit": unit, "direction": direction,
             "value_kind": "baseline" if i == 0 else "actual", "fiscal_year": fy, "value": float(v),
             "original_text": "", "source": "test"}
            for e, points in values.items() for i, (fy, v) in enumerate(points)]
    return pl.DataFrame(rows)


def rank_kpi(evaluated) -> dict:
    return evaluated.filter(pl.col("kpi_id") == RANK_KPI).row(0, named=True)


# ---------------------------------------------------------------- 1. ranks in whole places, 1位 first

def test_rank_trajectory_has_whole_places_only_with_the_best_on_top(run, evaluated):
    kpi = rank_kpi(evaluated)
    fig = charts.trajectory_figure(kpi, run("kpi_observations", kpi_id=RANK_KPI),
                                   expected=[(2020, 12.0), (2023, 11.0), (2026, 10.0)], title="推移と見通し")
    y = fig.layout.yaxis
    assert y.autorange == "reversed"  # 10位 above 12位
    assert y.tickmode == "array" and y.tickvals, "a rank axis must not leave Plotly to pick 10.5"
    assert all(float(v).is_integer() and v >= 1 for v in y.tickvals), y.tickvals
    assert {10, 12} <= set(y.tickvals)
    assert not any("." in t for t in y.ticktext)
    # the expected path between places (11.67位) is hovered as a whole place
    assert hover_formats(fig) and all(whole_number_format(f) for f in hover_formats(fig) if f != ","), hover_formats(fig)


def test_rank_ticks_stay_few_and_whole_over_all_47_places():
    ticks = charts.rank_ticks([1, 3.5, 47])
    assert ticks[0] == 1 and max(ticks) <= 47 and len(ticks) <= 8
    assert all(isinstance(t, int) for t in ticks)
    assert charts.rank_ticks([12, 12]) == [12]


def test_indicator_lines_of_a_rank_are_reversed_and_whole_but_an_index_is_not():
    series = rank_series({"A県": [(2020, 14), (2022, 11), (2024, 9)], "B県": [(2020, 30), (2022, 27), (2024, 26)]})
    fig = charts.indicator_lines_figure(series, highlight="A県")
    y = fig.layout.yaxis
    assert y.autorange == "reversed"
    assert all(float(v).is_integer() for v in y.tickvals) and min(y.tickvals) >= 1
    assert all(whole_number_format(f) for f in hover_formats(fig)), hover_formats(fig)

    indexed = charts.indicator_lines_figure(series, highlight="A県", index=True)
    assert indexed.layout.yaxis.autorange != "reversed"
    assert indexed.layout.yaxis.title.text == "基準年 = 100"


def test_a_value_that_is_not_a_rank_keeps_its_axis_the_usual_way_up(evaluated, run):
    kpi = evaluated.filter((pl.col("direction") == "increase") & pl.col("actual_value").is_not_null()).row(0, named=True)
    fig = charts.trajectory_figure(kpi, run("kpi_observations", kpi_id=kpi["kpi_id"]))
    assert fig.layout.yaxis.autorange != "reversed"
    assert fig.layout.yaxis.tickmode != "array"


# ---------------------------------------------------------------- 2. thousands separators

def every_figure(run, evaluated) -> dict[str, go.Figure]:
    kpi = rank_kpi(evaluated)
    growth = evaluated.filter(pl.col("plan_id") == "toyama-growth")
    date = run("series_dates").filter(pl.col("entities") == 47).row(0, named=True)
    ranking = run("series_ranking", indicator=date["indicator"], as_of=date["as_of"])
    people = rank_series({"A市": [(2020, 1_200_000), (2024, 1_350_000)]}, unit="人", direction="increase")
    return {
        "trajectory": charts.trajectory_figure(kpi, run("kpi_observations", kpi_id=RANK_KPI)),
        "lines": charts.indicator_lines_figure(people),
        "ranking": charts.ranking_figure(ranking, value="value", value_label=date["indicator"], unit="%"),
        "national": charts.national_lines_figure(run("series_national", indicator=date["indicator"], entity="富山県"),
                                                 entity="富山県", unit="%"),
        "status_bar": charts.status_bar_figure(growth, normalise=True),
        "status_counts": charts.status_bar_figure(growth),
        "progress": charts.progress_figure(evaluated, group="entity"),
        "categories": charts.policy_category_figure(run("regions_categories"), source="test"),
        "achievement": charts.achievement_figure(views.region_evaluations(evaluated), source="test"),
        "budget": charts.budget_figure(run("initiatives_budgets"), source="test"),
    }


def numeric_axes(fig: go.Figure) -> dict[str, dict]:
    """The axes some trace plots numbers on (a bar's length, a line's values, fiscal years), as drawn."""
    names = set()
    for t in fig.data:
        for var in ("x", "y"):
            values = getattr(t, var, None)
            if values is not None and any(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
                names.add(var + "axis" + (getattr(t, var + "axis", None) or var)[1:])
    return {k: a for k, a in axes(fig).items() if k in names and a.get("visible") is not False}


def is_fiscal_year(tick: str) -> bool:
    return bool(re.fullmatch(r"([RHS](\d+|元)(（\d{4}）)?|\d{4})", plain(tick)))


def test_every_numeric_axis_separates_thousands(run, evaluated):
    for name, fig in every_figure(run, evaluated).items():
        numeric = numeric_axes(fig)
        assert numeric, name
        for key, axis in numeric.items():
            if axis.get("tickmode") == "array":  # ticks written out (fiscal years, 5億円): a large number separated
                texts = [t for t in axis.get("ticktext", ()) if not is_fiscal_year(str(t))]
                assert not any(re.search(r"\d{4}", plain(str(t))) for t in texts), (name, key, texts)
            else:
                assert "," in (axis.get("tickformat") or ""), (name, key, axis.get("tickformat"))


def test_hover_values_separate_thousands():
    fig = charts.indicator_lines_figure(rank_series({"A市": [(2020, 1_200_000), (2024, 1_350_000)]}, unit="人",
                                                    direction="increase"))
    assert hover_formats(fig) and all(f.startswith(",") for f in hover_formats(fig))


# ---------------------------------------------------------------- 4. units horizontal

@pytest.mark.parametrize("unit", ["人", "件", "円", "位", "%"])
def test_a_unit_is_written_above_the_y_axis_not_turned_on_its_side(evaluated, run, unit):
    series = rank_series({"A市": [(2020, 12), (2024, 15)]}, unit=unit, direction="increase")
    fig = charts.indicator_lines_figure(series)
    assert not (fig.layout.yaxis.title.text or "").strip(), "a y axis title is drawn rotated"
    above = [a for a in fig.layout.annotations if unit in plain(a.text) and a.yref == "paper" and a.y >= 1]
    assert len(above) == 1 and (above[0].textangle or 0) == 0
    assert above[0].xref == "paper" and above[0].x <= 0 and above[0].xanchor == "right"  # left of the legend


def test_no_figure_has_a_one_character_y_axis_title(run, evaluated):
    for name, fig in every_figure(run, evaluated).items():
        for key, axis in axes(fig).items():
            if key.startswith("y"):
                title = plain((axis.get("title") or {}).get("text") or "")
                assert len(title.strip("（）() ")) != 1, (name, title)


# ---------------------------------------------------------------- 3. the target clear of the bars' labels

def test_the_target_line_is_named_where_no_bar_label_can_be(evaluated):
    rows = views.region_evaluations(evaluated)
    fig = charts.achievement_figure(rows, source="test")
    bar_labels = [(x, y) for t in fig.data if t.type == "bar" for x, y in zip(t.x, t.y) if x is not None]
    assert any(abs(x - 129) < 1 for x, _ in bar_labels)  # the 129% bar the report was about
    inside = [a for a in fig.layout.annotations if "目標" in plain(a.text)]
    for a in inside:
        in_plot = (a.xref == "x" or (a.xref == "paper" and 0 <= a.x <= 1)) and \
                  (a.yref in ("y", "y domain") or (a.yref == "paper" and 0 <= a.y <= 1))
        assert not in_plot, "a text inside the plot area sits where a bar's label can be"
        assert (a.x, a.y) not in bar_labels
    named = [s for s in fig.layout.shapes if s.x0 == 100 and s.showlegend and "目標" in (s.name or "")]
    assert named or any("目標" in plain(a.text) for a in inside), "the 100% line must be named somewhere"


# ---------------------------------------------------------------- 5. long names

def test_a_long_plan_name_is_shortened_on_the_axis_and_whole_in_the_hover():
    rows = pl.DataFrame({"plan_label": [LONG_PLAN, "短い計画"], "status": ["達成", "遅れ"]})
    fig = charts.status_bar_figure(rows, group="plan_label", normalise=True, highlight=LONG_PLAN)
    ticks = fig.layout.yaxis.ticktext
    long_tick = ticks[0]
    assert all(len(plain(line)) <= 24 for line in long_tick.split("<br>")), long_tick
    assert long_tick.count("<br>") == 1  # two lines
    assert "▶" in long_tick
    assert plain(long_tick.replace("<br>", "")).lstrip("▶ ").rstrip("…") in LONG_PLAN
    # the hover's %{y} is the category: the whole name
    assert all("%{y}" in t.hovertemplate for t in fig.data)
    assert any(charts.plain_text(y) == LONG_PLAN for t in fig.data for y in t.y)


def test_a_long_title_takes_two_lines_and_nothing_is_lost_from_a_short_one():
    short = charts.layout(go.Figure(), "推移と見通し", "test")
    assert short.layout.title.text == "推移と見通し"
    long = charts.layout(go.Figure(), LONG_PLAN + " の判定の内訳", "test")
    lines = long.layout.title.text.split("<br>")
    assert len(lines) == 2 and all(len(plain(line)) <= 40 for line in lines)
    assert long.layout.margin.t > short.layout.margin.t  # room for the second line above the legend
    # broken after the colon, not in the middle of a word, when the first line has one
    national = charts.title_lines("マイナンバーカード交付率（人口に対する交付枚数率）: 富山県と全国の中央値・最も高い都道府県")
    assert [plain(line) for line in national.split("<br>")] == ["マイナンバーカード交付率（人口に対する交付枚数率）:",
                                                                "富山県と全国の中央値・最も高い都道府県"]


def test_achievement_labels_are_short_and_the_hover_names_region_and_kpi_in_full(evaluated):
    rows = views.region_evaluations(evaluated)
    fig = charts.achievement_figure(rows, source="test")
    longest = max(rows.iter_rows(named=True), key=lambda r: len(r["entity"]) + len(r["kpi_name"]))
    whole = f"{longest['entity']}｜{longest['kpi_name']}"
    hovers = [charts.plain_text(c[4]) for t in fig.data if t.type == "bar" for c in t.customdata]
    assert whole in hovers
    assert all("%{customdata[4]}" in t.hovertemplate for t in fig.data if t.type == "bar")
    labels = [y for t in fig.data if t.type == "bar" for y in t.y]
    assert all(len(plain(line)) <= 24 for y in labels for line in y.split("<br>"))


def test_ranking_shortens_a_long_highlighted_name_and_hovers_it_whole():
    names = ["長い名前の自治体" * 5, "B市", "C町"]
    ranked = pl.DataFrame({"entity": names, "value": [3000.0, 2000.0, 1000.0], "rank": [1, 2, 3]})
    fig = charts.ranking_figure(ranked, value="value", value_label="人口", unit="人", highlight=names[0])
    assert len(plain(fig.layout.yaxis.ticktext[0])) < len(names[0])
    assert charts.plain_text(fig.data[0].y[0]) == names[0] and "%{y}" in fig.data[0].hovertemplate
    assert fig.layout.xaxis.title.text == "人口（人）"


# ---------------------------------------------------------------- drawn in Chromium: what a reader sees

def drawn(page, fig: go.Figure, width: int = 700) -> None:
    fig = go.Figure(fig)
    fig.update_layout(width=width, autosize=False)
    page.set_content(fig.to_html(include_plotlyjs=True, full_html=True, config={"locale": "ja"}))
    page.locator(".main-svg").first.wait_for()
    page.wait_for_function("document.querySelectorAll('.ytick text, .xtick text').length > 0")


def boxes(page, selector: str) -> list[dict]:
    return page.locator(selector).evaluate_all(
        "els => els.map(e => { const r = e.getBoundingClientRect();"
        " return {text: e.textContent, left: r.left, right: r.right, top: r.top, bottom: r.bottom}; })")


def overlap(a: dict, b: dict) -> bool:
    return a["left"] < b["right"] and b["left"] < a["right"] and a["top"] < b["bottom"] and b["top"] < a["bottom"]


@pytest.mark.browser
def test_drawn_axes_read_whole_ranks_and_separated_thousands(evaluated, run, page):
    kpi = rank_kpi(evaluated)
    drawn(page, charts.trajectory_figure(kpi, run("kpi_observations", kpi_id=RANK_KPI),
                                         expected=[(2020, 12.0), (2026, 10.0)], title="推移と見通し"))
    ranks = [b["text"] for b in boxes(page, ".ytick text")]
    assert ranks and all(re.fullmatch(r"\d+", t) for t in ranks), ranks  # no 10.5
    ys = {b["text"]: b["top"] for b in boxes(page, ".ytick text")}
    assert ys[min(ranks, key=int)] < ys[max(ranks, key=int)]  # the best place on top
    assert not page.locator(".g-ytitle text").count() or not page.locator(".g-ytitle text").first.text_content()
    unit = [b for b in boxes(page, ".annotation-text") if b["text"] == "（位）"]
    assert unit and unit[0]["right"] - unit[0]["left"] > unit[0]["bottom"] - unit[0]["top"]  # horizontal

    drawn(page, charts.indicator_lines_figure(rank_series({"A市": [(2020, 1_200_000), (2024, 1_950_000)]}, unit="人",
                                                          direction="increase")))
    people = [b["text"] for b in boxes(page, ".ytick text")]
    assert any(re.fullmatch(r"\d{1,3}(,\d{3})+", t) for t in people), people
    assert not any(re.search(r"\d{4}|[kM]$", t) for t in people), people


@pytest.mark.browser
def test_drawn_target_label_does_not_touch_a_bar_label(evaluated, page):
    rows = views.region_evaluations(evaluated)
    for width in (700, 1140):
        drawn(page, charts.achievement_figure(rows, source="test"), width)
        labels = [b for b in boxes(page, ".bartext") if b["text"].strip()]
        assert any(b["text"].startswith("129%") for b in labels)
        targets = [b for b in boxes(page, ".legendtext, .annotation-text") if "目標" in b["text"]]
        assert targets, "the target is named on the chart"
        assert not [(t["text"], b["text"]) for t in targets for b in labels if overlap(t, b)]


@pytest.mark.browser
def test_drawn_long_title_and_plan_labels_fit_the_figure(page):
    rows = pl.DataFrame({"plan_label": [LONG_PLAN, "短い計画", "長野地域連携中枢都市圏 連携中枢都市圏ビジョン（長野地域連携中枢都市圏）"],
                         "status": ["達成", "遅れ", "順調"]})
    fig = charts.status_bar_figure(rows, group="plan_label", normalise=True,
                                   title=f"すべての計画の判定の内訳（判定できる KPI の多い順に上位 10 計画）{LONG_PLAN}")
    drawn(page, fig, 650)
    svg = page.locator(".main-svg").first.bounding_box()
    for b in boxes(page, ".gtitle, .ytick text, .legendtext"):
        assert svg["x"] - 1 <= b["left"] and b["right"] <= svg["x"] + svg["width"] + 1, b["text"]
    title = boxes(page, ".gtitle")[0]
    assert title["top"] >= svg["y"] - 1, "the first line of a two-line title is cut off at the top"
    assert not [b["text"] for b in boxes(page, ".legendtext") if overlap(title, b)]


def test_the_export_progress_figure_draws_its_axis_like_the_app():
    """The handout's 達成率 chart: thousands separators on the axis (1,250%, not 1250%) and the target named 目標（100%）."""
    from kpiboard.export import build_report, figures

    report = build_report("富山県成長戦略")
    fig = figures.area_figure(report, report.areas[0])
    assert fig.layout.xaxis.tickformat == charts.base.NUMBER_FORMAT
    assert "達成率" in fig.layout.xaxis.title.text and "&#37;" in fig.layout.xaxis.title.text
    assert "目標（100%）" in [a.text for a in fig.layout.annotations]
