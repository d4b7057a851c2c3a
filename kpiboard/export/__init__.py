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

FORMATS = {
    "pptx": ("スライド（PowerPoint）", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    "pdf": ("配布資料（PDF・A4）", "application/pdf"),
    "a3": ("進捗管理表（PDF・A3横）", "application/pdf"),
    "html": ("Webページ（HTML・オフライン可）", "text/html"),
    "xlsx": ("データ（Excel）", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "csv": ("データ（CSV・UTF-8 BOM付き）", "text/csv"),
    "png": ("グラフ画像（PNG）", "image/png"),
}
NEEDS_BROWSER = ("pdf", "a3", "png")  # PDF printing and chart images are drawn by headless Chromium (the deck is native)
# format → (module, function): the function takes (report, progress) and returns the file's bytes. Modules
# load on first use (python-pptx and the browser driver are heavy, and most requests want one format).
RENDERERS = {
    "pptx": ("pptx", "render"),
    "pdf": ("pdf", "render"),
    "a3": ("sheet", "render"),
    "html": ("html", "render_bytes"),
    "xlsx": ("tables", "xlsx"),
    "csv": ("tables", "csv"),
    "png": ("png", "render"),
}


def export(report: Report, fmt: str, progress: Progress | None = None) -> bytes:
    """The file of one format, as bytes."""
    if fmt not in RENDERERS:
        raise ExportError(f"形式「{fmt}」には対応していません（{', '.join(FORMATS)}）")
    module, function = RENDERERS[fmt]
    return getattr(import_module(f".{module}", __name__), function)(report, progress)
