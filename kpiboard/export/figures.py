"""Figures the exports need besides kpiboard/charts.py: one KPI area's 達成率 at a glance, and the
list of every chart a report can draw (the 出力 page and `--format png` pick from it)."""
from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from .. import charts
from .. import status
from ..status import STATUS_STYLE
from .report import Report, kpi_label


def progress_figure(rows: pl.DataFrame, *, title: str, source: str, label_width: int = 22) -> go.Figure:
    """達成率 of each KPI as a bar in its status colour, with the target (100%) and the share of the
    plan period elapsed. A KPI without an actual says so instead of drawing nothing."""
    labels, rates, colors, patterns, texts, empty = [], [], [], [], [], []
    elapsed_x, elapsed_y = [], []
    for r in rows.iter_rows(named=True):
        label = charts.safe_label(kpi_label(r, label_width))  # a category: the tick and the hover's %{y}
        while label in labels:  # bars on a category axis: equal labels would overlap
            label += " "
        labels.append(label)
        style = STATUS_STYLE[status.style(r["status"]).code]
        rate = r["achievement_rate"]
        rates.append(None if rate is None else rate * 100)
        colors.append(style["color"])
        patterns.append(style["pattern"])
        texts.append("" if rate is None else f"{style['mark']} {rate * 100:,.1f}%")
        if rate is None:
            empty.append((label, "定性指標" if r["kind"] == "qualitative" else
                          "実績未登録" if r["actual_value"] is None else "達成率を算出できません"))
        if r["elapsed_share"] is not None and rate is not None:
            elapsed_x.append(r["elapsed_share"] * 100)
            elapsed_y.append(label)
    fig = go.Figure(go.Bar(
        y=labels, x=rates, orientation="h", text=texts, textposition="outside", cliponaxis=False,
        marker={"color": colors, "pattern": {"shape": patterns, "fgcolor": "#222"}}, name="達成率",
        hovertemplate="%{y}: %{x:.1f}%<extra>達成率</extra>", showlegend=False,
    ))
    if elapsed_x:
        fig.add_trace(go.Scatter(x=elapsed_x, y=elapsed_y, mode="markers", name="計画期間の経過割合",
                                 marker={"symbol": "line-ns", "size": 22, "line": {"width": 3, "color": "#000"}}))
    for label, why in empty:
        fig.add_annotation(x=0, y=label, text=why, showarrow=False, xanchor="left", xshift=6,
                           font={"color": "#666"})
    top = max([100.0] + [x for x in rates if x is not None])
    low = min([0.0] + [x for x in rates if x is not None])
    low = low * 1.6 - 30 if low < 0 else low  # room for the label of a bar that goes left
    fig.add_vline(x=100, line={"color": "#0072B2", "dash": "dot", "width": 2})
    fig.add_annotation(x=100, y=1.0, yref="paper", text="目標（100%）", showarrow=False, yanchor="bottom",
                       font={"color": "#0072B2"})
    # the app's axes: thousands separators (a 1,250% bar reads as such), the unit in the title
    charts.value_axis(fig, axis="x", unit="%", title="達成率 (実績−基準)/(目標−基準)", range=[low - 5, top * 1.25],
                      zeroline=True, zerolinecolor="#999")
    fig.update_yaxes(autorange="reversed", automargin=True)
    return charts.layout(fig, title, source, height=max(320, 150 + 56 * rows.height))


def summary_figure(report: Report) -> go.Figure:
    fig = charts.status_bar_figure(report.evaluated, group="area", method=report.method,
                                   title=f"分野別の進捗判定（{report.method_label}）",
                                   source=report.compact_sources(report.sources_of(report.evaluated), 160))
    largest = max([a.rows.height for a in report.areas] + [1])
    fig.update_xaxes(tick0=0, dtick=max(1, round(largest / 8)))  # counts: whole numbers only
    return fig


def area_figure(report: Report, area, label_width: int = 22) -> go.Figure:
    return progress_figure(area.rows, title=f"{area.name}：指標別の達成率", label_width=label_width,
                           source=report.compact_sources(report.sources_of(area.rows, [area.source]), 160))


def trajectory(report: Report, row: dict) -> go.Figure:
    return charts.trajectory_figure(row, report.observations_of(row["kpi_id"]), western_years=report.western_years,
                                    expected=report.expected_path(row["kpi_id"]))


def report_charts(report: Report) -> list[tuple[str, str, object]]:
    """(key, title, make_figure) for every chart of a report, in reading order."""
    out = [("summary", "進捗の概要（分野別）", lambda: summary_figure(report))]
    for i, area in enumerate(report.areas, start=1):
        out.append((f"area-{i:02d}", f"分野: {area.name}", lambda a=area: area_figure(report, a)))
    for row in report.evaluated.iter_rows(named=True):
        out.append((f"kpi-{row['kpi_id']}", f"指標: {kpi_label(row, 40)}", lambda r=row: trajectory(report, r)))
    return out


def _is_source(ann) -> bool:
    return ann.name == "source" or str(ann.text or "").startswith("出典")


def for_export(fig: go.Figure, width: int | None, height: int, font_size: int | None = None,
               keep_source: bool = True) -> go.Figure:
    """A copy laid out for a fixed-size image or print: the 出典 line re-wrapped to the width (it
    sits a fixed number of pixels under the plot, see charts.layout) with the bottom margin to hold
    it, larger type if asked, and a little room left of the title. `keep_source=False` drops the 出典
    line, for a page that prints the sources in full as text right beneath the chart."""
    fig = go.Figure(fig)
    fixed = width is not None
    width = width or 1000  # a responsive figure: lay out for a typical width
    size = font_size or (fig.layout.font.size if fig.layout.font and fig.layout.font.size else 14)
    source_font = max(11, size - 3)
    per_line = int((width - 60) / source_font)
    kept, sources = [], []
    for ann in fig.layout.annotations or ():
        (sources if _is_source(ann) else kept).append(ann)
    lines = 0
    if keep_source:
        for ann in sources:
            text = charts.plain_text(ann.text)  # re-wrapped as text: an entity must not be cut
            wrapped = [text[i:i + per_line] for i in range(0, len(text), per_line)][:3] or [""]
            lines = max(lines, len(wrapped))
            ann.update(text="<br>".join(charts.safe_label(w) for w in wrapped), font={"size": source_font})
        kept += sources
    fig.layout.annotations = kept
    shift = max([-(a.yshift or 0) for a in sources] + [size * 3 + 20]) if sources and keep_source else size * 3 + 10
    bottom = shift + (int(source_font * 1.35 * lines) + 12 if lines else 0)
    if fixed:
        fig.update_layout(width=width, autosize=False)
    fig.update_layout(height=height, margin={"b": bottom, "r": 40, "t": max(fig.layout.margin.t or 0, size * 4 + 30)},
                      title={"x": 16 / width if fixed else 0.01, "xref": "container"})
    if font_size:
        fig.update_layout(font={"size": font_size}, title={"font": {"size": font_size + 4}})
    return fig
