"""導入前後の比較 (the committee's ask in 001: figures before and after a measure, e.g. LINE users before and after a
campaign): the rows of queries/before_after.sql shaped for the 施策・予算 page, and the figure of one KPI.

A start is a row of measure_starts (queries/measure_starts.sql): an initiative's or an imported 施策's first day. Each
KPI it serves is compared on its actuals: the last one before the start's fiscal year, the first and the latest one
from that year on. The verdicts at the before year and at the latest year are evaluate.sql's (the page runs it for
those years, `verdict_years`), joined here by KPI and year: nothing here judges. Everything is Polars expressions
(no Python per row inside Polars), and every figure keeps its source.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import plotly.graph_objects as go
import polars as pl

from . import citations, status
from . import format as fmt
from .charts.base import (HIGHLIGHT, SERIES_COLORS, fiscal_year_axis, hover_format, is_rank, layout, safe_label,
                          shorten, value_axis)
from .eras import ERA_OFFSETS, ERA_STARTS

# Always shown with a comparison: what it can and cannot say.
CAUTION = ("導入前後の比較は、施策の開始の前と後で数値がどう変わったかを示すもので、施策がその変化をもたらした"
           "（因果関係がある）ことを示すものではありません。同じ時期のほかの施策や社会・経済の動き、開始前から続いていた"
           "傾向、その年だけの事情（一時的な増減）でも数値は変わります。")
START_WORD = "施策開始"
NO_STARTS = ("開始日の記録された施策がありません。データ取込のシートに「施策開始日」列（施策の開始日: 2024-04-01、"
             "R6.4.1 など）を加えると、その施策の導入前後を比較できます。")
MISSING_BEFORE = "導入前の実績がありません"
MISSING_AFTER = "導入後の実績がありません"
MISSING_BOTH = "導入前・導入後とも実績がありません"
TABLE_COLUMNS = ("指標名", "単位", "導入前（年度・値）", "導入後の最初（年度・値）", "導入後（年度・値）", "変化", "判定（前→後）",
                 "出典（実績）")


# ------------------------------------------------------------------------------------------ the start

def _era_month(day: pl.Expr, western: bool = False) -> pl.Expr:
    """A Date column as 'R6.4' (2024-04-01), 'R3.1' (2021-01-19), 'H31.4' (2019-04-01); '2024.4' with Western years.
    The era is the calendar's: a day before 令和's first day (2019-05-01) is 平成."""
    y, m = day.dt.year(), day.dt.month().cast(pl.Utf8)
    if western:
        return pl.concat_str([y.cast(pl.Utf8), pl.lit("."), m])
    era = pl.lit(None, dtype=pl.Utf8)
    for name in ("S", "H", "R"):  # the latest era whose first day is not after the day wins
        first = date(*ERA_STARTS[name])
        era = pl.when(day >= pl.lit(first)).then(
            pl.concat_str([pl.lit(name), (y - ERA_OFFSETS[name]).cast(pl.Utf8)])).otherwise(era)
    return pl.concat_str([era.fill_null(y.cast(pl.Utf8)), pl.lit("."), m])


def _day_ja(day: pl.Expr) -> pl.Expr:
    """A Date column as 2021年6月1日."""
    return pl.concat_str([day.dt.year().cast(pl.Utf8), pl.lit("年"), day.dt.month().cast(pl.Utf8), pl.lit("月"),
                          day.dt.day().cast(pl.Utf8), pl.lit("日")])


def start_options(starts: pl.DataFrame, western: bool = False) -> dict[str, str]:
    """start_id → 「Ⅳ-1-③ …（富山県 重点政策Ⅳ …、施策開始 R3.6）」 for a picker, in the query's order."""
    if starts.is_empty():
        return {}
    day = pl.col("started_on").str.to_date("%Y-%m-%d", strict=False)
    labels = starts.select("start_id", pl.concat_str([
        pl.col("name"), pl.lit("（"), pl.col("plan"), pl.lit("、"), pl.lit(START_WORD + " "), _era_month(day, western),
        pl.when(pl.col("kpi_count") == 0).then(pl.lit("、対応するKPIなし")).otherwise(pl.lit("")), pl.lit("）")],
        ignore_nulls=True).alias("label"))
    return dict(zip(labels["start_id"].to_list(), labels["label"].to_list()))


def chosen_start(starts: pl.DataFrame, start_id: str | None, western: bool = False) -> dict | None:
    """The picked start with its words: `mark` (施策開始 R3.6), `day` (2021年6月1日), `fy` (R3（2021）)."""
    row = starts.filter(pl.col("start_id") == start_id)
    if start_id is None or row.is_empty():
        return None
    day = pl.col("started_on").str.to_date("%Y-%m-%d", strict=False)
    return row.head(1).with_columns(
        pl.concat_str([pl.lit(START_WORD + " "), _era_month(day, western)]).alias("mark"),
        _day_ja(day).alias("day"), fmt.fiscal_year("start_fy", western).alias("fy")).row(0, named=True)


def query_params(start: dict) -> dict:
    """The start's parameters of queries/before_after.sql."""
    initiative = start.get("initiative_id")
    return {"plan_id": start["plan_id"], "initiative_id": initiative, "measure": None if initiative else start["measure"]}


def kpi_options(evaluated: pl.DataFrame, served: tuple[str, ...] = ()) -> dict[str, str]:
    """kpi_id → 「KPI名（計画）」 of KPIs one may add to the comparison (rows of evaluate: one entity's KPIs), without
    those the start already serves."""
    if evaluated.is_empty():
        return {}
    rows = (evaluated.filter(~pl.col("kpi_id").is_in(list(served))).unique("kpi_id", maintain_order=True)
            .select("kpi_id", pl.concat_str([pl.col("kpi_name"), pl.lit("（"), pl.col("plan"), pl.lit("）")],
                                            ignore_nulls=True).alias("label")))
    return dict(zip(rows["kpi_id"].to_list(), rows["label"].to_list()))


def kpi_ids(rows: pl.DataFrame, served_only: bool = False) -> tuple[str, ...]:
    """The KPIs of a comparison, in its order (only those the start serves, with `served_only`)."""
    if rows.is_empty():
        return ()
    picked = rows.filter(pl.col("served")) if served_only else rows
    return tuple(picked["kpi_id"].unique(maintain_order=True).to_list())


def verdict_years(rows: pl.DataFrame) -> tuple[int, ...]:
    """The fiscal years evaluate.sql must judge for a comparison: every KPI's before year and latest year."""
    if rows.is_empty():
        return ()
    years = pl.concat([rows["before_fy"], rows["latest_fy"]]).drop_nulls().unique().sort()
    return tuple(int(y) for y in years.to_list())


# ------------------------------------------------------------------------------------------ the comparison

@dataclass(frozen=True)
class Comparison:
    kpis: pl.DataFrame     # one row per KPI: its before/after figures, both verdicts, `missing` (what is missing)
    series: pl.DataFrame   # its actuals, one row per KPI and fiscal year
    table: pl.DataFrame    # the table shown (TABLE_COLUMNS)
    source: str            # the table's source: the start's and the actuals' citations


def _with_year(year: str, value: str, western: bool) -> pl.Expr:
    """「R5（2023） 1,500人」; 「―（実績なし）」 without a value."""
    return (pl.when(pl.col(value).is_null()).then(pl.lit(fmt.NONE_TEXT + "（実績なし）"))
            .otherwise(pl.concat_str([fmt.fiscal_year(year, western), pl.lit(" "), fmt.value(value, pl.col("unit"))])))


def _change_text() -> pl.Expr:
    """+1,600人（+107%）; a % figure changes by ポイント; a rank says which way (a smaller place is a rise)."""
    change = pl.col("change")
    sign = pl.when(change > 0).then(pl.lit("+")).when(change < 0).then(pl.lit("-")).otherwise(pl.lit("±"))
    unit = pl.when(pl.col("unit") == "%").then(pl.lit("ポイント")).otherwise(pl.col("unit"))
    ratio = pl.col("change_ratio")
    relative = (pl.when(ratio.is_null()).then(pl.lit(""))
                .otherwise(pl.concat_str([pl.lit("（"), pl.when(ratio > 0).then(pl.lit("+")).otherwise(pl.lit("")),
                                          fmt.ratio(ratio), pl.lit("）")])))
    way = (pl.when(~pl.col("is_rank")).then(pl.lit(""))
           .when(change < 0).then(pl.lit("（順位が上昇）")).when(change > 0).then(pl.lit("（順位が低下）"))
           .otherwise(pl.lit("")))
    return (pl.when(change.is_null()).then(pl.lit(fmt.NONE_TEXT))
            .otherwise(pl.concat_str([sign, fmt.value(change.abs(), unit), relative, way])))


def _verdict_text(column: str, reason: str, year: str) -> pl.Expr:
    return pl.when(pl.col(year).is_null()).then(pl.lit(fmt.NONE_TEXT)).otherwise(
        status.label_with_reason_expr(column, reason))


def comparison(rows: pl.DataFrame, verdicts: pl.DataFrame | None, start: dict, *, western: bool = False,
               heads: tuple[str, ...] = ()) -> Comparison:
    """`rows`: queries/before_after.sql for the start; `verdicts`: evaluate.sql's rows for `verdict_years(rows)` (its
    status and status_reason by kpi_id and eval_fy), None when no year is to be judged."""
    summary_cols = ["kpi_id", "kpi_name", "item_code", "unit", "direction", "is_rank", "served", "kpi_plan", "kpi_source",
                    "before_fy", "before_value", "first_after_fy", "first_after_value", "latest_fy", "latest_value",
                    "change", "change_ratio", "baseline_fy", "baseline_value"]
    kpis = rows.select(summary_cols).unique("kpi_id", maintain_order=True)
    judged = (verdicts.select("kpi_id", pl.col("eval_fy").cast(pl.Int32), "status", "status_reason")
              if verdicts is not None and verdicts.height else
              pl.DataFrame(schema={"kpi_id": pl.Utf8, "eval_fy": pl.Int32, "status": pl.Utf8, "status_reason": pl.Utf8}))
    for side, year in (("before", "before_fy"), ("latest", "latest_fy")):
        kpis = kpis.join(judged.rename({"eval_fy": year, "status": f"{side}_status",
                                        "status_reason": f"{side}_reason"}),
                         on=["kpi_id", year], how="left")
    before, after = pl.col("before_value").is_null(), pl.col("latest_value").is_null()
    kpis = kpis.with_columns(
        pl.when(before & after).then(pl.lit(MISSING_BOTH)).when(before).then(pl.lit(MISSING_BEFORE))
        .when(after).then(pl.lit(MISSING_AFTER)).alias("missing"))
    series = (rows.filter(pl.col("fiscal_year").is_not_null())
              .select("kpi_id", "fiscal_year", "value", "original_text", "source", "phase"))
    # the sources of the two actuals compared: each KPI's before and latest figure
    cited = (series.join(kpis.select("kpi_id", "before_fy", "latest_fy"), on="kpi_id")
             .filter((pl.col("fiscal_year") == pl.col("before_fy")) | (pl.col("fiscal_year") == pl.col("latest_fy")))
             .group_by("kpi_id", maintain_order=True).agg(pl.col("source").drop_nulls().unique(maintain_order=True)
                                                          .str.join("；").alias("cited")))
    table = kpis.join(cited, on="kpi_id", how="left").select(
        pl.col("kpi_name").alias(TABLE_COLUMNS[0]),
        pl.col("unit").fill_null("").alias(TABLE_COLUMNS[1]),
        _with_year("before_fy", "before_value", western).alias(TABLE_COLUMNS[2]),
        _with_year("first_after_fy", "first_after_value", western).alias(TABLE_COLUMNS[3]),
        _with_year("latest_fy", "latest_value", western).alias(TABLE_COLUMNS[4]),
        _change_text().alias(TABLE_COLUMNS[5]),
        pl.concat_str([_verdict_text("before_status", "before_reason", "before_fy"), pl.lit(" → "),
                       _verdict_text("latest_status", "latest_reason", "latest_fy")]).alias(TABLE_COLUMNS[6]),
        pl.col("cited").fill_null(fmt.NONE_TEXT).alias(TABLE_COLUMNS[7]),
    )
    actual_sources = citations.combined_source(series["source"].drop_nulls().to_list(), 160, heads=heads)
    source = "；".join(s for s in (f"施策の開始日: {start.get('source') or fmt.NONE_TEXT}",
                                   f"実績: {actual_sources}" if actual_sources else "") if s)
    return Comparison(kpis, series, table, source)


def missing_message(kpi: dict, western: bool = False) -> str | None:
    """What a KPI lacks for the comparison, in words (None when it has both sides); a stated baseline before the start
    is named, since it is not an actual and is not compared."""
    if not kpi.get("missing"):
        return None
    text = f"{kpi['kpi_name']}: {kpi['missing']}。"
    if kpi.get("before_value") is None and kpi.get("baseline_value") is not None:
        text += (f"基準値 {fmt.scalar(fmt.value(pl.col('v'), pl.col('u')), v=kpi['baseline_value'], u=kpi['unit'] or '')}"
                 f"（{fmt.scalar(fmt.fiscal_year(pl.col('y'), western), y=kpi['baseline_fy'])}）は計画の基準値で実績では"
                 "ないため、比較には使っていません。")
    return text


# ------------------------------------------------------------------------------------------ the figure

def figure(comp: Comparison, kpi_id: str, start: dict, *, western_years: bool = False,
           heads: tuple[str, ...] = ()) -> go.Figure | None:
    """One KPI's actuals by fiscal year with the start marked (a vertical line 「施策開始 R6.4」 before the start's
    fiscal year) and the compared points highlighted: the last actual before (square), the first and the latest after
    (diamond), each filled with the colour of its verdict where evaluate.sql judged it. None when the KPI has no
    actual at all: the page then says what is missing instead of drawing an empty chart."""
    kpi = comp.kpis.filter(pl.col("kpi_id") == kpi_id).row(0, named=True)
    points = comp.series.filter(pl.col("kpi_id") == kpi_id).sort("fiscal_year")
    if points.is_empty():
        return None
    unit = kpi.get("unit") or ""
    rank = is_rank(unit, kpi.get("direction"))
    number = hover_format(rank)
    shown_unit = safe_label(unit)
    fig = go.Figure()
    fig.add_trace(go.Scatter(
        x=points["fiscal_year"].to_list(), y=points["value"].to_list(), name="実績値",
        mode="lines+markers" if points.height > 1 else "markers",
        line={"color": SERIES_COLORS[0], "width": 3}, marker={"size": 9, "color": SERIES_COLORS[0]},
        text=[safe_label(t) for t in points["original_text"].fill_null("").to_list()],
        hovertemplate="%{x}年度 %{y:" + number + "}" + shown_unit + "<br>原文: %{text}<extra>実績値</extra>"))
    highlighted = [
        ("導入前（最後の実績）", "before_fy", "before_value", "before_status", "square"),
        ("導入後（最初の実績）", "first_after_fy", "first_after_value", None, "diamond-open"),
        ("導入後（最新の実績）", "latest_fy", "latest_value", "latest_status", "diamond"),
    ]
    for name, year, value, verdict, symbol in highlighted:
        if kpi.get(value) is None or (year == "first_after_fy" and kpi["first_after_fy"] == kpi["latest_fy"]):
            continue
        judged = status.style(kpi.get(verdict)) if verdict and kpi.get(verdict) else None
        color = judged.color if judged else HIGHLIGHT
        words = f"判定: {status.label(judged.code)}" if judged else ""
        fig.add_trace(go.Scatter(
            x=[kpi[year]], y=[kpi[value]], name=name, mode="markers+text",
            marker={"symbol": symbol, "size": 18, "color": color, "line": {"width": 2, "color": "#222"}},
            text=[safe_label(status.label(judged.code)) if judged else ""], textposition="top center",
            textfont={"size": 13, "color": "#222"}, cliponaxis=False,  # a label at the top stays whole
            hovertemplate="%{x}年度 %{y:" + number + "}" + shown_unit + "<br>" + safe_label(words)
                          + "<extra>" + safe_label(name) + "</extra>"))
    start_fy = int(start["start_fy"])
    years = set(points["fiscal_year"].to_list()) | {start_fy}
    fiscal_year_axis(fig, years, western_years)
    fig.update_xaxes(range=[min(years) - 0.8, max(years) + 0.8])
    # the start's fiscal year is the first year "after": the line stands at its beginning
    fig.add_vline(x=start_fy - 0.5, line={"color": "#222", "dash": "dash", "width": 2},
                  annotation={"text": safe_label(start["mark"]), "font": {"size": 13, "color": "#222"},
                              "bgcolor": "rgba(255,255,255,0.85)"},
                  annotation_position="top right")
    plotted = [v for trace in fig.data for v in (trace.y or ()) if v is not None]
    value_axis(fig, unit=unit, rank=rank, values=plotted, rangemode="normal", **({} if rank else {"autorange": True}))
    source = "；".join(s for s in (citations.combined_source(points["source"].drop_nulls().to_list(), 120, heads=heads),
                                   f"施策の開始日: {start.get('source') or fmt.NONE_TEXT}") if s)
    return layout(fig, shorten(kpi["kpi_name"], 60), source)
