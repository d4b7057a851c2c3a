"""Entities side by side: indicator lines, rankings, the prefecture tile map, a published series against the national figures."""
from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from .. import tilemap
from ..parsing import format_value
from ..status import STATUS_STYLE, label, statuses, text_color
from ..status import style as status_style
from .base import (HIGHLIGHT, NUMBER_FORMAT, SERIES_COLORS, SERIES_DASHES, SERIES_SYMBOLS, category, fiscal_year_axis,
                   hover_format, is_rank, label_lines, layout, safe_label, sequential_color, shorten, value_axis)

LEGEND_CHARS = 30  # a legend entry longer than this is shortened (the full name is in the hover)


def indicator_lines_figure(series: pl.DataFrame, *, highlight: str | None = None, western_years: bool = False,
                           index: bool = False, title: str = "同じ指標の推移", source: str = "") -> go.Figure:
    """Actuals (solid) and targets (dotted) of one indicator for several entities.

    `series`: rows of queries/indicator_series.sql. `index`: each series as 基準年=100 (compares
    entities of very different size). The highlighted entity is drawn thick in vermilion, the others
    each with their own colour, dash and marker.
    """
    fig = go.Figure()
    raw_unit = (series["unit"].drop_nulls().mode().to_list() or [""])[0] if series.height else ""
    unit = safe_label(raw_unit)
    directions = series["direction"].drop_nulls().mode().to_list() if "direction" in series.columns else []
    # ranks (1位 = best) in whole places, 1位 on top; an index (基準年 = 100) is not a rank any more
    rank = not index and is_rank(raw_unit, directions[0] if directions else None)
    number = hover_format(rank) if not index else hover_format()
    plotted = []
    keys = series.select("entity", "kpi_id", "item_code").unique(maintain_order=True)
    multi = keys["entity"].is_duplicated().any() if keys.height else False
    years = set()
    others = 0
    for entity, kpi_id, item in keys.iter_rows():
        rows = series.filter(pl.col("kpi_id") == kpi_id)
        base_rows = rows.filter(pl.col("value_kind").is_in(["baseline", "actual"])).sort("fiscal_year")
        base = base_rows["value"][0] if base_rows.height else None
        full = f"{entity} {item}" if multi and item else entity
        name = safe_label(full)  # the hover template's: the whole name
        legend = safe_label(shorten(full, LEGEND_CHARS))
        is_hl = highlight is not None and entity == highlight
        if is_hl:
            color, dash, symbol, width = HIGHLIGHT, "solid", "circle", 4.5
        else:
            color = SERIES_COLORS[others % len(SERIES_COLORS)]
            dash = SERIES_DASHES[others % len(SERIES_DASHES)]
            symbol = SERIES_SYMBOLS[others % len(SERIES_SYMBOLS)]
            width = 2
            others += 1
        for kind, suffix in (("actual", ""), ("target", "（目標）")):
            part = rows.filter(pl.col("value_kind") == (kind if kind == "target" else "actual")) if kind == "target" \
                else rows.filter(pl.col("value_kind").is_in(["baseline", "actual"]))
            part = part.sort("fiscal_year").unique("fiscal_year", keep="last", maintain_order=True)
            if part.is_empty():
                continue
            ys = part["value"].to_list()
            if index:
                if not base:
                    continue
                ys = [100 * v / base for v in ys]
            years |= set(part["fiscal_year"].to_list())
            plotted += ys
            fig.add_trace(go.Scatter(
                x=part["fiscal_year"].to_list(), y=ys, name=legend + suffix, legendgroup=name,
                mode="lines+markers", showlegend=kind == "actual" or part.height == rows.height,
                line={"color": color, "dash": dash if kind == "actual" else "dot", "width": width if kind == "actual" else 1.2},
                marker={"symbol": symbol if kind == "actual" else symbol + "-open", "size": 10 if is_hl else 8,
                        "color": color},
                opacity=1.0 if is_hl or not highlight else 0.75,
                hovertemplate=name + suffix + "<br>%{x}年度 %{y:" + number + "}" + ("" if index else unit)
                              + "<extra></extra>",
            ))
    fiscal_year_axis(fig, years, western_years)
    value_axis(fig, unit=None if index else raw_unit, rank=rank, values=plotted,
               title="基準年 = 100" if index else None)
    if not fig.data:
        fig.add_annotation(text="表示できる数値がありません", xref="paper", yref="paper", x=0.5, y=0.5,
                           showarrow=False, font={"size": 15, "color": "#666"})
    return layout(fig, title, source, height=460)


def ranking_figure(ranked: pl.DataFrame, *, value: str, value_label: str, highlight: str | None = None,
                   unit: str = "", percent: bool = False, title: str = "ランキング", source: str = "") -> go.Figure:
    """Horizontal bars, best first; the highlighted entity in vermilion with its rank written beside it.

    `ranked`: columns entity, `value`, rank (1 = best), optional status.
    """
    frame = ranked.filter(pl.col(value).is_not_null())
    names = frame["entity"].to_list()
    cats = [category(n) for n in names]
    values = frame[value].to_list()
    shown = [v * 100 for v in values] if percent else values
    colors = [HIGHLIGHT if n == highlight else "#7fa7c9" for n in names]
    patterns = ["/" if n == highlight else "" for n in names]
    ranks = frame["rank"].to_list() if "rank" in frame.columns else list(range(1, len(names) + 1))
    text = [safe_label(f"{v * 100:,.0f}%" if percent else format_value(v, unit)) for v in values]
    fig = go.Figure(go.Bar(
        y=cats, x=shown, orientation="h", marker={"color": colors, "line": {"color": "#222", "width": 0.6},
                                                   "pattern": {"shape": patterns, "fillmode": "overlay", "fgcolor": "#000",
                                                               "fgopacity": 0.45}},
        text=text, textposition="outside", cliponaxis=False, customdata=ranks,
        hovertemplate="%{customdata}位 %{y}<br>" + safe_label(value_label) + " %{text}<extra></extra>", showlegend=False,
    ))
    # the names shortened on the axis; the hover's %{y} is the category, the whole name
    ticks = [f"<b>▶ {r}位 {safe_label(shorten(n, 24))}</b>" if n == highlight else f"{r}位 {safe_label(shorten(n, 18))}"
             for n, r in zip(names, ranks)]
    fig.update_yaxes(autorange="reversed", tickmode="array", tickvals=cats, ticktext=ticks, type="category")
    value_axis(fig, axis="x", title=value_label, unit="%" if percent else unit)
    if highlight and highlight in names:
        i = names.index(highlight)
        fig.add_annotation(text=safe_label(f"{shorten(highlight, 24)}: {ranks[i]}位 / {len(names)}"), xref="paper",
                           yref="paper", x=1, y=1,
                           xanchor="right", yanchor="bottom", showarrow=False,
                           font={"size": 14, "color": HIGHLIGHT}, bgcolor="white")
    if frame.is_empty():
        fig.add_annotation(text="順位をつけられる数値がありません", xref="paper", yref="paper", x=0.5, y=0.5,
                           showarrow=False, font={"size": 15, "color": "#666"})
    return layout(fig, title, source, height=max(340, 160 + 22 * len(names)))


def tile_map_figure(tiles: pl.DataFrame, *, color_by: str = "status", highlight_code: str | None = None,
                    title: str = "都道府県タイルマップ", source: str = "", legend_title: str = "",
                    percent: bool = True, decimals: int = 0) -> go.Figure:
    """One square per prefecture (kpiboard.tilemap), coloured by status or by a share (0–1).

    `tiles`: columns code (JIS), entity, and `status` (color_by="status") or `value` (color_by="value").
    Each tile also prints its status mark or value, so the map reads in black and white.
    """
    rows = {r["code"][:2].zfill(2): r for r in tiles.iter_rows(named=True) if r.get("code")}
    fig = go.Figure()
    shapes, xs, ys, hover, labels = [], [], [], [], []
    for code, (short, col, row) in tilemap.TILES.items():
        r = rows.get(code)
        ink = "#000"
        if r is None:
            fill, mark, info = "#f2f2f2", "", "データなし"
        elif color_by == "status":
            style = status_style(r.get("status"))
            fill, mark, info = style.color, style.mark, label(style.code)
            ink = text_color(style.code)
        else:
            v = r.get("value")
            if v is None:
                fill, mark, info = "#e0e0e0", "－", "判定できるKPIなし"
            else:
                fill = sequential_color(v)
                ink = "#000" if v < 0.6 else "#fff"
                mark = f"{v * 100:.{decimals}f}%" if percent else f"{v:,.1f}"
                info = mark
        is_hl = highlight_code is not None and code == str(highlight_code)[:2].zfill(2)
        shapes.append({"type": "rect", "x0": col, "x1": col + 0.94, "y0": -row, "y1": -row - 0.94,
                       "fillcolor": fill, "layer": "below",
                       "line": {"color": HIGHLIGHT if is_hl else "#555", "width": 5 if is_hl else 1}})
        xs.append(col + 0.47)
        ys.append(-row - 0.47)
        labels.append(f"<span style='color:{ink}'><b>{short}</b><br>{mark}</span>")
        hover.append(safe_label(f"{r['entity'] if r else short}: {info}"))
    fig.add_trace(go.Scatter(x=xs, y=ys, mode="text", text=labels, textfont={"size": 12},
                             hovertext=hover, hoverinfo="text", showlegend=False))
    if color_by == "status":
        present = {status_style(r.get("status")).code for r in rows.values()}
        for s in [s for s in statuses("expected") + statuses("abnf") if s in present]:
            style = STATUS_STYLE[s]
            fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=label(s),
                                     marker={"symbol": "square", "size": 14, "color": style["color"]}))
    else:
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", showlegend=False, hoverinfo="skip",
                                 marker={"colorscale": [[i / 4, sequential_color(i / 4)] for i in range(5)], "cmin": 0,
                                         "cmax": 100 if percent else 1, "color": [0], "showscale": True,
                                         "colorbar": {"title": {"text": label_lines(legend_title)}, "thickness": 14,
                                                      "len": 0.6, "tickformat": NUMBER_FORMAT}}))
    fig.update_layout(shapes=shapes)
    fig.update_xaxes(visible=False, range=[-0.3, tilemap.COLUMNS + 0.3], fixedrange=True)
    fig.update_yaxes(visible=False, range=[-tilemap.ROWS - 0.3, 0.3], fixedrange=True, scaleanchor="x", scaleratio=1)
    fig = layout(fig, title, source, height=780)
    fig.update_xaxes(showgrid=False)
    fig.update_yaxes(showgrid=False)
    if highlight_code:
        fig.add_annotation(text="太枠 = 強調している自治体", xref="paper", yref="paper", x=0, y=0.02, xanchor="left",
                           showarrow=False, font={"size": 11, "color": HIGHLIGHT})
    return fig


def national_lines_figure(national: pl.DataFrame, *, entity: str, kpi: dict | None = None,
                          points: pl.DataFrame | None = None, unit: str = "", title: str = "", source: str = "") -> go.Figure:
    """A published series by date: the entity's figure against the national median and the top prefecture
    (`national`: as_of, median, top_value, top_entity, entity_value), and, for a plan KPI taken from it, the
    plan's baseline, targets and actuals (`points`: value_kind, fiscal_year, value, original_text, as_of)."""
    fig = go.Figure()
    dates = national["as_of"].to_list()
    fig.add_trace(go.Scatter(x=dates, y=national["median"].to_list(), name="全国の中央値（47都道府県）", mode="lines+markers",
                             line={"color": "#555", "dash": "dash", "width": 2}, marker={"symbol": "square", "size": 7},
                             connectgaps=False, hovertemplate="%{x}: 中央値 %{y:,}" + safe_label(unit) + "<extra></extra>"))
    fig.add_trace(go.Scatter(x=dates, y=national["top_value"].to_list(), name="最も高い都道府県", mode="lines+markers",
                             line={"color": "#0072B2", "dash": "dot", "width": 2}, marker={"symbol": "triangle-up", "size": 8},
                             customdata=[safe_label(n or "") for n in national["top_entity"].to_list()],
                             hovertemplate="%{x}: %{customdata} %{y:,}" + safe_label(unit) + "<extra></extra>"))
    fig.add_trace(go.Scatter(x=dates, y=national["entity_value"].to_list(), name=safe_label(entity), mode="lines+markers",
                             line={"color": HIGHLIGHT, "width": 4}, marker={"size": 9},
                             hovertemplate="%{x}: " + safe_label(entity) + " %{y:,}" + safe_label(unit) + "<extra></extra>"))
    if kpi is not None and points is not None and points.height:
        marks = {"baseline": ("KPI 基準値", "diamond", "#222"), "target": ("KPI 目標値", "star", "#009E73"),
                 "actual": ("KPI 実績値", "circle-open", "#000")}
        for kind, (name, symbol, color) in marks.items():
            sub = points.filter(pl.col("value_kind") == kind)
            if sub.is_empty():
                continue
            fig.add_trace(go.Scatter(
                x=sub["as_of"].to_list(), y=sub["value"].to_list(), name=name, mode="markers",
                marker={"symbol": symbol, "size": 15 if kind == "actual" else 12, "color": color,
                        "line": {"width": 2.5, "color": color}},
                customdata=[safe_label(f"{fy}年度「{t}」") for fy, t in zip(sub["fiscal_year"], sub["original_text"])],
                hovertemplate=name + " %{customdata}<extra></extra>"))
    fig.update_xaxes(title_text="公表の日付（KPI の基準値・目標値は年度末に置く）", type="date", tickformat="%Y年%-m月")
    rank = is_rank(unit)
    values = [v for col in ("median", "top_value", "entity_value") for v in national[col].to_list()]
    value_axis(fig, unit=unit, rank=rank, values=values, **({} if rank else {"rangemode": "tozero"}))
    fig.update_layout(legend={"orientation": "h", "y": -0.25})
    return layout(fig, title, source, height=520)
