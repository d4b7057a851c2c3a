"""Exports for committee meetings: slides, handouts, web pages, spreadsheets, chart images.

`build_report` (gather.py) reads everything once — statuses from queries/evaluate.sql, the observations behind
them, the sources — into one `Report` (report.py), and every format renders that report, so a deck and a
spreadsheet made together never disagree. One module per format; `RENDERERS` says which renders what.
"""
from __future__ import annotations

from importlib import import_module

from .gather import available_plans, build_report
from .report import (ATTENTION_LIMIT, NO_AREA, AreaSection, ExportError, Progress, Report, compact_sources,
                     kpi_label, rate_text, safe_filename, sources_by_file, split_source, status_rows, value_text)

# format → (label, MIME type, renderer module, function). The function takes (report, progress) and returns the
# file's bytes; its module loads on first use (python-pptx and the browser driver are heavy, and most requests
# want one format). One table, so a format cannot be offered without a renderer or rendered without a label.
FORMATS = {
    "pptx": ("スライド（PowerPoint）", "application/vnd.openxmlformats-officedocument.presentationml.presentation",
             "pptx", "render"),
    "pdf": ("配布資料（PDF・A4）", "application/pdf", "pdf", "render"),
    "a3": ("進捗管理表（PDF・A3横）", "application/pdf", "sheet", "render"),
    "html": ("Webページ（HTML・オフライン可）", "text/html", "html", "render_bytes"),
    "xlsx": ("データ（Excel）", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "tables", "xlsx"),
    "csv": ("データ（CSV・UTF-8 BOM付き）", "text/csv", "tables", "csv"),
    "png": ("グラフ画像（PNG）", "image/png", "png", "render"),
}
NEEDS_BROWSER = ("pdf", "a3", "png")  # PDF printing and chart images are drawn by headless Chromium (the deck is native)


def export(report: Report, fmt: str, progress: Progress | None = None) -> bytes:
    """The file of one format, as bytes."""
    if fmt not in FORMATS:
        raise ExportError(f"形式「{fmt}」には対応していません（{', '.join(FORMATS)}）")
    _, _, module, function = FORMATS[fmt]
    return getattr(import_module(f".{module}", __name__), function)(report, progress)
