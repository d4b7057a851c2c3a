"""Plotly figures shared by the pages and the exports (one chart, one function).

Figures carry their source as an annotation beneath the plot, so a chart copied or exported alone
still says where its figures come from. Colours are Okabe–Ito and statuses also get patterns, so the
charts survive black-and-white printing.
"""
from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from .eras import format_fiscal_year
from .status import STATUS_STYLE, statuses

FONT_FAMILY = "Noto Sans CJK JP, Noto Sans JP, IPAexGothic, Hiragino Sans, Meiryo, sans-serif"


def _layout(fig: go.Figure, title: str, source: str, height: int = 420) -> go.Figure:
    fig.update_layout(
        title={"text": title, "x": 0, "xanchor": "left"},
        font={"family": FONT_FAMILY, "size": 14},
        height=height,
        margin={"l": 60, "r": 30, "t": 60, "b": 90},
        plot_bgcolor="white",
        legend={"orientation": "h", "y": -0.18},
    )
    fig.add_annotation(text=f"出典: {source}", xref="paper", yref="paper", x=0, y=-0.32, showarrow=False,
                       xanchor="left", font={"size": 11, "color": "#555"})
    fig.update_xaxes(showgrid=True, gridcolor="#ddd")
    fig.update_yaxes(showgrid=True, gridcolor="#ddd")
    return fig


def trajectory_figure(kpi: dict, observations: pl.DataFrame, *, western_years: bool = False,
                      projection_to: int | None = None) -> go.Figure:
    """Baseline, targets (interim and final), actuals and the expected path of one KPI.

    `kpi` is a row of the evaluate query; `observations` the KPI's rows of the observations table.
    """
    obs = observations.filter(pl.col("value").is_not_null()).sort("fiscal_year")
    if kpi.get("cumulative"):
        obs = obs.with_columns(pl.coalesce("cumulative_value", "value").alias("value"))
    unit = kpi.get("unit") or ""
    fig = go.Figure()
    style = {"baseline": ("基準値", "#000000", "square"), "target": ("目標値", "#0072B2", "diamond-open"),
             "actual": ("実績値", "#D55E00", "circle"), "estimate": ("見込み", "#E69F00", "circle-open")}
    for kind, (name, color, symbol) in style.items():
        part = obs.filter(pl.col("value_kind") == kind)
        if part.is_empty():
            continue
        mode = "lines+markers" if kind in ("actual", "target") and part.height > 1 else "markers"
        fig.add_trace(go.Scatter(
            x=part["fiscal_year"].to_list(), y=part["value"].to_list(), name=name, mode=mode,
            marker={"symbol": symbol, "size": 11, "color": color, "line": {"width": 2, "color": color}},
            line={"color": color, "dash": "dot" if kind == "target" else "solid"},
            text=part["original_text"].to_list(),
            hovertemplate="%{x}年度 %{y:,}" + unit + "<br>原文: %{text}<extra>" + name + "</extra>",
        ))
    b, y0, t, tfy = kpi.get("baseline_value"), kpi.get("baseline_fy"), kpi.get("target_value"), kpi.get("target_fy")
    if b is not None and t is not None and y0 is not None and tfy is not None and tfy > y0:
        fig.add_trace(go.Scatter(x=[y0, tfy], y=[b, t], name="期待される推移（直線）", mode="lines",
                                 line={"color": "#777", "dash": "dash", "width": 1.5}, hoverinfo="skip"))
    actual = obs.filter(pl.col("value_kind") == "actual")
    end = projection_to or tfy
    if actual.height >= 2 and end is not None and end > actual["fiscal_year"].max():
        xs, ys = actual["fiscal_year"].to_list(), actual["value"].to_list()
        slope = (ys[-1] - ys[0]) / (xs[-1] - xs[0]) if xs[-1] != xs[0] else 0.0
        fig.add_trace(go.Scatter(x=[xs[-1], end], y=[ys[-1], ys[-1] + slope * (end - xs[-1])],
                                 name="現状ペースの見通し", mode="lines",
                                 line={"color": "#D55E00", "dash": "longdash", "width": 1.5}))
    years = sorted(set(obs["fiscal_year"].to_list()) | ({end} if end else set()))
    fig.update_xaxes(tickmode="array", tickvals=years,
                     ticktext=[format_fiscal_year(y, western_only=western_years) for y in years])
    fig.update_yaxes(title_text=unit, rangemode="tozero" if kpi.get("direction") != "rank" else "normal",
                     autorange="reversed" if kpi.get("direction") == "rank" else True)
    return _layout(fig, kpi.get("kpi_name", ""), kpi.get("source", ""))


def status_bar_figure(evaluated: pl.DataFrame, *, group: str = "area", method: str = "expected",
                      title: str = "分野別の進捗判定", source: str = "") -> go.Figure:
    """Stacked horizontal bars: how many KPIs of each status per group (area, entity …)."""
    order = list(statuses(method))
    counts = (evaluated.with_columns(pl.col(group).fill_null("（分野なし）"))
              .group_by(group, "status").len())
    groups = evaluated[group].fill_null("（分野なし）").unique(maintain_order=True).to_list()
    fig = go.Figure()
    for s in order:
        sub = counts.filter(pl.col("status") == s)
        lookup = dict(zip(sub[group].to_list(), sub["len"].to_list()))
        style = STATUS_STYLE[s]
        fig.add_trace(go.Bar(
            y=groups, x=[lookup.get(g, 0) for g in groups], name=f"{style['mark']} {s}", orientation="h",
            marker={"color": style["color"], "pattern": {"shape": style["pattern"], "fgcolor": "#222"}},
            hovertemplate="%{y}: %{x}件<extra>" + s + "</extra>",
        ))
    fig.update_layout(barmode="stack")
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(title_text="KPI数")
    return _layout(fig, title, source, height=max(320, 60 + 40 * len(groups)))
