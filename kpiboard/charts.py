"""Plotly figures shared by the pages and the exports (one chart, one function).

Figures carry their source as an annotation beneath the plot, so a chart copied or exported alone
still says where its figures come from. Colours are Okabe–Ito and statuses also get patterns, marks
and line styles, so the charts survive black-and-white printing.
"""
from __future__ import annotations

import html

import plotly.graph_objects as go
import polars as pl

from . import tilemap, trajectory
from .eras import format_fiscal_year
from .parsing import format_value
from .settings import SETTINGS
from .status import BAND_WORDS, ON_TRACK, STATUS_STYLE, UNDETERMINED, label, statuses, text_color
from .status import style as status_style

FONT_FAMILY = "Noto Sans CJK JP, Noto Sans JP, IPAexGothic, Hiragino Sans, Meiryo, sans-serif"
HIGHLIGHT = "#D55E00"  # Okabe–Ito vermilion: the one entity the audience should follow
MUTED = "#9a9a9a"
# Line styles for several series: colour, dash and marker all differ, so print in grey still tells them apart.
SERIES_COLORS = ["#0072B2", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"]
SERIES_DASHES = ["solid", "dash", "dot", "dashdot", "longdash", "longdashdot"]
# Pale to mid blue: black text stays readable on every cell, and lightness rises with the share in grey print.
SHARE_SCALE = [[0.0, "#fff3b0"], [0.5, "#a6d8c5"], [1.0, "#4f9bd4"]]
SERIES_SYMBOLS = ["circle", "square", "diamond", "triangle-up", "x", "star", "cross", "triangle-down"]


def safe_label(text) -> str:
    """Data as Plotly text: HTML-escaped, and % and $ as entities, so Plotly's HTML subset (<a href>,
    <span style>, <br> …), a %{…} placeholder in a template and a $…$ formula in the data stay as typed.
    Plotly decodes the entities when it draws; wrap the result in our own tags (<b>, <br>) as needed.
    Cut text to length before escaping, never after (an entity must not be split)."""
    return html.escape("" if text is None else str(text), quote=False).replace("%", "&#37;").replace("$", "&#36;")


def plain_text(label: str) -> str:
    """The text a Plotly label shows: our <br>s dropped, safe_label undone (for a caption beside the chart)."""
    return html.unescape(str(label or "").replace("<br>", ""))


def _cat(value):
    """A category value (axis, hover %{x}/%{y}) as safe text; numbers stay numbers."""
    return safe_label(value) if isinstance(value, str) else value


def _wrap(text: str, width: int = 80) -> list[str]:
    """Lines of at most `width` characters (Japanese has no spaces to break at; plotly does not wrap)."""
    lines = []
    for part in str(text).split("\n"):
        while len(part) > width:
            lines.append(part[:width])
            part = part[width:]
        lines.append(part)
    return lines[:4]


def _layout(fig: go.Figure, title: str, source: str, height: int = 420) -> go.Figure:
    lines = [safe_label(line) for line in _wrap(f"出典: {source}" if source else "出典: ―")]
    extra = 16 * (len(lines) - 1)
    fig.update_layout(
        title={"text": safe_label(title), "x": 0, "xanchor": "left", "y": 0.98, "yanchor": "top"},
        font={"family": FONT_FAMILY, "size": 14, "color": "#222"},
        height=height + extra,
        margin={"l": 60, "r": 30, "t": 90, "b": 96 + extra},
        plot_bgcolor="white",
        paper_bgcolor="white",
        legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0, "xanchor": "left", "traceorder": "normal"},
        hoverlabel={"font": {"family": FONT_FAMILY}},
    )
    # Pixel offset from the plot's bottom edge: stays below the axis whatever the figure's height.
    fig.add_annotation(text="<br>".join(lines), name="source", xref="paper", yref="paper",
                       x=0, y=0, yshift=-66, yanchor="top", xanchor="left", showarrow=False, align="left",
                       font={"size": 11, "color": "#444"})
    fig.update_xaxes(showgrid=True, gridcolor="#ddd", linecolor="#444", automargin=True, title_standoff=6)
    fig.update_yaxes(showgrid=True, gridcolor="#ddd", linecolor="#444", automargin=True)
    return fig


def _fy_axis(fig: go.Figure, years, western_years: bool, axis: str = "x") -> None:
    years = sorted({int(y) for y in years if y is not None})
    if not years:
        return
    update = fig.update_xaxes if axis == "x" else fig.update_yaxes
    # R6<br>（2024）: two short lines stay horizontal where one long label would be turned sideways
    update(tickmode="array", tickvals=years, tickangle=0, tickfont={"size": 14 if len(years) <= 8 else 11},
           ticktext=[format_fiscal_year(y, western_only=western_years).replace("（", "<br>（") for y in years])


def _short(text: str, limit: int = 40) -> str:
    text = text or ""
    return text if len(text) <= limit else text[: limit - 1] + "…"


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
    fig = go.Figure()
    b, y0, t, tfy = kpi.get("baseline_value"), kpi.get("baseline_fy"), kpi.get("target_value"), kpi.get("target_fy")
    if expected and len(expected) >= 2:
        xs, ys = zip(*sorted(expected))
        fig.add_trace(go.Scatter(x=list(xs), y=list(ys), name="期待される推移", mode="lines",
                                 line={"color": "#555", "dash": "dash", "width": 2},
                                 hovertemplate="%{x}年度 期待値 %{y:,}" + unit + "<extra></extra>"))
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
                                 hovertemplate="%{x}年度 見通し %{y:,.1f}" + unit + "<extra></extra>"))
    end = projection_to or tfy
    years = set(obs["fiscal_year"].to_list()) | ({end} if end else set()) | {y for y, _ in (expected or [])}
    _fy_axis(fig, years, western_years)
    rank = kpi.get("direction") == "rank"
    # Not from zero: a KPI moving from 45.8% to 51% must not look flat.
    fig.update_yaxes(title_text=unit or None, rangemode="normal", autorange="reversed" if rank else True)
    if not fig.data:
        fig.add_annotation(text="数値の記録がありません", xref="paper", yref="paper", x=0.5, y=0.5,
                           showarrow=False, font={"size": 16, "color": "#666"})
    return _layout(fig, title if title is not None else _short(kpi.get("kpi_name", ""), 60), kpi.get("source", ""))


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
            y=[_cat(g) for g in groups], x=x, name=label(s), orientation="h", customdata=n,
            marker={"color": style["color"], "line": {"color": "#222", "width": 0.5},
                    "pattern": {"shape": style["pattern"], "fillmode": "overlay", "fgcolor": "#222", "fgopacity": 0.4,
                                "size": 8, "solidity": 0.2}},
            text=[(f"{v}件" if v else "") for v in n], textposition="inside", insidetextanchor="middle",
            hovertemplate="%{y}: %{customdata}件<extra>" + s + "</extra>",
        ))
    fig.update_layout(barmode="stack", bargap=0.25)
    ticks = [f"<b>▶ {safe_label(g)}</b>" if highlight and g == highlight else safe_label(_short(str(g), 24))
             for g in groups]
    fig.update_yaxes(autorange="reversed", tickmode="array", tickvals=[_cat(g) for g in groups], ticktext=ticks)
    most = max(totals.values(), default=0)
    fig.update_xaxes(title_text="KPIの割合（%）" if normalise else "KPI数", range=[0, 100] if normalise else None,
                     dtick=None if normalise or most > 10 else 1, tickformat=None if normalise else ",d")
    return _layout(fig, title, source, height=max(320, 150 + 36 * len(groups)))


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
            x=part["progress_ratio"].clip(-1.0, 3.0).to_list(), y=[_cat(g) for g in part[group].to_list()],
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
    ticks = [f"<b>▶ {safe_label(g)}</b>" if highlight and g == highlight else safe_label(_short(str(g), 24))
             for g in groups]
    cats = [_cat(g) for g in groups]
    fig.update_yaxes(autorange="reversed", tickmode="array", tickvals=cats, ticktext=ticks, categoryorder="array",
                     categoryarray=cats, type="category")
    fig.update_xaxes(title_text="進捗率 r（1.0 = 期待どおり。-1〜3 の範囲に収めて表示）", zeroline=True, zerolinecolor="#888")
    if frame.is_empty():
        fig.add_annotation(text="進捗率を計算できる KPI がありません（実績値が未登録）", xref="paper", yref="paper",
                           x=0.5, y=0.5, showarrow=False, font={"size": 15, "color": "#666"})
    return _layout(fig, title, source, height=max(340, 170 + 40 * len(groups)))


def indicator_lines_figure(series: pl.DataFrame, *, highlight: str | None = None, western_years: bool = False,
                           index: bool = False, title: str = "同じ指標の推移", source: str = "") -> go.Figure:
    """Actuals (solid) and targets (dotted) of one indicator for several entities.

    `series`: rows of queries/indicator_series.sql. `index`: each series as 基準年=100 (compares
    entities of very different size). The highlighted entity is drawn thick in vermilion, the others
    each with their own colour, dash and marker.
    """
    fig = go.Figure()
    unit = safe_label((series["unit"].drop_nulls().mode().to_list() or [""])[0] if series.height else "")
    keys = series.select("entity", "kpi_id", "item_code").unique(maintain_order=True)
    multi = keys["entity"].is_duplicated().any() if keys.height else False
    years = set()
    others = 0
    for entity, kpi_id, item in keys.iter_rows():
        rows = series.filter(pl.col("kpi_id") == kpi_id)
        base_rows = rows.filter(pl.col("value_kind").is_in(["baseline", "actual"])).sort("fiscal_year")
        base = base_rows["value"][0] if base_rows.height else None
        name = safe_label(f"{entity} {item}" if multi and item else entity)  # also in the hover template
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
            fig.add_trace(go.Scatter(
                x=part["fiscal_year"].to_list(), y=ys, name=name + suffix, legendgroup=name,
                mode="lines+markers", showlegend=kind == "actual" or part.height == rows.height,
                line={"color": color, "dash": dash if kind == "actual" else "dot", "width": width if kind == "actual" else 1.2},
                marker={"symbol": symbol if kind == "actual" else symbol + "-open", "size": 10 if is_hl else 8,
                        "color": color},
                opacity=1.0 if is_hl or not highlight else 0.75,
                hovertemplate=name + suffix + "<br>%{x}年度 %{y:,.1f}" + ("" if index else unit) + "<extra></extra>",
            ))
    _fy_axis(fig, years, western_years)
    fig.update_yaxes(title_text="基準年 = 100" if index else (unit or None))
    if not fig.data:
        fig.add_annotation(text="表示できる数値がありません", xref="paper", yref="paper", x=0.5, y=0.5,
                           showarrow=False, font={"size": 15, "color": "#666"})
    return _layout(fig, title, source, height=460)


def ranking_figure(ranked: pl.DataFrame, *, value: str, value_label: str, highlight: str | None = None,
                   unit: str = "", percent: bool = False, title: str = "ランキング", source: str = "") -> go.Figure:
    """Horizontal bars, best first; the highlighted entity in vermilion with its rank written beside it.

    `ranked`: columns entity, `value`, rank (1 = best), optional status.
    """
    frame = ranked.filter(pl.col(value).is_not_null())
    names = frame["entity"].to_list()
    cats = [_cat(n) for n in names]
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
    ticks = [f"<b>▶ {r}位 {safe_label(n)}</b>" if n == highlight else f"{r}位 {safe_label(_short(n, 18))}"
             for n, r in zip(names, ranks)]
    fig.update_yaxes(autorange="reversed", tickmode="array", tickvals=cats, ticktext=ticks, type="category")
    fig.update_xaxes(title_text=safe_label(value_label + ("（%）" if percent else (f"（{unit}）" if unit else ""))))
    if highlight and highlight in names:
        i = names.index(highlight)
        fig.add_annotation(text=safe_label(f"{highlight}: {ranks[i]}位 / {len(names)}"), xref="paper", yref="paper", x=1, y=1,
                           xanchor="right", yanchor="bottom", showarrow=False,
                           font={"size": 14, "color": HIGHLIGHT}, bgcolor="white")
    if frame.is_empty():
        fig.add_annotation(text="順位をつけられる数値がありません", xref="paper", yref="paper", x=0.5, y=0.5,
                           showarrow=False, font={"size": 15, "color": "#666"})
    return _layout(fig, title, source, height=max(340, 160 + 22 * len(names)))


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
            row = status_style(r.get("status"))
            fill, mark, info = row.color, row.mark, label(row.code)
            ink = text_color(row.code)
        else:
            v = r.get("value")
            if v is None:
                fill, mark, info = "#e0e0e0", "－", "判定できるKPIなし"
            else:
                fill = _sequential(v)
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
                                 marker={"colorscale": [[i / 4, _sequential(i / 4)] for i in range(5)], "cmin": 0,
                                         "cmax": 100 if percent else 1, "color": [0], "showscale": True,
                                         "colorbar": {"title": {"text": _lines(legend_title)}, "thickness": 14,
                                                              "len": 0.6}}))
    fig.update_layout(shapes=shapes)
    fig.update_xaxes(visible=False, range=[-0.3, tilemap.COLUMNS + 0.3], fixedrange=True)
    fig.update_yaxes(visible=False, range=[-tilemap.ROWS - 0.3, 0.3], fixedrange=True, scaleanchor="x", scaleratio=1)
    fig = _layout(fig, title, source, height=780)
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
                             connectgaps=False, hovertemplate="%{x}: 中央値 %{y}" + safe_label(unit) + "<extra></extra>"))
    fig.add_trace(go.Scatter(x=dates, y=national["top_value"].to_list(), name="最も高い都道府県", mode="lines+markers",
                             line={"color": "#0072B2", "dash": "dot", "width": 2}, marker={"symbol": "triangle-up", "size": 8},
                             customdata=[safe_label(n or "") for n in national["top_entity"].to_list()],
                             hovertemplate="%{x}: %{customdata} %{y}" + safe_label(unit) + "<extra></extra>"))
    fig.add_trace(go.Scatter(x=dates, y=national["entity_value"].to_list(), name=safe_label(entity), mode="lines+markers",
                             line={"color": HIGHLIGHT, "width": 4}, marker={"size": 9},
                             hovertemplate="%{x}: " + safe_label(entity) + " %{y}" + safe_label(unit) + "<extra></extra>"))
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
    fig.update_yaxes(title_text=safe_label(unit), rangemode="tozero")
    fig.update_layout(legend={"orientation": "h", "y": -0.25})
    return _layout(fig, title, source, height=520)


def _lines(text: str) -> str:
    """The app's own multi-line label (lines split at \\n, or at <br> as callers used to write it), escaped."""
    return "<br>".join(safe_label(line) for line in str(text or "").replace("<br>", "\n").split("\n"))


def _sequential(v: float) -> str:
    """0 → light, 1 → dark blue (cividis-like, readable by colour-blind viewers and in grey)."""
    v = max(0.0, min(1.0, float(v)))
    stops = [(0.0, (253, 231, 37)), (0.25, (174, 209, 103)), (0.5, (72, 160, 152)), (0.75, (44, 101, 142)), (1.0, (0, 32, 76))]
    for (x0, c0), (x1, c1) in zip(stops, stops[1:]):
        if v <= x1:
            f = (v - x0) / (x1 - x0)
            return "#%02x%02x%02x" % tuple(round(a + (b - a) * f) for a, b in zip(c0, c1))
    return "#00204c"


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
        z=z, x=[_cat(c) for c in col_names], y=[safe_label(_short(r, 20)) for r in row_names], text=text, texttemplate="%{text}",
        textfont={"size": 11, "color": "#000"}, zmin=0, zmax=100, xgap=2, ygap=2,
        colorscale=SHARE_SCALE,
        colorbar={"title": {"text": "順調以上<br>の割合（%）"}, "thickness": 14},
        hovertemplate="%{y} × %{x}<br>%{text}<extra></extra>",
    ))
    ticks = [f"<b>▶{safe_label(c)}</b>" if highlight and c == highlight else safe_label(_short(str(c), 10))
             for c in col_names]
    fig.update_xaxes(tickmode="array", tickvals=[_cat(c) for c in col_names], ticktext=ticks, side="bottom", showgrid=False)
    fig.update_yaxes(autorange="reversed", showgrid=False)
    fig.update_layout(plot_bgcolor="#f2f2f2")
    return _layout(fig, title, source + "（－ = 判定できるKPIなし）" if source else "", height=max(340, 170 + 42 * len(row_names)))


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
    fig = _layout(fig, title, source, height=460)
    fig.update_layout(margin={"t": 130})
    return fig
