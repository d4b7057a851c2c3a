"""The A3 landscape 進捗管理表: one table per plan, the layout 議会・審議会 papers use — 分野, 施策, KPI, 基準値,
目標値, 実績値, 達成率, 判定, 所見 — printed by headless Chromium with the same embedded TrueType font as the
handout (no Type 3 glyphs). The 所見 column carries the department's words written on 指標 (those not marked
internal); where there are none it is left blank for writing by hand."""
from __future__ import annotations

from .. import status
from .browser import Chromium
from .html import CSP_META, esc, print_font_stack
from .report import Progress, Report, split_source, status_rows

COLUMNS = ("分野", "項目", "施策", "指標名（KPI）", "基準値", "目標値", "実績値", "達成率", "判定", "所見", "出典（箇所）")

CSS = """
@page { size: A3 landscape; margin: 12mm 12mm 14mm; }
* { box-sizing: border-box; font-synthesis: none; }
body { font-family: %(font)s; color: #1f2937; font-size: 9.5pt; margin: 0; }
h1 { font-size: 16pt; color: #005A9C; margin: 0 0 2mm; }
.meta { font-size: 9pt; color: #374151; margin: 0 0 3mm; }
.synthetic { border: 1.5px solid #D55E00; color: #8a3a00; padding: 1.5mm 3mm; }
table { border-collapse: collapse; width: 100%%; table-layout: fixed; }
thead { display: table-header-group; }  /* the header repeats on every page */
tr { break-inside: avoid; }
th { background: #DDEBF7; font-weight: normal; }
th, td { border: 0.6pt solid #8a97a8; padding: 1.2mm 1.5mm; vertical-align: top; overflow-wrap: anywhere; }
td.num { text-align: right; white-space: nowrap; }
td.st { text-align: center; white-space: nowrap; }
td.memo { background: #fff; white-space: pre-wrap; font-size: 8.5pt; }
.fy { display: block; color: #555f6b; font-size: 8pt; }
.src { font-size: 7.5pt; color: #555f6b; }
.method { font-size: 8.5pt; color: #374151; margin-top: 3mm; }
col.area { width: 9%%; } col.code { width: 3.5%%; } col.measure { width: 10%%; } col.kpi { width: 15%%; }
col.value { width: 7%%; } col.rate { width: 4.5%%; } col.status { width: 6%%; } col.memo { width: 16%%; }
col.source { width: 8%%; }
"""
COL_CLASSES = ("area", "code", "measure", "kpi", "value", "value", "value", "rate", "status", "memo", "source")


def document(report: Report) -> str:
    r = report
    rows = []
    for area in r.areas:
        for row, kpi in zip(status_rows(r, area.rows), area.rows.iter_rows(named=True)):
            def num(value, year):
                return f'<td class="num">{esc(value)}<span class="fy">{esc(year)}</span></td>'
            rows.append(
                f"<tr><td>{esc(area.name)}</td><td>{esc(row['項目'])}</td><td>{esc(kpi.get('measure') or '')}</td>"
                f"<td>{esc(row['指標名'])}</td>" + num(row["基準値"], row["基準年度"]) + num(row["目標値"], row["目標年度"])
                + num(row["実績値"], row["実績年度"]) + f'<td class="num">{esc(row["達成率"])}</td>'
                f'<td class="st" style="background:{status.style(row["status"]).color};'
                f'color:{status.text_color(row["status"])}">{esc(row["判定"])}</td>'
                f'<td class="memo">{esc(row["所見"])}</td><td class="src">{esc(split_source(row["source"], r.source_heads)[1] or row["source"])}</td></tr>')
    if not rows:
        rows.append(f'<tr><td colspan="{len(COLUMNS)}">この計画には指標が登録されていません。</td></tr>')
    meta = (f"{r.entity}｜評価年度: {r.eval_year_label}｜判定方式: {r.method_label}｜作成日: {r.made_on_label}｜"
            f"データ時点: {r.data_as_of or '―'}（{r.dataset_name}）")
    synthetic = f'<p class="synthetic">{esc(r.synthetic_note)}</p>' if r.synthetic else ""
    body = (f"<h1>{esc(r.plan)}　KPI 進捗管理表</h1><p class=\"meta\">{esc(meta)}</p>{synthetic}"
            "<table><colgroup>" + "".join(f'<col class="{c}">' for c in COL_CLASSES) + "</colgroup>"
            "<thead><tr>" + "".join(f"<th>{esc(c)}</th>" for c in COLUMNS) + "</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>"
            f'<p class="method">{esc(r.method_text)} 判定基準: {esc(r.bands_text)}</p>'
            f'<p class="method">出典（資料）: {esc("；".join(r.source_files))}。「出典」欄は各資料の該当箇所。</p>')
    body = body.replace("≥", "≧").replace("≤", "≦")  # IPAexGothic has the JIS forms only (see html.py)
    style = CSS % {"font": print_font_stack()}
    return ("<!DOCTYPE html>\n<html lang=\"ja\"><head><meta charset=\"utf-8\">" + CSP_META +
            f"<title>{esc(r.plan)} KPI 進捗管理表</title><style>{style}</style></head><body>{body}</body></html>")


def footer(report: Report) -> str:
    return (f'<div style="font-family:{esc(print_font_stack())};font-size:8px;color:#555;width:100%;padding:0 12mm;'
            f'display:flex;justify-content:space-between"><span>{esc(report.plan)}｜KPI 進捗管理表｜'
            f'出典は各行の「出典」欄</span><span><span class="pageNumber"></span> / <span class="totalPages"></span>'
            '</span></div>')


def render(report: Report, progress: Progress | None = None) -> bytes:
    if progress:
        progress(0.2, "進捗管理表を組み版中")
    with Chromium() as browser:
        data = browser.pdf(document(report), footer(report), paper="A3", landscape=True)
    if progress:
        progress(1.0, "完了")
    return data


