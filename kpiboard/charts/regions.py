"""連携中枢都市圏: policy categories per region and the achievement of their KPI examples."""
from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from ..eras import format_fiscal_year
from ..parsing import format_value
from ..status import STATUS_STYLE
from ..status import style as status_style
from ..status import label as status_label
from .base import COUNT_FORMAT, GROUP_STYLE, OKABE_ITO, layout, safe_label, shorten, value_axis

TARGET_LABEL = "目標（100%）"


def policy_category_figure(categories: pl.DataFrame, *, source: str, order: str = "document",
                           title: str = "政策分野別：KPIを設定している連携中枢都市圏の数") -> go.Figure:
    """Horizontal bars: regions with a KPI per policy category (rows of regions_categories.sql), by group ア/イ/ウ.

    order: "document" keeps the survey's order; "count" puts the most common categories first.
    A ★ marks the categories for which the page shows example KPIs.
    """
    cats = categories.sort("regions_with_kpi", "sort_order", descending=[True, False]) if order == "count" \
        else categories.sort("sort_order")
    total = int(cats["regions_total"].max()) if cats.height else 34
    labels = [safe_label(f"{'★ ' if r['example_kpis'] else ''}{r['category_code']} {shorten(r['label'], 24)}")
              for r in cats.iter_rows(named=True)]
    cats = cats.with_columns(pl.Series("axis_label", labels))
    fig = go.Figure()
    for group in cats["group_code"].unique(maintain_order=True).to_list():
        part = cats.filter(pl.col("group_code") == group)
        color, pattern = GROUP_STYLE.get(group, (OKABE_ITO[3], "+"))
        group_label = part["group_label"][0] or ""
        fig.add_trace(go.Bar(
            y=part["axis_label"].to_list(), x=part["regions_with_kpi"].to_list(), orientation="h",
            name=safe_label(f"{group} {group_label}"),
            marker={"color": color, "line": {"color": "#222", "width": 0.8},
                    "pattern": {"shape": pattern, "fgcolor": "#222", "size": 6, "fillmode": "overlay"}},
            text=[f"{n}圏域（{n / t:.0%}）" if t else f"{n}圏域"
                  for n, t in zip(part["regions_with_kpi"].to_list(), part["regions_total"].to_list())],
            textposition="outside", cliponaxis=False,
            customdata=[[safe_label(v) for v in row] for row in
                        zip(part["label"].to_list(), part["subgroup_label"].fill_null("").to_list(),
                            part["example_regions"].fill_null("").to_list())],
            hovertemplate="%{customdata[0]}<br>%{customdata[1]}<br>%{x}圏域がKPIを設定"
                          "<br>設定例: %{customdata[2]}<extra></extra>",
        ))
    fig.update_yaxes(categoryorder="array", categoryarray=labels, autorange="reversed", showgrid=False)
    # the axis ends at the number of all regions: a full bar = every region
    value_axis(fig, axis="x", title=f"KPIを設定している圏域の数（右端 = 全{total}圏域）", tickformat=COUNT_FORMAT,
               range=[0, total], dtick=5)
    fig = layout(fig, title, source, height=max(360, 150 + 30 * cats.height))
    fig.update_yaxes(showgrid=False)  # after the shared layout, which turns grids on
    # room for the 「n圏域（m%）」 labels, and for the group legend between the title and the plot
    fig.update_layout(bargap=0.25, margin={"l": 20, "r": 130, "t": max(140, fig.layout.margin.t)})
    return fig


def achievement_figure(rows: pl.DataFrame, *, source: str, western_years: bool = False,
                       title: str = "設定例KPIの達成率（目標に対する実績）") -> go.Figure:
    """Bars of 達成率 per KPI (rows of the evaluate query), coloured and patterned by status, 100% line."""
    rows = rows.sort("entity", "sort_order")
    # two lines, the region above its KPI, each shortened on the axis; the hover has both in full
    labels = [f"{safe_label(shorten(r['entity'], 20))}<br>{safe_label(shorten(r['kpi_name'], 24))}"
              for r in rows.iter_rows(named=True)]
    names = [safe_label(f"{r['entity']}｜{r['kpi_name']}") for r in rows.iter_rows(named=True)]
    rows = rows.with_columns(pl.Series("axis_label", labels), pl.Series("full_name", names))
    fig = go.Figure()
    unknown = status_style(None).code
    for s in rows["status"].fill_null(unknown).unique(maintain_order=True).to_list():
        part = rows.filter(pl.col("status").fill_null(unknown) == s)
        style = STATUS_STYLE[status_style(s).code]
        rate = [None if v is None else v * 100 for v in part["achievement_rate"].to_list()]
        fig.add_trace(go.Bar(
            y=part["axis_label"].to_list(), x=rate, orientation="h", name=status_label(s),
            marker={"color": style["color"], "line": {"color": "#222", "width": 0.8},
                    "pattern": {"shape": style["pattern"], "fgcolor": "#222", "size": 6, "fillmode": "overlay"}},
            text=[("―" if v is None else f"{v:,.0f}%") + f" {style['mark']}" for v in rate],
            textposition="outside", cliponaxis=False,
            customdata=[[safe_label(format_value(b, u)), safe_label(format_value(t, u)), safe_label(format_value(a, u)),
                         format_fiscal_year(y, western_only=western_years), n]
                        for b, t, a, u, y, n in zip(part["baseline_value"].to_list(), part["target_value"].to_list(),
                                                    part["actual_value"].to_list(), part["unit"].fill_null("").to_list(),
                                                    part["eval_fy"].to_list(), part["full_name"].to_list())],
            hovertemplate="%{customdata[4]}<br>基準値 %{customdata[0]} → 目標値 %{customdata[1]}<br>実績 %{customdata[2]}"
                          "（%{customdata[3]}）<br>達成率 %{x:,.0f}%<extra>" + s + "</extra>",
        ))
    # The 100% line is named in the legend, not by a text beside it: inside the plot a text collided with the
    # bars' 「129%」 labels, above it with the legend.
    fig.add_vline(x=100, line={"color": "#000", "dash": "dash", "width": 1.5}, name=TARGET_LABEL, showlegend=True,
                  legendrank=2000)
    values = [v for v in rows["achievement_rate"].to_list() if v is not None]
    top = max([1.0] + values) * 100
    value_axis(fig, axis="x", title="達成率 (実績−基準)/(目標−基準)", range=[0, top * 1.2], ticksuffix="%")
    fig.update_yaxes(categoryorder="array", categoryarray=labels, autorange="reversed", showgrid=False)
    fig = layout(fig, title, source, height=max(320, 170 + 44 * rows.height))
    fig.update_yaxes(showgrid=False)
    fig.update_layout(showlegend=True)  # the status word also when every KPI has the same status
    fig.update_layout(margin={"l": 20, "r": 60})
    return fig
