"""Commentary per KPI × fiscal year (所見, 要因分析, 今後の方向性, メモ): saved in one store transaction with its
author, carried by `evaluate` as `comment`, printed in every export except where marked internal."""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys

import openpyxl
import pytest
from pptx import Presentation

from kpiboard import comments, store
from kpiboard.export import build_report, export
from kpiboard.export import browser as export_browser
from kpiboard.store import PACKAGE_ROOT

KPI = "fukushima-dx:gyosei-4-1-1(4)"  # 県民のマイナンバーカードの取得率: judged for FY2022 (R4) from published figures
OTHER = "fukushima-dx:gyosei-2(1)"
FINDING = "マイナポイント事業で伸びたが、全国平均を下回っている"
INTERNAL = "課内の検討メモ（公開しない）"


@pytest.fixture()
def data(tmp_path):
    store.copy_data_dir(store.EMBEDDED_DATA_DIR, tmp_path / "data")
    return tmp_path / "data"


def cli(*args, directory):
    return subprocess.run([sys.executable, "-m", "kpiboard", *args], cwd=PACKAGE_ROOT, capture_output=True, text=True,
                          env={**os.environ, "KPIBOARD_DATA_DIR": str(directory)}, timeout=120)


def test_evaluate_json_carries_the_evaluated_years_finding(data):
    comments.save(data, KPI, 2022, {"finding": FINDING, "direction": "出張申請を続ける"}, author="企画課 山田")
    comments.save(data, KPI, 2021, {"finding": "前年度の所見"}, author="企画課 山田")
    rows = json.loads(cli("evaluate", "--plan", "fukushima-dx", "--format", "json", directory=data).stdout)
    row = next(r for r in rows if r["kpi_id"] == KPI)
    assert row["eval_fy"] == 2022 and row["comment"] == FINDING
    assert all(r["comment"] == "" for r in rows if r["kpi_id"] != KPI)
    older = json.loads(cli("evaluate", "--plan", "fukushima-dx", "--year", "2021", "--format", "json",
                           directory=data).stdout)
    assert next(r for r in older if r["kpi_id"] == KPI)["comment"] == "前年度の所見"


def test_a_save_is_one_snapshot_with_its_author_and_keeps_the_earlier_text(data):
    before = store.data_version(data)
    comments.save(data, KPI, 2022, {"finding": "一回目"}, author="企画課 山田")
    first = store.data_version(data)
    comments.save(data, KPI, 2022, {"finding": "二回目"}, author="企画課 佐藤", expected={"finding": "一回目"})
    history = store.snapshots(data).sort("snapshot_id")
    assert history["author"].to_list()[-2:] == ["企画課 山田", "企画課 佐藤"]
    assert "所見" in history["commit_message"][-1]
    assert store.read_table(data, "kpi_comments")["text"].to_list() == ["二回目"]
    assert store.read_table(data, "kpi_comments", version=first)["text"].to_list() == ["一回目"]
    assert store.read_table(data, "kpi_comments", version=before).is_empty()
    # saving the same text again writes nothing
    comments.save(data, KPI, 2022, {"finding": "二回目"}, author="企画課 佐藤")
    assert store.snapshots(data).height == history.height


def test_someone_elses_save_since_the_page_was_read_is_not_overwritten(data):
    comments.save(data, KPI, 2022, {"finding": "先に保存された所見"}, author="A")
    version = store.data_version(data)
    with pytest.raises(comments.CommentError, match="別の人が更新"):
        comments.save(data, KPI, 2022, {"finding": "上書きしようとした所見"}, author="B", expected={})
    assert store.data_version(data) == version


def test_text_is_bounded_and_cleaned():
    with pytest.raises(comments.CommentError, match="長すぎます"):
        comments.clean("あ" * (comments.MAX_CHARS + 1))
    assert comments.clean("  行1\r\n行2\x00\x1b  ") == "行1\n行2"


def test_exports_carry_the_finding_but_not_internal_notes(data):
    comments.save(data, KPI, 2022, {"finding": FINDING}, author="A")
    comments.save(data, OTHER, 2021, {"note": INTERNAL}, internal=True, author="A")
    report = build_report("fukushima-dx", directory=data)
    deck = Presentation(io.BytesIO(export(report, "pptx")))
    notes = [s.notes_slide.notes_text_frame.text for s in deck.slides]
    assert any(FINDING in n for n in notes) and not any(INTERNAL in n for n in notes)
    cells = [c.text for s in deck.slides for sh in s.shapes if sh.has_table for row in sh.table.rows for c in row.cells]
    assert any(FINDING in c for c in cells)  # the 所見 slide's table
    book = openpyxl.load_workbook(io.BytesIO(export(report, "xlsx")))
    values = [str(c.value) for row in book["判定結果"].iter_rows() for c in row if c.value]
    assert any(FINDING in v for v in values) and not any(INTERNAL in v for v in values)


@pytest.mark.browser
@pytest.mark.skipif(not export_browser.available(), reason="Chromium がありません")
@pytest.mark.parametrize("fmt", ["pdf", "a3"])
def test_handout_and_progress_sheet_print_the_finding(data, tmp_path, fmt):
    comments.save(data, KPI, 2022, {"finding": FINDING}, author="A")
    comments.save(data, KPI, 2021, {"note": INTERNAL}, internal=True, author="A")
    pdf = tmp_path / "out.pdf"
    pdf.write_bytes(export(build_report("fukushima-dx", directory=data), fmt))
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    flat = text.replace("\n", "").replace(" ", "")
    assert FINDING.replace("、", "") in flat.replace("、", "") and INTERNAL not in flat
