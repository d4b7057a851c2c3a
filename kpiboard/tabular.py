"""CSV and xlsx files that Japanese Excel opens safely.

CSV is UTF-8 with BOM (Excel then reads Japanese correctly). A text cell that a spreadsheet would run
as a formula (starting with = + - @, tab or CR) is neutralised with a leading apostrophe; numbers stay
numbers, so -198 remains a negative number and not text.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

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
    return b"".join(csv_chunks([frame]))


def csv_chunks(frames: Iterable[pl.DataFrame]) -> Iterator[bytes]:
    """One CSV (BOM, header, rows) from frames of the same columns, a chunk per frame: a download of every row
    streams without holding them all. No frame at all: nothing but the BOM."""
    header = False
    yield "\ufeff".encode("utf-8")
    for frame in frames:
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\r\n")
        if not header:
            writer.writerow(frame.columns)
            header = True
        for row in _safe_rows(frame):
            writer.writerow(["" if v is None else v for v in row])
        yield buf.getvalue().encode("utf-8")


def to_xlsx_bytes(sheets: dict[str, pl.DataFrame], notes: dict[str, str] | None = None) -> bytes:
    """One sheet per frame; `notes` become a first sheet 「説明」 (method, sources, date)."""
    buf = io.BytesIO()
    write_xlsx(buf, {name: [frame] for name, frame in sheets.items()}, notes, in_memory=True)
    return buf.getvalue()


SHEET_ROWS = 1_048_575  # Excel's rows per sheet, less the header: more go on a sheet 「名前 (2)」


def write_xlsx(target, sheets: dict[str, Iterable[pl.DataFrame]], notes: dict[str, str] | None = None, *,
               in_memory: bool = False) -> None:
    """One sheet per name from its frames (written as they come, with constant memory unless in_memory), rows
    past Excel's limit continued on further sheets; `notes` become a first sheet 「説明」."""
    import xlsxwriter

    # strings_to_formulas=False: nothing a user typed is ever evaluated as a formula.
    book = xlsxwriter.Workbook(target, {"in_memory": in_memory, "constant_memory": not in_memory,
                                        "strings_to_formulas": False, "strings_to_urls": False})
    header = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    if notes:
        sheet = book.add_worksheet("説明")
        sheet.set_column(0, 0, 18)
        sheet.set_column(1, 1, 100)
        for i, (k, v) in enumerate(notes.items()):
            sheet.write_string(i, 0, k, header)
            sheet.write_string(i, 1, str(neutralise(v)))
    for name, frames in sheets.items():
        sheet, columns, r, part = None, [], 0, 0
        for frame in frames:
            for row in _safe_rows(frame):
                if sheet is None or r > SHEET_ROWS:
                    if sheet is not None:
                        _finish(sheet, r, columns)
                    part += 1
                    sheet, columns, r = _new_sheet(book, name, part, frame.columns, header), frame.columns, 0
                r += 1
                for c, v in enumerate(row):
                    if v is None or (isinstance(v, float) and v != v):
                        continue
                    if isinstance(v, bool):
                        sheet.write_boolean(r, c, v)
                    elif isinstance(v, (int, float)):
                        sheet.write_number(r, c, v)
                    else:
                        sheet.write_string(r, c, str(v))
            if sheet is None and frame.columns:  # no rows yet: the header still says what the sheet holds
                part += 1
                sheet, columns, r = _new_sheet(book, name, part, frame.columns, header), frame.columns, 0
        if sheet is None:
            sheet = _new_sheet(book, name, 1, [], header)
        _finish(sheet, r, columns)
    book.close()


def _new_sheet(book, name: str, part: int, columns: list[str], header):
    sheet = book.add_worksheet((name if part == 1 else f"{name} ({part})")[:31])
    for c, col in enumerate(columns):
        sheet.set_column(c, c, min(40, max(10, len(col) * 2 + 2)))
        sheet.write_string(0, c, col, header)
    sheet.freeze_panes(1, 0)
    return sheet


def _finish(sheet, rows: int, columns: list[str]) -> None:
    if rows:
        sheet.autofilter(0, 0, rows, max(len(columns) - 1, 0))
