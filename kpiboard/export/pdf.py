"""The printable A4 handout: the HTML report with static charts, printed by headless Chromium.

Chromium embeds a subset of the Japanese TrueType font it draws with (IPAexGothic from Debian's
fonts-ipaexfont-gothic; CFF fonts such as Noto Sans CJK would become unnamed Type 3 glyphs, and
reportlab cannot embed the CFF .ttc files of fonts-noto-cjk at all). Every page has a footer with
the data date, the source documents, the method and the page number.
"""
from __future__ import annotations

from .report import Progress, Report
from .browser import Chromium
from .html import document, esc, print_font_stack


def footer(report: Report) -> str:
    # one line beside the page number: the first document, shortened; all of them are on each page and at the end
    first = report.source_files[0] if report.source_files else "―"
    first = first if len(first) <= 40 else first[:39] + "…"
    others = f" ほか{len(report.source_files) - 1}件" if len(report.source_files) > 1 else ""
    left = (f"{report.plan}｜データ時点 {report.data_as_of or '―'}｜出典: {first}{others}（各表の下と巻末に該当箇所）"
            f"｜判定: {report.method_label}")
    if report.synthetic:
        left = "合成データ（架空の数値）｜" + left
    # Chromium fills .pageNumber / .totalPages; the template has no access to the page's CSS.
    return (f'<div style="font-family:{esc(print_font_stack())};font-size:7.5px;color:#555;width:100%;'
            f'padding:0 13mm;display:flex;justify-content:space-between;gap:8px">'
            f'<span>{esc(left)}</span>'
            f'<span style="white-space:nowrap"><span class="pageNumber"></span> / <span class="totalPages"></span></span></div>')


def render(report: Report, progress: Progress | None = None) -> bytes:
    if progress:
        progress(0.1, "配布資料を組み版中")
    text, n_charts = document(report, for_print=True)
    with Chromium() as browser:
        if progress:
            progress(0.4, "PDF に印刷中")
        data = browser.pdf(text, footer(report), wait_for_charts=n_charts)
    if progress:
        progress(1.0, "完了")
    return data
