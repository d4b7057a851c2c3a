"""One plan's progress: a KPI's trajectory, status mixes, progress ratios, the status heatmap and the change between two years."""
from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from .. import trajectory
from ..settings import SETTINGS
from ..status import BAND_WORDS, ON_TRACK, STATUS_STYLE, UNDETERMINED, label, statuses
from .base import (COUNT_FORMAT, HIGHLIGHT, NUMBER_FORMAT, SHARE_SCALE, category, fiscal_year_axis, hover_format,
                   is_rank, layout, safe_label, shorten, value_axis, wrap)

GROUP_LINE_CHARS = 20  # a group's name (a plan, an entity) on the axis: lines of this many characters, two at most


def group_ticks(groups, highlight: str | None = None) -> list[str]:
    """Axis labels of groups: a long name (a plan's) on two lines instead of being cut at the plot's edge,
    the highlighted one in bold behind ▶. The hover's %{y} is the category: the whole name."""
    ticks = []
    for g in groups:
        lines = wrap(shorten(str(g), 2 * GROUP_LINE_CHARS), GROUP_LINE_CHARS).split("<br>")
        if highlight and g == highlight:
            lines = [f"<b>{'▶ ' if i == 0 else ''}{line}</b>" for i, line in enumerate(lines)]
        ticks.append("<br>".join(lines))
    return ticks


def _row_px(groups, single: int) -> int:
    """Pixels per group row: more when a label takes two lines."""
    return single + (12 if any(len(str(g)) > GROUP_LINE_CHARS for g in groups) else 0)


def trajectory_figure(kpi: dict, observations: pl.DataFrame, *, western_years: bool = False,
                      projection_to: int | None = None, expected: list[tuple[int, float]] | None = None,
                      title: str | None = None) -> go.Figure:
    """Baseline, targets (interim and final), actuals, the expected path and a projection of one KPI.

    `kpi` is a row of the evaluate query; `observations` the KPI's rows of the observations table.
    `expected`: (fiscal year, expected value) pairs from the evaluate query for each year (what the
    status was judged against); without them no expected path is drawn: a chart never guesses one.
    """
    obs = observations.filter(pl.col("value").is_not_null() | pl.col("cumulative_value").is_not_null())
    if kpi.get("cumulative"):
        obs = obs.with_columns(pl.coalesce("cumulative_value", "value").alias("value"))
    obs = obs.filter(pl.col("value").is_not_null() & pl.col("fiscal_year").is_not_null()).sort("fiscal_year")
    unit = safe_label(kpi.get("unit") or "")  # goes into the hover templates
    rank = is_rank(kpi.get("unit"), kpi.get("direction"))
    number = hover_format(rank)  # expected and projected values: a rank whole, others to one decimal
    fig = go.Figure()
    tfy = kpi.get("target_fy")
    if expected and len(expected) >= 2:
        xs, ys = zip(*sorted(expected))
        fig.add_trace(go.Scatter(x=list(xs), y=list(ys), name="期待される推移", mode="lines",
                                 line={"color": "#555", "dash": "dash", "width": 2},
                                 hovertemplate="%{x}年度 期待値 %{y:" + number + "}" + unit + "<extra></extra>"))
    style = {"baseline": ("基準値", "#000000", "square"), "target": ("目標値", "#0072B2", "diamond-open"),
             "actual": ("実績値", "#D55E00", "circle"), "estimate": ("見込み", "#E69F00", "circle-open")}
    for kind, (name, color, symbol) in style.items():
        part = obs.filter(pl.col("value_kind") == kind)
        if part.is_empty():
            continue
        mode = "lines+markers" if kind == "actual" and part.height > 1 else "markers"
        fig.add_trace(go.Scatter(
            x=part["fiscal_year"].to_list(), y=part["value"].to_list(), name=name, mode=mode,
            marker={"symbol": symbol, "size": 13, "color": color, "line": {"width": 2, "color": color}},
            line={"color": color, "width": 3},
            text=[safe_label(t) for t in part["original_text"].to_list()],
            hovertemplate="%{x}年度 %{y:,}" + unit + "<br>原文: %{text}<extra>" + name + "</extra>",
        ))
    proj = trajectory.projection(kpi, observations, projection_to)
    if proj:
        x0, v0, x1, v1 = proj
        fig.add_trace(go.Scatter(x=[x0, x1], y=[v0, v1], name="現状ペースの見通し", mode="lines+markers",
                                 marker={"symbol": ["circle", "x"], "size": [1, 12], "color": HIGHLIGHT},
                                 line={"color": HIGHLIGHT, "dash": "dot", "width": 2},
                                 hovertemplate="%{x}年度 見通し %{y:" + number + "}" + unit + "<extra></extra>"))
    end = projection_to or tfy
    years = set(obs["fiscal_year"].to_list()) | ({end} if end else set()) | {y for y, _ in (expected or [])}
    fiscal_year_axis(fig, years, western_years)
    # Not from zero: a KPI moving from 45.8% to 51% must not look flat. A rank: whole places, 1位 on top.
    plotted = [v for trace in fig.data for v in (trace.y or ()) if v is not None]
    value_axis(fig, unit=kpi.get("unit"), rank=rank, values=plotted, rangemode="normal",
               **({} if rank else {"autorange": True}))
    if not fig.data:
        fig.add_annotation(text="数値の記録がありません", xref="paper", yref="paper", x=0.5, y=0.5,
                           showarrow=False, font={"size": 16, "color": "#666"})
    return layout(fig, title if title is not None else shorten(kpi.get("kpi_name", ""), 60), kpi.get("source", ""))


def status_bar_figure(evaluated: pl.DataFrame, *, group: str = "area", method: str = "expected",
                      title: str = "分野別の進捗判定", source: str = "", normalise: bool = False,
                      highlight: str | None = None) -> go.Figure:
    """Stacked horizontal bars: how many KPIs (or what share, `normalise`) of each status per group."""
    order = list(statuses(method))
    frame = evaluated.with_columns(pl.col(group).fill_null("（分野なし）"))
    counts = frame.group_by(group, "status").len()
    groups = frame[group].unique(maintain_order=True).to_list()
    totals = dict(frame.group_by(group).len().iter_rows())
    fig = go.Figure()
    for s in order:
        sub = counts.filter(pl.col("status") == s)
        lookup = dict(zip(sub[group].to_list(), sub["len"].to_list()))
        n = [lookup.get(g, 0) for g in groups]
        x = [100 * v / totals[g] if totals.get(g) else 0 for v, g in zip(n, groups)] if normalise else n
        style = STATUS_STYLE[s]
        fig.add_trace(go.Bar(
            y=[category(g) for g in groups], x=x, name=label(s), orientation="h", customdata=n,
            marker={"color": style["color"], "line": {"color": "#222", "width": 0.5},
                    "pattern": {"shape": style["pattern"], "fillmode": "overlay", "fgcolor": "#222", "fgopacity": 0.4,
                                "size": 8, "solidity": 0.2}},
            text=[(f"{v}件" if v else "") for v in n], textposition="inside", insidetextanchor="middle",
            hovertemplate="%{y}: %{customdata}件<extra>" + s + "</extra>",
        ))
    fig.update_layout(barmode="stack", bargap=0.25)
    fig.update_yaxes(autorange="reversed", tickmode="array", tickvals=[category(g) for g in groups],
                     ticktext=group_ticks(groups, highlight))
    most = max(totals.values(), default=0)
    value_axis(fig, axis="x", title="KPIの割合" if normalise else "KPI数", unit="%" if normalise else None,
               tickformat=NUMBER_FORMAT if normalise else COUNT_FORMAT, range=[0, 100] if normalise else None,
               dtick=None if normalise or most > 10 else 1)
    return layout(fig, title, source, height=max(320, 150 + _row_px(groups, 36) * len(groups)))


def progress_figure(evaluated: pl.DataFrame, *, group: str = "entity", bands: tuple[float, float, float] | None = None,
                    title: str = "KPIごとの進捗率", source: str = "", highlight: str | None = None) -> go.Figure:
    """Each KPI's progress ratio as a dot per group, with the band lines; mark and colour say the status."""
    frame = evaluated.filter(pl.col("progress_ratio").is_not_null())
    groups = evaluated[group].unique(maintain_order=True).to_list()
    fig = go.Figure()
    for s in statuses("expected") + statuses("abnf"):
        part = frame.filter(pl.col("status") == s)
        if part.is_empty():
            continue
        style = STATUS_STYLE[s]
        # Clip extreme ratios to the axis so one outlier does not flatten the rest; hover keeps the real value.
        fig.add_trace(go.Scatter(
            x=part["progress_ratio"].clip(-1.0, 3.0).to_list(), y=[category(g) for g in part[group].to_list()],
            mode="markers+text",
            name=label(s), text=[style["mark"]] * part.height, textposition="middle center",
            textfont={"size": 10, "color": "#000"},
            marker={"size": 16, "color": style["color"], "opacity": 0.8, "line": {"color": "#222", "width": 1}},
            customdata=list(zip([safe_label(k) for k in part["kpi_name"].to_list()], part["progress_ratio"].to_list())),
            hovertemplate="%{y}<br>%{customdata[0]}<br>進捗率 %{customdata[1]:.2f}<extra>" + s + "</extra>",
        ))
    for value, name, dash in zip(bands or SETTINGS.default_bands(), BAND_WORDS, ("solid", "dash", "dot")):
        fig.add_vline(x=value, line={"color": "#444", "dash": dash, "width": 1.2},
                      annotation={"text": f"{name} {value:g}", "font": {"size": 11}, "bgcolor": "rgba(255,255,255,0.8)"},
                      annotation_position="bottom right")
    cats = [category(g) for g in groups]
    fig.update_yaxes(autorange="reversed", tickmode="array", tickvals=cats, ticktext=group_ticks(groups, highlight),
                     categoryorder="array", categoryarray=cats, type="category")
    value_axis(fig, axis="x", title="進捗率 r（1.0 = 期待どおり。-1〜3 の範囲に収めて表示）", zeroline=True,
               zerolinecolor="#888")
    if frame.is_empty():
        fig.add_annotation(text="進捗率を計算できる KPI がありません（実績値が未登録）", xref="paper", yref="paper",
                           x=0.5, y=0.5, showarrow=False, font={"size": 15, "color": "#666"})
    return layout(fig, title, source, height=max(340, 170 + _row_px(groups, 40) * len(groups)))


def share_heatmap_figure(evaluated: pl.DataFrame, *, rows: str = "area", cols: str = "entity",
                         title: str = "分野別・順調以上の割合", source: str = "", highlight: str | None = None) -> go.Figure:
    """Share of 達成/順調 (A) among the KPIs that could be judged, per row × column, written in each cell."""
    judged = evaluated.filter(~pl.col("status").is_in(UNDETERMINED))
    grid = (evaluated.group_by(rows, cols).agg(pl.len().alias("n"))
            .join(judged.group_by(rows, cols).agg(pl.len().alias("judged"),
                                                   pl.col("status").is_in(ON_TRACK).sum().alias("good")),
                  on=[rows, cols], how="left"))
    row_names = evaluated[rows].fill_null("（分野なし）").unique(maintain_order=True).to_list()
    col_names = evaluated[cols].unique(maintain_order=True).to_list()
    lookup = {(r[rows] or "（分野なし）", r[cols]): r for r in grid.iter_rows(named=True)}
    z, text = [], []
    for rn in row_names:
        zr, tr = [], []
        for cn in col_names:
            cell = lookup.get((rn, cn))
            if not cell:
                zr.append(None)
                tr.append("")
            elif not cell["judged"]:
                zr.append(None)
                tr.append(f"－<br>({cell['n']}件)")
            else:
                share = cell["good"] / cell["judged"]
                zr.append(share * 100)
                tr.append(f"{share * 100:.0f}%<br>{cell['good']}/{cell['judged']}")
        z.append(zr)
        text.append(tr)
    fig = go.Figure(go.Heatmap(
        z=z, x=[category(c) for c in col_names], y=[category(r) for r in row_names], text=text, texttemplate="%{text}",
        textfont={"size": 11, "color": "#000"}, zmin=0, zmax=100, xgap=2, ygap=2,
        colorscale=SHARE_SCALE,
        colorbar={"title": {"text": "順調以上<br>の割合（%）"}, "thickness": 14, "tickformat": NUMBER_FORMAT},
        hovertemplate="%{y} × %{x}<br>%{text}<extra></extra>",
    ))
    ticks = [f"<b>▶{safe_label(c)}</b>" if highlight and c == highlight else safe_label(shorten(str(c), 10))
             for c in col_names]
    fig.update_xaxes(tickmode="array", tickvals=[category(c) for c in col_names], ticktext=ticks, side="bottom", showgrid=False)
    # rows shortened on the axis only: the hover's %{y} is the whole name
    fig.update_yaxes(autorange="reversed", showgrid=False, tickmode="array", tickvals=[category(r) for r in row_names],
                     ticktext=[safe_label(shorten(str(r), 20)) for r in row_names])
    fig.update_layout(plot_bgcolor="#f2f2f2")
    return layout(fig, title, source + "（－ = 判定できるKPIなし）" if source else "", height=max(340, 170 + 42 * len(row_names)))


def transition_figure(crosstab: pl.DataFrame, *, before: str, after: str, method: str = "expected",
                      title: str = "判定の変化", source: str = "") -> go.Figure:
    """A × B matrix of KPI counts: rows = status in year A, columns = status in year B."""
    order = list(statuses(method))
    lookup = {(r["before"], r["after"]): r["n"] for r in crosstab.iter_rows(named=True)}
    z = [[lookup.get((a, b), 0) for b in order] for a in order]
    text = [[(str(v) if v else "") for v in row] for row in z]
    labels_ = [label(s) for s in order]
    fig = go.Figure(go.Heatmap(z=z, x=labels_, y=labels_, text=text, texttemplate="%{text}", textfont={"size": 15},
                               colorscale=[[0, "#ffffff"], [1, "#0072B2"]], showscale=False, xgap=2, ygap=2,
                               hovertemplate=safe_label(before) + ": %{y}<br>" + safe_label(after)
                               + ": %{x}<br>%{z}件<extra></extra>"))
    # The diagonal (no change) framed, so "moved up / down" reads without colour.
    for i in range(len(order)):
        fig.add_shape(type="rect", x0=i - 0.5, x1=i + 0.5, y0=i - 0.5, y1=i + 0.5, line={"color": "#222", "width": 2})
    fig.update_yaxes(autorange="reversed", title_text=safe_label(before), showgrid=False)
    fig.update_xaxes(title_text=safe_label(after), side="top", showgrid=False)
    fig.update_layout(plot_bgcolor="white")
    fig = layout(fig, title, source, height=460)
    fig.update_layout(margin={"t": max(130, fig.layout.margin.t)})  # the B year above the matrix
    return fig
