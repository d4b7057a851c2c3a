"""Charts of the 連携中枢都市圏 and 施策・予算 pages (one chart, one function).

Same conventions as charts.py: the source is an annotation beneath the plot, Okabe–Ito colours, and a
pattern or a mark beside every colour so the charts survive black-and-white printing.
"""
from __future__ import annotations

import math
import os
import re

import plotly.graph_objects as go
import polars as pl

from . import citations
from . import format as fmt
from .charts import FONT_FAMILY, _layout, safe_label
from .eras import format_fiscal_year
from .parsing import format_value
from .status import STATUS_STYLE, label as status_label
from .status import style as status_style

OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
PATTERNS = ("", "/", ".", "x", "\\", "-", "|", "+")
GROUP_STYLE = {"ア": (OKABE_ITO[0], ""), "イ": (OKABE_ITO[1], "/"), "ウ": (OKABE_ITO[2], ".")}
SHARED_STYLE = ("#BBBBBB", "x")


def wrap(text: str, width: int, max_lines: int | None = None, sep: str = "<br>") -> str:
    """Break a Japanese label every `width` characters (plotly and graphviz do not wrap by themselves).

    With the default `<br>` the result is Plotly text: each line is escaped (safe_label). With any other
    separator the lines are returned as they are, for the caller to quote (tree_dot)."""
    text = text or ""
    lines = [text[i:i + width] for i in range(0, len(text), width)] or [""]
    if max_lines and len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1][:-1] + "…"
    if sep == "<br>":
        lines = [safe_label(line) for line in lines]
    return sep.join(lines)


def combined_source(sources, max_length: int = 120, heads: tuple[str, ...] = ()) -> str:
    """Several sources as one line: '004_… 施策ごとの… ア・イ・ウA' (shared start written once).

    Longer than `max_length`: only the documents, '003_….txt・000_….txt（各行の「出典」列）' — the
    rows beneath then carry the exact sections.
    """
    items = list(dict.fromkeys(str(s) for s in sources if s))
    if len(items) <= 1:
        return items[0] if items else ""
    prefix = os.path.commonprefix(items)
    prefix = prefix[: prefix.rfind(" ") + 1] if " " in prefix else ""
    text = prefix + "・".join(s[len(prefix):] for s in items) if prefix else "／".join(items)
    if len(text) <= max_length:
        return text
    return citations.documents(items, heads) + "（箇所は各行の「出典」列）"


def shorten(text: str, width: int) -> str:
    text = text or ""
    return text if len(text) <= width else text[: width - 1] + "…"


# ---------------------------------------------------------------- 連携中枢都市圏

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
    fig.update_xaxes(range=[0, total], title_text=f"KPIを設定している圏域の数（右端 = 全{total}圏域）", dtick=5)
    fig = _layout(fig, title, source, height=max(360, 150 + 30 * cats.height))
    fig.update_yaxes(showgrid=False)  # after the shared layout, which turns grids on
    # room for the 「n圏域（m%）」 labels, and for the group legend between the title and the plot
    fig.update_layout(bargap=0.25, margin={"l": 20, "r": 130, "t": 140})
    return fig


def achievement_figure(rows: pl.DataFrame, *, source: str, western_years: bool = False,
                       title: str = "設定例KPIの達成率（目標に対する実績）") -> go.Figure:
    """Bars of 達成率 per KPI (rows of the evaluate query), coloured and patterned by status, 100% line."""
    rows = rows.sort("entity", "sort_order")
    labels = [safe_label(f"{shorten(r['entity'], 14)}｜{shorten(r['kpi_name'], 22)}") for r in rows.iter_rows(named=True)]
    fig = go.Figure()
    unknown = status_style(None).code
    for s in rows["status"].fill_null(unknown).unique(maintain_order=True).to_list():
        part = rows.with_columns(pl.Series("axis_label", labels)).filter(pl.col("status").fill_null(unknown) == s)
        style = STATUS_STYLE[status_style(s).code]
        rate = [None if v is None else v * 100 for v in part["achievement_rate"].to_list()]
        fig.add_trace(go.Bar(
            y=part["axis_label"].to_list(), x=rate, orientation="h", name=status_label(s),
            marker={"color": style["color"], "line": {"color": "#222", "width": 0.8},
                    "pattern": {"shape": style["pattern"], "fgcolor": "#222", "size": 6, "fillmode": "overlay"}},
            text=[("―" if v is None else f"{v:,.0f}%") + f" {style['mark']}" for v in rate],
            textposition="outside", cliponaxis=False,
            customdata=[[safe_label(format_value(b, u)), safe_label(format_value(t, u)), safe_label(format_value(a, u)),
                         format_fiscal_year(y, western_only=western_years)]
                        for b, t, a, u, y in zip(part["baseline_value"].to_list(), part["target_value"].to_list(),
                                                 part["actual_value"].to_list(), part["unit"].fill_null("").to_list(),
                                                 part["eval_fy"].to_list())],
            hovertemplate="基準値 %{customdata[0]} → 目標値 %{customdata[1]}<br>実績 %{customdata[2]}"
                          "（%{customdata[3]}）<br>達成率 %{x:,.0f}%<extra>" + s + "</extra>",
        ))
    fig.add_vline(x=100, line={"color": "#000", "dash": "dash", "width": 1.5},
                  annotation_text="目標（100%）", annotation_position="bottom right")  # top is the legend's
    values = [v for v in rows["achievement_rate"].to_list() if v is not None]
    top = max([1.0] + values) * 100
    fig.update_xaxes(range=[0, top * 1.2], title_text="達成率 (実績−基準)/(目標−基準)", ticksuffix="%")
    fig.update_yaxes(categoryorder="array", categoryarray=labels, autorange="reversed", showgrid=False)
    fig = _layout(fig, title, source, height=max(320, 170 + 44 * rows.height))
    fig.update_yaxes(showgrid=False)
    fig.update_layout(showlegend=True)  # the status word also when every KPI has the same status
    fig.update_layout(margin={"l": 20, "r": 60})
    return fig


# ---------------------------------------------------------------- 施策・予算

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
        return _layout(fig, title, source, height=300)
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
                                [format_fiscal_year(b, western_only=western_years) for b in part["fy_to"].to_list()])),
            hovertemplate="%{customdata[2]}–%{customdata[3]}<br>%{customdata[0]}<br>取組主体: %{customdata[1]}"
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
    fig = _layout(fig, title, source, height=max(320, 140 + row_height * len(lane_keys)))
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
        return _layout(fig, title, source, height=300)
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
    fig.update_yaxes(tickmode="array", tickvals=vals, ticktext=text, range=[0, top * 1.15], title_text="予算額")
    fig = _layout(fig, title, source, height=480)
    fig.update_xaxes(showgrid=False)
    fig.update_layout(barmode="stack", margin={"t": 110})
    return fig


# ---------------------------------------------------------------- KGI → KPI → 施策

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
