"""A 所見 written on 指標 in Chromium: shown there and on 概要, and carried into the deck's notes, the PDF handout's
text and the xlsx made on 出力."""
from __future__ import annotations

import io
import subprocess

import openpyxl
import pytest
from pptx import Presentation

from browser import assert_no_exception, chromium_page, streamlit_server, wait_for_app
from kpiboard import store
from kpiboard.export import browser as export_browser

pytestmark = [pytest.mark.browser, pytest.mark.skipif(not export_browser.available(), reason="Chromium がありません")]
KPI = "fukushima-dx:gyosei-4-1-1(4)"
FINDING = "出張申請の効果で伸びたが全国平均を下回る"


def download(page, label: str, tmp_path):
    with page.expect_download(timeout=240_000) as dl:
        page.get_by_test_id("stDownloadButton").filter(has_text=label).click()
    path = tmp_path / dl.value.suggested_filename
    dl.value.save_as(path)
    return path


def test_a_finding_written_on_the_indicator_page_reaches_overview_and_the_exports(tmp_path):
    data = tmp_path / "data"
    store.copy_data_dir(store.EMBEDDED_DATA_DIR, data)
    with streamlit_server(data) as url, chromium_page(1600, 1200) as page:
        page.goto(f"{url}/indicator?plan=fukushima-dx&kpi={KPI}")
        wait_for_app(page, timeout=60_000)
        page.get_by_role("tab", name="所見・今後の方向性").click()
        page.get_by_label("所見", exact=True).fill(FINDING)
        page.get_by_label("記入者名（変更履歴に残ります）").fill("企画課 山田")
        page.get_by_role("button", name="保存する").click()
        page.get_by_text("所見などを保存しました").wait_for(timeout=30_000)
        wait_for_app(page, timeout=60_000)
        page.get_by_role("tab", name="所見・今後の方向性").click()
        table = page.get_by_test_id("stDataFrame").filter(has_text="企画課 山田")
        table.wait_for(timeout=30_000)
        assert_no_exception(page)
        assert store.read_table(data, "kpi_comments")["text"].to_list() == [FINDING]
        assert store.snapshots(data).sort("snapshot_id")["author"][-1] == "企画課 山田"

        page.goto(f"{url}/?plan=fukushima-dx")
        wait_for_app(page, timeout=60_000)
        # the KPI is 遅れ, first among 「まず確認したい KPI」: its card shows the department's words
        page.get_by_text(f"所見: {FINDING}").first.wait_for(timeout=30_000)
        assert_no_exception(page)

        page.goto(f"{url}/export?plan=fukushima-dx")
        wait_for_app(page, timeout=60_000)
        page.get_by_role("button", name="作成").click()
        page.get_by_text("作成しました").wait_for(timeout=300_000)
        deck = Presentation(str(download(page, "スライド（PowerPoint）", tmp_path)))
        assert any(FINDING in s.notes_slide.notes_text_frame.text for s in deck.slides)
        pdf = download(page, "配布資料（PDF・A4）", tmp_path)
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        assert FINDING in text.replace("\n", "")
        book = openpyxl.load_workbook(io.BytesIO(download(page, "データ（Excel）", tmp_path).read_bytes()))
        assert any(FINDING in str(c.value) for row in book["判定結果"].iter_rows() for c in row if c.value)
