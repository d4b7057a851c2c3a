"""One self-contained HTML file: the report with interactive charts that opens offline (plotly.js is
inlined, nothing is fetched). The same document, with static charts sized for A4, is what the PDF
handout prints (pdf.py), so the handout and the web page say the same thing."""
from __future__ import annotations

import html as _html

import polars as pl
from plotly.offline import get_plotlyjs

from .. import status
from .report import ATTENTION_LIMIT, Progress, Report, kpi_label, rate_text, status_rows, value_text

# What the document may load: its own inline script and styles, and images it makes itself (Plotly's
# "save as PNG" draws through a blob: URL). Nothing from a network or a file, whatever the data says.
CSP = ("default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data: blob:; "
       "font-src data:; base-uri 'none'; form-action 'none'")
CSP_META = f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'

# Print embeds its font: Chromium embeds TrueType-outline fonts (IPAexGothic, Debian fonts-ipaexfont-gothic)
# as CID TrueType subsets but draws CFF fonts such as Noto Sans CJK as unnamed Type 3 glyphs.
PRINT_FONT = "IPAexGothic"
PRINT_WIDTH = 680  # CSS px across A4 inside the margins (210 mm − 2 × 13 mm ≈ 695 px)
FONT_STACK = ('"Noto Sans CJK JP", "Noto Sans JP", "Hiragino Sans", "Hiragino Kaku Gothic ProN", "Yu Gothic", '
              '"Meiryo", sans-serif')

CSS = """
* { box-sizing: border-box; }
body { font-family: %(font)s; color: #1f2937; margin: 0; line-height: 1.55; font-size: 15px; }
main { max-width: 1180px; margin: 0 auto; padding: 24px 32px 48px; }
h1 { font-size: 30px; margin: 0 0 4px; color: #fff; }
h2 { font-size: 22px; border-bottom: 3px solid #005A9C; padding-bottom: 4px; margin: 36px 0 12px; }
h3 { font-size: 18px; margin: 24px 0 8px; }
.cover { background: #005A9C; color: #fff; padding: 28px 32px; }
.cover .sub { font-size: 18px; }
.meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 16px 0; }
.meta dt { color: #555f6b; } .meta dd { margin: 0; }
.synthetic { background: #FFF4E5; border: 2px solid #D55E00; color: #8a3a00; padding: 8px 12px; font-weight: bold; }
.tiles { display: flex; gap: 10px; flex-wrap: wrap; margin: 12px 0; }
.tile { flex: 1 1 120px; padding: 10px; text-align: center; border-radius: 4px; font-weight: bold; }
.tile .n { font-size: 26px; display: block; }
table { border-collapse: collapse; width: 100%%; margin: 8px 0; font-size: 14px; }
th { background: #DDEBF7; text-align: center; }
th, td { border: 1px solid #c8d1dc; padding: 4px 6px; vertical-align: middle; }
td.num { text-align: right; white-space: nowrap; }
td.code, td.st { text-align: center; white-space: nowrap; }
td.st { font-weight: bold; }
td.memo { white-space: pre-wrap; }
.fy { display: block; color: #555f6b; font-size: 11px; }
.note, .source { color: #555f6b; font-size: 12px; }
.statement { color: #374151; font-size: 13px; margin: 0 0 6px; }
.chart { margin: 8px 0 4px; }
.facts td { white-space: normal; text-align: center; }
.facts td.st { white-space: nowrap; }  /* a status word on one line, as in every other table */
nav { font-size: 13px; margin: 12px 0; } nav a { margin-right: 12px; color: #005A9C; }
ul.sources { font-size: 12px; padding-left: 1.2em; }
"""

# No synthesised bold in print: Chromium draws fake-bold glyphs as Type 3, not with the embedded font.
# Emphasis in the handout is size, colour and shading.
PRINT_CSS = """
@page { size: A4; }
* { font-synthesis: none; }
h1, h2, h3 { color: #005A9C; } .cover h1 { color: #fff; }
body { font-size: 11pt; }
main { max-width: none; padding: 0; }
.cover { padding: 18px 20px; }
h1 { font-size: 22pt; } h2 { font-size: 15pt; margin: 12px 0 8px; } h3 { font-size: 12.5pt; }
table { font-size: 9.5pt; } .fy { font-size: 7.5pt; }
.page { break-before: page; }
section.area, section.kpi, .keep, .chart, table, .tiles { break-inside: avoid; }
.tiles { flex-wrap: nowrap; gap: 6px; } .tile { padding: 6px 4px; font-size: 9pt; } .tile .n { font-size: 16pt; }
nav { display: none; }
.meta { grid-template-columns: max-content 1fr max-content 1fr; font-size: 9.5pt; margin: 10px 0; }
"""


def print_font_stack() -> str:
    return f'"{PRINT_FONT}", ' + FONT_STACK


def esc(text) -> str:
    return _html.escape("" if text is None else str(text))


def _status_style(st: str) -> str:
    return f"background:{status.style(st).color};color:{status.text_color(st)}"


class _Charts:
    """Plotly figures as <div>s; counts them so the PDF printer knows how many to wait for. The
    sources are printed in full as text right beneath each chart, so the chart drops its 出典 line."""

    def __init__(self, for_print: bool):
        self.for_print = for_print
        self.count = 0

    def div(self, fig, height: int | None = None) -> str:
        from .figures import for_export

        self.count += 1
        h = int(height or fig.layout.height or 420)
        if self.for_print:
            fig = for_export(fig, PRINT_WIDTH, h, font_size=12, keep_source=False)
            fig.update_layout(font_family=f"{PRINT_FONT}, {fig.layout.font.family or 'sans-serif'}")
            config = {"staticPlot": True, "displayModeBar": False, "responsive": False}
        else:
            fig = for_export(fig, None, h, keep_source=False)
            config = {"displaylogo": False, "responsive": True,
                      "toImageButtonOptions": {"format": "png", "width": 1920, "height": 1080, "scale": 1}}
        return ('<div class="chart">' + fig.to_html(full_html=False, include_plotlyjs=False, config=config,
                                                    div_id=f"chart-{self.count}") + "</div>")


def _status_table(report: Report, rows) -> str:
    head = "".join(f"<th>{h}</th>" for h in ("項目", "指標名", "基準値", "目標値", "実績値", "達成率", "判定"))
    body = []
    for r in status_rows(report, rows):
        def num(value, year):
            return f'<td class="num">{esc(value)}<span class="fy">{esc(year)}</span></td>'
        body.append(
            f'<tr><td class="code">{esc(r["項目"])}</td><td>{esc(r["指標名"])}</td>'
            + num(r["基準値"], r["基準年度"]) + num(r["目標値"], r["目標年度"]) + num(r["実績値"], r["実績年度"])
            + f'<td class="num">{esc(r["達成率"])}</td>'
            f'<td class="st" style="{_status_style(r["status"])}">{esc(r["判定"])}</td></tr>')
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _source_line(report: Report, sources: list[str]) -> str:
    return f'<p class="source">出典: {esc(report.compact_sources(sources))}</p>'


def document(report: Report, *, for_print: bool = False) -> tuple[str, int]:
    """(HTML text, number of charts)."""
    from .figures import area_figure, summary_figure, trajectory

    r = report
    charts = _Charts(for_print)
    parts = []
    title = f"{r.plan}　KPI進捗状況"
    parts.append(f'<header class="cover"><h1>{esc(r.plan)}</h1><div class="sub">KPI 進捗状況 — {esc(r.entity)}</div></header>')
    parts.append("<main>")
    if r.synthetic:
        parts.append(f'<p class="synthetic">※ {esc(r.synthetic_note)}</p>')
    meta = [("自治体", r.entity), ("計画", r.plan), ("計画期間", f"{r.fy(r.period_start_fy)}〜{r.fy(r.period_end_fy)}"
                                                      if r.period_start_fy or r.period_end_fy else "―"),
            ("評価年度", r.eval_year_label), ("判定方式", r.method_label), ("作成日", r.made_on_label),
            ("データ時点", f"{r.data_as_of or '―'}（{r.dataset_name}）")]
    if r.vision:
        meta.insert(2, ("ビジョン", r.vision))
    parts.append('<dl class="meta">' + "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in meta) + "</dl>")
    if not for_print:
        links = ['<a href="#summary">進捗の概要</a>'] + [f'<a href="#area-{i}">{esc(a.name)}</a>'
                                                         for i, a in enumerate(r.areas, start=1)]
        links += ['<a href="#attention">要注意の指標</a>', '<a href="#method">判定方法・出典</a>']
        parts.append("<nav>" + "".join(links) + "</nav>")

    # summary
    parts.append('<section id="summary"><h2>進捗の概要</h2><div class="tiles">')
    for st, n in r.status_counts().items():
        parts.append(f'<div class="tile" style="{_status_style(st)}">{esc(status.label(st))}<span class="n">{n} 件</span></div>')
    parts.append("</div>")
    att = r.attention
    summary = (f"指標 {r.evaluated.height} 件（{len(r.areas)} 分野）。"
               + (r.attention_note if att is None or att.is_empty() else f"要注意の指標 {att.height} 件。"))
    parts.append(f"<p>{esc(summary)}</p>")
    parts.append(f'<p class="note">{esc(r.method_text)}</p>')
    if r.evaluated.height:
        parts.append('<div class="keep">' + charts.div(summary_figure(r), (260 if for_print else 360)
                                                       + (28 if for_print else 44) * len(r.areas))
                     + _source_line(r, r.sources_of(r.evaluated)) + "</div>")
    parts.append("</section>")

    # areas
    for i, area in enumerate(r.areas, start=1):
        parts.append(f'<section class="area" id="area-{i}"><h2>分野 {i}/{len(r.areas)}　{esc(area.name)}</h2>')
        if area.statement:
            parts.append(f'<p class="statement">{esc(area.statement)}</p>')
        parts.append(_status_table(r, area.rows))
        parts.append(charts.div(area_figure(r, area, label_width=16 if for_print else 26),
                                (190 if for_print else 220) + (28 if for_print else 48) * area.rows.height))
        parts.append(_source_line(r, r.sources_of(area.rows, [area.source])) + "</section>")

    # attention
    needing = status.attention_words(r.method)
    brk = "page" if for_print and att is not None and not att.is_empty() else ""
    parts.append(f'<section id="attention" class="{brk}"><h2>要注意の指標（{needing}）</h2>')
    if att is None or att.is_empty():
        parts.append(f"<p><strong>{esc(r.attention_note)}</strong></p>")
    else:
        for i, row in enumerate(att.head(ATTENTION_LIMIT).iter_rows(named=True), start=1):
            unit = row.get("unit") or ""
            facts = [("分野", row["area"] or "―"), ("判定", status.label(row["status"])),
                     ("基準値", f"{value_text(row['baseline_value'], unit)} {r.fy(row['baseline_fy'])}"),
                     ("目標値", f"{value_text(row['target_value'], unit)} {r.fy(row['target_fy'])}"),
                     ("評価年度", r.fy(row["eval_fy"])), ("実績値", value_text(row["actual_value"], unit)),
                     ("期待値", value_text(row["expected_value"], unit)),
                     ("進捗率 r", rate_text(row["progress_ratio"])), ("達成率", rate_text(row["achievement_rate"]))]
            head = "".join(f"<th>{esc(k)}</th>" for k, _ in facts)
            cells = "".join(f'<td class="{"st" if k == "判定" else "num" if k not in ("分野",) else ""}" '
                            f'style="{_status_style(row["status"]) if k == "判定" else ""}">{esc(v)}</td>'
                            for k, v in facts)
            parts.append(f'<section class="kpi"><h3>{i}. {esc(kpi_label(row))}</h3>'
                         f'<table class="facts"><tr>{head}</tr><tr>{cells}</tr></table>'
                         + charts.div(trajectory(r, row), 330 if for_print else 440)
                         + _source_line(r, r.sources_of(att.slice(i - 1, 1))) + "</section>")
        if att.height > ATTENTION_LIMIT:
            rest = "、".join(kpi_label(x) for x in att.slice(ATTENTION_LIMIT).iter_rows(named=True))
            parts.append(f"<p>ほか {att.height - ATTENTION_LIMIT} 件: {esc(rest)}</p>")
    parts.append("</section>")

    # the department's words (not those marked internal), for every KPI that has them
    if "commentary" in r.evaluated.columns and (written := r.evaluated.filter(pl.col("commentary") != "")).height:
        parts.append('<section id="commentary"><h2>担当課の所見・今後の方向性</h2><table class="comments"><thead><tr>'
                     "<th>指標名</th><th>判定</th><th>所見・要因分析・今後の方向性</th></tr></thead><tbody>")
        for row in written.iter_rows(named=True):
            parts.append(f"<tr><td>{esc(kpi_label(row))}<span class=\"fy\">{esc(r.fy(row['eval_fy']))}</span></td>"
                         f'<td class="st" style="{_status_style(row["status"])}">{esc(status.label(row["status"]))}</td>'
                         f'<td class="memo">{esc(row["commentary"])}</td></tr>')
        parts.append("</tbody></table></section>")

    # method and sources
    parts.append(f'<section id="method" class="{"page" if for_print else ""}"><h2>判定方法・判定基準・出典</h2>')
    parts.append(f"<h3>判定方式: {esc(r.method_label)}</h3><p>{esc(r.method_text)}</p>")
    parts.append(f"<h3>判定基準</h3><p>{esc(r.bands_text)}</p>")
    parts.append(f"<p>評価年度: {esc(r.eval_year_label)}。データ: {esc(r.dataset_name)}（データ時点 {esc(r.data_as_of or '―')}）。"
                 f"作成日: {esc(r.made_on_label)}。KPI board で作成。</p>")
    if r.synthetic:
        parts.append(f'<p class="synthetic">{esc(r.synthetic_note)}</p>')
    parts.append("<h3>出典（原本資料と該当箇所）</h3>")
    for name, sections in r.sources_by_file().items():
        items = "".join(f"<li>{esc(s)}</li>" for s in sections)
        parts.append(f'<p class="keep"><strong>{esc(name)}</strong></p><ul class="sources">{items}</ul>')
    parts.append("</section></main>")

    style = CSS % {"font": print_font_stack() if for_print else FONT_STACK} + (PRINT_CSS if for_print else "")
    body = "".join(parts)
    if for_print:  # IPAexGothic has the JIS forms ≧ ≦ but not ≥ ≤; a missing glyph would not be embedded
        body = body.replace("≥", "≧").replace("≤", "≦")
    text = ("<!DOCTYPE html>\n<html lang=\"ja\"><head><meta charset=\"utf-8\">" + CSP_META +
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{esc(title)}</title><style>{style}</style>"
            f"<script>{get_plotlyjs()}</script></head><body>" + body + "</body></html>")
    return text, charts.count


def render_bytes(report: Report, progress: Progress | None = None) -> bytes:
    """The page as a file (the exports' common signature)."""
    return render(report).encode("utf-8")


def render(report: Report) -> str:
    return document(report)[0]
