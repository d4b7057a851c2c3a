"""Shared by the import tests (no tests here): fixture files, an Excel sheet laid out like a plan document,
and a copy of the embedded data directory to import into (tests never write into data/)."""
from __future__ import annotations

import io
from pathlib import Path

from kpiboard import store

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "import"


def fixture(name: str) -> tuple[str, bytes]:
    return name, (FIXTURES / name).read_bytes()


def embedded_copy(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    store.copy_data_dir(store.EMBEDDED_DATA_DIR, target)
    return target


def csv_bytes(rows: list[list[str]], encoding: str = "utf-8") -> bytes:
    import csv

    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    return buf.getvalue().encode(encoding)


WIDE_HEADER = ["自治体", "計画", "分野", "項目", "指標名", "単位", "方向", "基準値", "基準年度", "目標値", "目標年度", "R5実績"]


def wide_csv(*rows: list[str], header: list[str] = WIDE_HEADER, encoding: str = "utf-8") -> bytes:
    return csv_bytes([header, *rows], encoding)


def plan_xlsx() -> bytes:
    """やまなみ市 KPI sheet as offices keep it: an instructions sheet first, a title row, merged 自治体/計画/施策
    cells, numbers typed as numbers, % cells formatted as percent, an example row and a hidden sheet."""
    import openpyxl

    book = openpyxl.Workbook()
    info = book.active
    info.title = "説明"
    info["A1"] = "このブックは KPI の進捗管理表です（説明シートは取り込まれません）"
    ws = book.create_sheet("KPI一覧")
    ws["A1"] = "令和6年度 KPI進捗状況（やまなみ市・架空のテストデータ）"
    ws.merge_cells("A1:N1")
    header = ["No.", "自治体", "計画", "分野", "施策", "指標名", "単位", "基準値", "基準年度", "R4目標", "令和5年度目標値",
              "目標値（R7）", "2022実績", "R5実績値", "2024見込み", "備考"]
    for c, h in enumerate(header, start=1):
        ws.cell(row=3, column=c, value=h)
    rows = [
        ["例", "○○市", "○○計画", "例", "例", "記入例の指標", "人", 1, "R4", 2, 3, 4, 1, 2, 3, ""],
        [1, "やまなみ市", "やまなみ市総合戦略", "まちづくり", "移住促進", "移住者数", "人", 120, 2021, 150, 170, 200, 130,
         "165", "180 見込み", ""],
        [2, None, None, "まちづくり", "移住促進", "転入超過数", "人", "▲35", "R3", "▲20", "▲10", "0", -30, "－18", None, ""],
        [3, None, None, "行政", "デジタル化", "オンライン申請率", "%", 0.482, "R3", 0.55, 0.6, "80%以上", 0.51, 0.584,
         None, ""],
        [4, None, None, "〃", None, "窓口待ち時間", "分", 25, "R3", 20, 15, 10, 24, 21, "検討中", ""],
        [5, None, None, "観光", "観光振興", "観光消費額", "円", "9兆1,400億円", "R3", None, "9兆5,000億円", "10兆円", None,
         "9兆2,300億円", None, "県全体の数値を按分"],
    ]
    for r, values in enumerate(rows, start=4):
        for c, v in enumerate(values, start=1):
            ws.cell(row=r, column=c, value=v)
    for col in ("H", "J", "K", "M", "N"):  # Excel keeps 48.2% as 0.482
        ws[f"{col}7"].number_format = "0.0%"
    ws.merge_cells("B5:B9")  # 自治体 written once for all rows
    ws.merge_cells("C5:C9")
    ws.merge_cells("E7:E8")  # 施策 over two KPIs
    hidden = book.create_sheet("作業用")
    hidden["A1"] = "指標名"
    hidden["B1"] = "メモ"
    hidden.sheet_state = "hidden"
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()
