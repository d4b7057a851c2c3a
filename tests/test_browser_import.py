"""データ取込 in a real browser: choose a file, see the preview, click 取り込む, see what changed.
The server runs on a temporary copy of the embedded data (tests never write into data/)."""
import re

import pytest

from browser import ROOT, assert_no_exception, chromium_page, streamlit_server, wait_for_app
from kpiboard import store
from test_import_helpers import FIXTURES, embedded_copy

pytestmark = pytest.mark.browser
SHOTS = ROOT / "artifacts" / "screenshots"


@pytest.fixture()
def data_dir(tmp_path):
    return embedded_copy(tmp_path)


def go_to(page, title):
    """Switch page through the sidebar navigation (same session, as a user does)."""
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=title).click()
    wait_for_app(page)


def open_import_page(page, url):
    page.goto(url)
    wait_for_app(page)
    go_to(page, "データ取込")
    page.get_by_role("heading", name="データ取込").wait_for()


def wait_until_idle(page, timeout=60_000):
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=timeout)
    page.wait_for_timeout(600)


def test_upload_preview_and_import(data_dir):
    before = store.directory_digest(data_dir)
    SHOTS.mkdir(parents=True, exist_ok=True)
    with streamlit_server(data_dir) as url, chromium_page(height=2400) as page:
        open_import_page(page, url)
        assert_no_exception(page)
        assert page.get_by_role("dialog").count() == 0
        assert page.get_by_role("heading", name="データ取込").is_visible()
        assert page.get_by_test_id("stDownloadButton").first.is_visible()  # the template
        page.screenshot(path=str(SHOTS / "import_1_empty.png"), full_page=True)

        chooser = page.get_by_test_id("stFileUploader").locator("input[type=file]")
        chooser.set_input_files([str(FIXTURES / "aoba_plan_wide_cp932.csv"), str(FIXTURES / "sakura_region_long_utf8.csv")])
        page.get_by_text("プレビュー", exact=True).wait_for(timeout=60_000)
        wait_until_idle(page)
        assert_no_exception(page)
        metrics = page.get_by_test_id("stMetric")
        assert "10 件" in metrics.filter(has_text="指標 新規").inner_text()  # 7 + 3 KPIs
        assert "0 件" in metrics.filter(has_text="エラー").inner_text()
        assert page.get_by_test_id("stDataFrame").count() >= 1
        page.screenshot(path=str(SHOTS / "import_2_preview.png"), full_page=True)
        page.get_by_role("tab", name=re.compile("元の表")).click()
        page.wait_for_timeout(800)
        page.screenshot(path=str(SHOTS / "import_3_sheet.png"), full_page=True)
        assert store.directory_digest(data_dir) == before  # the preview stores nothing

        page.get_by_role("button", name="取り込む").click()
        page.get_by_text("取り込みました", exact=False).first.wait_for(timeout=60_000)
        wait_until_idle(page)
        assert_no_exception(page)
        page.screenshot(path=str(SHOTS / "import_4_done.png"), full_page=True)
        assert store.directory_digest(data_dir) != before

        # the overview of the same running app lists the imported plan
        go_to(page, "概要")
        assert_no_exception(page)
        box = page.get_by_role("combobox", name="計画")
        box.click()
        assert page.get_by_role("option", name=re.compile("あおば町総合計画")).count() == 1


def test_broken_file_shows_located_errors_and_disables_import(data_dir, tmp_path):
    bad = tmp_path / "壊れた表.csv"
    bad.write_bytes("自治体,計画,指標名,基準値,基準年度,令和X年度目標\r\nテスト市,計画,指標,たくさん,R4,5\r\n".encode("cp932"))
    before = store.directory_digest(data_dir)
    with streamlit_server(data_dir) as url, chromium_page(height=2400) as page:
        open_import_page(page, url)
        page.get_by_test_id("stFileUploader").locator("input[type=file]").set_input_files(str(bad))
        page.get_by_text("プレビュー", exact=True).wait_for(timeout=60_000)
        wait_until_idle(page)
        assert_no_exception(page)
        assert "エラーが 2 件" in page.get_by_test_id("stAlert").first.inner_text()
        assert page.get_by_role("button", name="取り込む").is_disabled()
        page.get_by_role("tab", name=re.compile("元の表")).click()
        page.wait_for_timeout(800)
        page.screenshot(path=str(SHOTS / "import_5_errors.png"), full_page=True)
    assert store.directory_digest(data_dir) == before
