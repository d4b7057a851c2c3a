"""施策・予算: the roadmap, budgets per fiscal year and the initiative → KPI tree (Graphviz DOT)."""
from __future__ import annotations

import math
import re

import plotly.graph_objects as go
import polars as pl

from .. import format as fmt
from ..eras import format_fiscal_year
from ..parsing import format_value
from ..status import STATUS_STYLE
from ..status import style as status_style
from ..status import label as status_label
from .base import FONT_FAMILY, OKABE_ITO, PATTERNS, SHARED_STYLE, layout, safe_label, shorten, value_axis, wrap


def roadmap_lanes(roadmap: pl.DataFrame) -> pl.DataFrame:
    """One bar per initiative × lane × run of consecutive fiscal years with the same phases.

    Rows of initiatives_roadmap.sql in; out: code, title, lane, fy_from, fy_to, text, actor, steps.
    """
    if roadmap.is_empty():
        return pl.DataFrame(schema={"code": pl.Utf8, "title": pl.Utf8, "lane": pl.Utf8, "fy_from": pl.Int64,
                                    "fy_to": pl.Int64, "text": pl.Utf8, "actor": pl.Utf8, "steps": pl.Utf8,
                                    "sort_order": pl.Int64})
    # lanes in the order the documents list them: by initiative, then the first year a lane appears
    first = (roadmap.with_row_index("_row").group_by("code", "lane")
             .agg(pl.col("fiscal_year").min().alias("_first_fy"), pl.col("_row").min().alias("_first_row")))
    # steps are Plotly text (hover): each escaped, our <br> between them
    per_year = (roadmap.filter(pl.col("fiscal_year").is_not_null())
                .with_columns(fmt.html_text("step").alias("_step"))
                .join(first, on=["code", "lane"])
                .group_by("code", "title", "lane", "fiscal_year", "sort_order", "_first_fy", "_first_row",
                          maintain_order=True)
                .agg(pl.col("phase").filter(pl.col("phase") != "").unique(maintain_order=True).str.join("／").alias("text"),
                     pl.col("actor").drop_nulls().unique(maintain_order=True).str.join("／").alias("actor"),
                     pl.col("_step").str.join("<br>").alias("steps"))
                .sort("sort_order", "code", "_first_fy", "_first_row", "fiscal_year"))
    bars: list[dict] = []
    open_bar: dict[tuple, dict] = {}
    for r in per_year.iter_rows(named=True):
        last = open_bar.get((r["code"], r["lane"]))
        if last and last["text"] == r["text"] and last["fy_to"] + 1 == r["fiscal_year"]:
            last["fy_to"] = r["fiscal_year"]
            continue
        bars.append({"code": r["code"], "title": r["title"], "lane": r["lane"], "fy_from": r["fiscal_year"],
                     "fy_to": r["fiscal_year"], "text": r["text"], "actor": r["actor"], "steps": r["steps"],
                     "sort_order": r["sort_order"]})
        open_bar[(r["code"], r["lane"])] = bars[-1]
    return pl.DataFrame(bars)


def roadmap_figure(roadmap: pl.DataFrame, *, source: str, western_years: bool = False,
                   title: str = "ロードマップ（年度別の取組）", large: bool = False) -> go.Figure:
    """A timeline by fiscal year: one row per strand of work (lane), bars span the years of each phase.

    `large`: taller rows and larger text in the bars (presentation mode enlarges the rest of the type).
    """
    row_height, text_size = (78, 16) if large else (46, 12)
    bars = roadmap_lanes(roadmap)
    fig = go.Figure()
    if bars.is_empty():
        return layout(fig, title, source, height=300)
    codes = bars["code"].unique(maintain_order=True).to_list()
    several = len(codes) > 1
    lane_keys = bars.select("code", "lane").unique(maintain_order=True).rows()
    lane_labels = {k: (safe_label(f"{k[0]}　") if several else "") + wrap(shorten(k[1], 40), 18) for k in lane_keys}
    for i, code in enumerate(codes):
        part = bars.filter(pl.col("code") == code)
        color = OKABE_ITO[i % len(OKABE_ITO)]
        pattern = PATTERNS[i % len(PATTERNS)] if several else ""
        fig.add_trace(go.Bar(
            y=[lane_labels[(code, lane)] for lane in part["lane"].to_list()],
            x=[(b - a) + 0.96 for a, b in zip(part["fy_from"].to_list(), part["fy_to"].to_list())],
            base=[a - 0.48 for a in part["fy_from"].to_list()],
            orientation="h", name=safe_label(f"{code} {shorten(part['title'][0], 30)}"),
            marker={"color": color, "opacity": 0.35, "line": {"color": color, "width": 2},
                    "pattern": {"shape": pattern, "fgcolor": color, "size": 8, "fillmode": "overlay"}},
            text=[wrap(t or "実施", 14, 3) for t in part["text"].to_list()], textposition="inside",
            insidetextanchor="middle", textfont={"color": "#000", "size": text_size},
            customdata=list(zip(part["steps"].to_list(), [safe_label(a) for a in part["actor"].fill_null("").to_list()],
                                [format_fiscal_year(a, western_only=western_years) for a in part["fy_from"].to_list()],
                                [format_fiscal_year(b, western_only=western_years) for b in part["fy_to"].to_list()],
                                [safe_label(lane) for lane in part["lane"].to_list()])),  # the lane's whole name
            hovertemplate="%{customdata[4]}<br>%{customdata[2]}–%{customdata[3]}<br>%{customdata[0]}<br>"
                          "取組主体: %{customdata[1]}"
                          "<extra>" + safe_label(code) + "</extra>",
            showlegend=False,
        ))
    years = list(range(int(bars["fy_from"].min()), int(bars["fy_to"].max()) + 1))
    fig.update_xaxes(tickmode="array", tickvals=years, range=[years[0] - 0.5, years[-1] + 0.5], side="top",
                     ticktext=[format_fiscal_year(y, western_only=western_years) for y in years], showgrid=False)
    for y in years[1:]:
        fig.add_vline(x=y - 0.5, line={"color": "#ccc", "width": 1})
    fig.update_yaxes(categoryorder="array", categoryarray=list(lane_labels.values()), autorange="reversed",
                     showgrid=True, gridcolor="#eee")
    fig = layout(fig, title, source, height=max(320, 140 + row_height * len(lane_keys)))
    fig.update_xaxes(showgrid=False)  # the year boundaries are the vertical lines drawn above
    fig.update_yaxes(gridcolor="#eee")
    # the fiscal years are on top, so the source can sit right under the plot
    fig.update_layout(barmode="overlay", bargap=0.25, margin={"l": 20, "r": 20, "b": 60})
    next(a for a in fig.layout.annotations if a.name == "source").update(yshift=-12)
    return fig


def budget_segments(budgets: pl.DataFrame) -> pl.DataFrame:
    """Budget per fiscal year and segment, each programme counted once.

    Rows of initiatives_budgets.sql in. A programme listed under one initiative goes to that
    initiative's segment; one listed under several (same FY, name, amount) goes once to a shared segment
    「共通（Ⅳ-1-①・Ⅳ-1-②）」. Out: fiscal_year, segment, amount_yen, programs, shared, sort_key.
    """
    if budgets.is_empty():
        return pl.DataFrame(schema={"fiscal_year": pl.Int32, "segment": pl.Utf8, "amount_yen": pl.Float64,
                                    "programs": pl.Utf8, "shared": pl.Boolean, "sort_key": pl.Int64})
    once = (budgets.filter(pl.col("amount_yen").is_not_null())
            .with_columns((pl.col("listed_under") > 1).alias("shared"))
            .with_columns(pl.when(pl.col("shared")).then(pl.lit("共通（") + pl.col("listed_codes") + pl.lit("）"))
                          .otherwise(pl.col("code")).alias("segment"),
                          pl.when(pl.col("shared")).then(pl.lit(10_000)).otherwise(pl.col("sort_order"))
                          .cast(pl.Int64).alias("sort_key"))
            .unique(["fiscal_year", "program", "amount_yen", "segment"], keep="first", maintain_order=True))
    return (once.group_by("fiscal_year", "segment", "shared", "sort_key")
            .agg(pl.col("amount_yen").sum(), pl.col("program").str.join("、").alias("programs"))
            .sort("sort_key", "segment", "fiscal_year"))


def _yen_ticks(top: float) -> tuple[list[float], list[str]]:
    if top <= 0:
        return [0], ["0円"]
    raw = top / 5
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    vals = [i * step for i in range(int(top // step) + 2)]
    return vals, [format_value(v, "円") if v else "0" for v in vals]


def budget_figure(budgets: pl.DataFrame, *, source: str, western_years: bool = False,
                  title: str = "年度別の予算額（施策別、重複掲載は1回だけ計上）") -> go.Figure:
    """Stacked bars of budget per fiscal year by initiative; the total above each bar in 円 notation."""
    seg = budget_segments(budgets)
    fig = go.Figure()
    if seg.is_empty():
        return layout(fig, title, source, height=300)
    years = sorted(seg["fiscal_year"].unique().to_list())
    ticktext = [format_fiscal_year(y, western_only=western_years) for y in years]
    for i, segment in enumerate(seg["segment"].unique(maintain_order=True).to_list()):
        part = seg.filter(pl.col("segment") == segment)
        shared = bool(part["shared"][0])
        color, pattern = SHARED_STYLE if shared else (OKABE_ITO[i % len(OKABE_ITO)], PATTERNS[i % len(PATTERNS)])
        by_year = {r["fiscal_year"]: r for r in part.iter_rows(named=True)}
        fig.add_trace(go.Bar(
            x=[format_fiscal_year(y, western_only=western_years) for y in years],
            y=[by_year[y]["amount_yen"] if y in by_year else None for y in years],
            name=safe_label(segment),
            marker={"color": color, "line": {"color": "#222", "width": 0.8},
                    "pattern": {"shape": pattern, "fgcolor": "#222", "size": 7, "fillmode": "overlay"}},
            customdata=[[format_value(by_year[y]["amount_yen"], "円"), safe_label(by_year[y]["programs"])] if y in by_year
                        else ["", ""] for y in years],
            hovertemplate="%{x} " + safe_label(segment) + "<br>%{customdata[0]}<br>%{customdata[1]}<extra></extra>",
        ))
    totals = seg.group_by("fiscal_year").agg(pl.col("amount_yen").sum()).sort("fiscal_year")
    top = float(totals["amount_yen"].max())
    for r in totals.iter_rows(named=True):
        fig.add_annotation(x=format_fiscal_year(r["fiscal_year"], western_only=western_years), y=r["amount_yen"],
                           text=f"<b>{format_value(r['amount_yen'], '円')}</b>", showarrow=False, yshift=12,
                           font={"size": 14})
    vals, text = _yen_ticks(top * 1.1)
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=ticktext, showgrid=False)
    # ticks in 円 the Japanese way (5億円, 1,500万円): the unit is in every tick, the axis is titled 予算額
    value_axis(fig, title="予算額", tickmode="array", tickvals=vals, ticktext=text, range=[0, top * 1.15])
    fig = layout(fig, title, source, height=480)
    fig.update_xaxes(showgrid=False)
    fig.update_layout(barmode="stack", margin={"t": max(110, fig.layout.margin.t)})  # the totals above the bars
    return fig


_CIRCLED_START = re.compile(r"^[\u2460-\u2473]\s*")  # "① 県と市町村…" under code Ⅳ-1-①


def _dot_text(text: str) -> str:
    """Data inside a quoted DOT string: graphviz reads \\N, \\G … and "&lt;"-style entities, so both are
    escaped (a label shows exactly what was typed)."""
    return ((text or "").replace("&", "&amp;").replace("\\", "\\\\").replace('"', '\\"')
            .replace("\n", "\\n"))


def tree_dot(nodes: pl.DataFrame, unlinked: pl.DataFrame | None = None, fontsize: int = 11) -> str:
    """Graphviz DOT (left to right) of tree.build() nodes; initiatives serving two KPIs are one box with
    two edges; a dashed edge is a link that is our reading, not stated in the documents. `unlinked`
    (rows of initiatives_list) are drawn apart as 「KPIとの対応がない施策」.

    The browser draws the text in its own font and size, so boxes are sized for `fontsize`: a larger
    value leaves room when the page's type is larger (presentation mode)."""
    font = FONT_FAMILY.split(",")[0]
    lines = ["digraph G {", "rankdir=LR; nodesep=0.12; ranksep=0.5; bgcolor=white;",
             f'graph [fontname="{font}", fontsize={fontsize + 1}];',
             f'node [fontname="{font}", fontsize={fontsize}, shape=box, style="rounded,filled", '
             'fillcolor=white, color="#444444", margin="0.25,0.1"];',
             'edge [color="#555555", arrowsize=0.6];']
    drawn: set[str] = set()
    for n in nodes.iter_rows(named=True):
        level = n["level"]
        if level == "kgi":
            lines.append(f'"kgi" [label="KGI（ビジョン）\\n{_dot_text(wrap(n["label"], 14, sep=chr(10)))}", '
                         f'shape=box, style="filled,bold", fillcolor="#DDEBF7", penwidth=2, fontsize={fontsize + 2}];')
        elif level == "area":
            lines.append(f'"{_dot_text(n["node_id"])}" [label="{_dot_text(wrap(n["label"], 12, 3, chr(10)))}", '
                         f'fillcolor="#F2F2F2"];')
        elif level == "kpi":
            style = STATUS_STYLE[status_style(n["status"]).code]
            text = f"{n['code']} {n['label']}".strip()
            lines.append(f'"{_dot_text(n["node_id"])}" [label="{_dot_text(wrap(text, 16, 4, chr(10)))}\\n'
                         f'{_dot_text(status_label(n["status"]))}", color="{style["color"]}", penwidth=2.5, '
                         f'fillcolor="{style["color"]}22"];')
        else:
            ini = f"initiative:{n['initiative_id']}"
            if ini not in drawn:
                drawn.add(ini)
                text = f"{n['code']} {_CIRCLED_START.sub('', n['label'])}"
                lines.append(f'"{_dot_text(ini)}" [label="{_dot_text(wrap(text, 18, 3, chr(10)))}", shape=note, '
                             f'style=filled, fillcolor="#FFF8E1"];')
            style = "dashed" if n["basis"] == "reading" else "solid"
            lines.append(f'"{_dot_text(n["parent_id"])}" -> "{_dot_text(ini)}" [style={style}];')
            continue
        if n["parent_id"]:
            lines.append(f'"{_dot_text(n["parent_id"])}" -> "{_dot_text(n["node_id"])}";')
    if unlinked is not None and not unlinked.is_empty():
        lines.append('subgraph cluster_unlinked { label="KPIとの対応がない施策"; style=dashed; '
                     'color="#999999";')
        for r in unlinked.iter_rows(named=True):
            text = f"{r['code']} {_CIRCLED_START.sub('', r['title'] or '')}"
            lines.append(f'"unlinked:{_dot_text(r["initiative_id"])}" [label="{_dot_text(wrap(text, 18, 3, chr(10)))}",'
                         f' shape=note, style="filled,dashed", fillcolor="#FFFFFF"];')
        lines.append("}")
    lines.append("}")
    return "\n".join(lines)
