"""CSV and xlsx files that Japanese Excel opens safely.

CSV is UTF-8 with BOM (Excel then reads Japanese correctly). A text cell that a spreadsheet would run
as a formula (starting with = + - @, tab or CR) is neutralised with a leading apostrophe; numbers stay
numbers, so -198 remains a negative number and not text.
"""
from __future__ import annotations

import csv
import io

import polars as pl

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _safe_rows(frame: pl.DataFrame):
    for row in frame.iter_rows():
        yield [neutralise(v) for v in row]


def to_csv_bytes(frame: pl.DataFrame) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(frame.columns)
    for row in _safe_rows(frame):
        writer.writerow(["" if v is None else v for v in row])
    return buf.getvalue().encode("utf-8-sig")


def to_xlsx_bytes(sheets: dict[str, pl.DataFrame], notes: dict[str, str] | None = None) -> bytes:
    """One sheet per frame; `notes` become a first sheet 「説明」 (method, sources, date)."""
    import xlsxwriter

    buf = io.BytesIO()
    # strings_to_formulas=False: nothing a user typed is ever evaluated as a formula.
    book = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    header = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    if notes:
        sheet = book.add_worksheet("説明")
        sheet.set_column(0, 0, 18)
        sheet.set_column(1, 1, 100)
        for i, (k, v) in enumerate(notes.items()):
            sheet.write_string(i, 0, k, header)
            sheet.write_string(i, 1, str(neutralise(v)))
    for name, frame in sheets.items():
        sheet = book.add_worksheet(name[:31])
        for c, col in enumerate(frame.columns):
            sheet.write_string(0, c, col, header)
            sheet.set_column(c, c, min(40, max(10, len(col) * 2 + 2)))
        for r, row in enumerate(_safe_rows(frame), start=1):
            for c, v in enumerate(row):
                if v is None or (isinstance(v, float) and v != v):
                    continue
                if isinstance(v, bool):
                    sheet.write_boolean(r, c, v)
                elif isinstance(v, (int, float)):
                    sheet.write_number(r, c, v)
                else:
                    sheet.write_string(r, c, str(v))
        sheet.freeze_panes(1, 0)
        if frame.height:
            sheet.autofilter(0, 0, frame.height, max(len(frame.columns) - 1, 0))
    book.close()
    return buf.getvalue()
