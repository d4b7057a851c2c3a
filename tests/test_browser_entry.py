"""実績入力 in a real browser: type a year's actuals into the grid (st.data_editor), 確認する, see what would be read
and which verdicts change, 保存する, see them changed; a bad cell shows a Japanese error and nothing is saved.
The server runs on a temporary copy of the embedded data (tests never write into data/)."""
import re

import pytest

from browser import ROOT, assert_no_exception, chromium_page, streamlit_server, wait_for_app
from helpers import evaluate
from kpiboard import entry, store
from test_import_helpers import embedded_copy

pytestmark = pytest.mark.browser
SHOTS = ROOT / "artifacts" / "screenshots"
PLAN, YEAR = "toyama-growth", 2024
ROW_PX = 35  # st.data_editor's row height; the header is one row
# grid row (data_kpis order of 富山県成長戦略) → what is typed into 実績値
TYPED = {1: ("toyama-growth:2-1", "20"), 8: ("toyama-growth:5-venture", "12社"), 9: ("toyama-growth:6-1", "約40名")}
GRID = "実績値・見込みの入力表"  # the editor's accessible name (alt)
RANK_ROW, RANK_NAME = 5, "製造業における付加価値率の全国順位"


@pytest.fixture()
def data_dir(tmp_path):
    return embedded_copy(tmp_path)


def wait_until_idle(page, timeout=60_000):
    page.wait_for_timeout(300)  # a rerun a click or an edit asked for has started
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=timeout)
    page.wait_for_timeout(600)


def choose(page, label, option):
    page.get_by_role("combobox", name=label).click()
    page.get_by_role("option", name=option).click()
    wait_until_idle(page)


def type_cell(page, row: int, column: str, text: str) -> None:
    """Double-click the cell on the grid's canvas (columns have fixed widths, rows 35 px under the header),
    type into the cell editor that opens, Enter."""
    widths = list(entry.COLUMN_WIDTHS.items())
    before = sum(w for c, w in widths[:[c for c, _ in widths].index(column)])
    x = 1 + before + entry.COLUMN_WIDTHS[column] / 2
    y = 1 + (row + 1) * ROW_PX + ROW_PX / 2
    editor = page.get_by_test_id("stDataFrame").filter(has=page.get_by_role("region", name=GRID))
    editor.dblclick(position={"x": x, "y": y})
    box = page.get_by_test_id("portal").locator(".gdg-clip-region textarea")
    box.wait_for(timeout=10_000)
    box.fill(text)
    page.keyboard.press("Enter")
    wait_until_idle(page)
    # the edit landed in that grid
    cell = editor.locator("td").filter(has_text=re.compile(f"^{re.escape(text)}$")).first
    cell.wait_for(state="attached", timeout=10_000)  # hidden: it is the grid's accessible table


def table_text(page) -> str:
    # st.dataframe draws on a canvas; its accessible table holds the cells' text
    return "\n".join(page.locator('[data-testid="stDataFrame"] td').all_inner_texts())


def test_type_preview_save_and_see_the_verdicts_change(data_dir):
    SHOTS.mkdir(parents=True, exist_ok=True)
    before = evaluate(data_dir, plan=PLAN, eval_year=YEAR)
    assert {before[k]["status"] for k, _ in TYPED.values()} == {"判定不能"}
    version = store.data_version(data_dir)
    with streamlit_server(data_dir) as url, chromium_page(width=1800, height=2400) as page:
        page.goto(url + "/enter")
        wait_for_app(page, 60_000)
        page.get_by_role("heading", name="実績入力").wait_for()
        assert_no_exception(page)
        choose(page, "計画", "富山県｜富山県成長戦略")
        choose(page, "入力する年度", "R6（2024）")
        page.get_by_role("heading", name="R6（2024） の実績値・見込み").wait_for()
        for row, (_, text) in TYPED.items():
            type_cell(page, row, entry.ACTUAL, text)
        type_cell(page, 8, entry.ESTIMATE, "検討中")
        assert_no_exception(page)
        page.screenshot(path=str(SHOTS / "entry_1_typed.png"), full_page=True)

        page.get_by_role("button", name="確認する").click()
        page.get_by_text(re.compile("保存すると変わる判定")).wait_for(timeout=60_000)
        wait_until_idle(page)
        assert_no_exception(page)
        metrics = page.get_by_test_id("stMetric")
        assert "4 件" in metrics.filter(has_text="値 新規").inner_text()
        assert "0 件" in metrics.filter(has_text="エラー").inner_text()
        shown = table_text(page)
        assert "約40名" in shown and "40名" in shown and "検討中" in shown  # as typed and as read
        assert "判定不能（実績なし）" in shown and "達成" in shown  # before → after
        page.screenshot(path=str(SHOTS / "entry_2_preview.png"), full_page=True)
        assert store.data_version(data_dir) == version  # the preview stores nothing

        page.get_by_role("button", name="保存する").click()
        page.get_by_text("保存しました", exact=False).first.wait_for(timeout=60_000)
        wait_until_idle(page)
        assert_no_exception(page)
        page.get_by_text("保存した指標の判定", exact=False).wait_for()
        page.screenshot(path=str(SHOTS / "entry_3_saved.png"), full_page=True)
        assert store.data_version(data_dir) != version
        after = evaluate(data_dir, plan=PLAN, eval_year=YEAR)
        assert {k: after[k]["actual_value"] for k, _ in TYPED.values()} == {
            "toyama-growth:2-1": 20.0, "toyama-growth:5-venture": 12.0, "toyama-growth:6-1": 40.0}
        assert all(after[k]["status"] != "判定不能" for k, _ in TYPED.values())
        assert store.snapshots(data_dir).row(0, named=True)["author"] == "ローカル利用者"
        assert "20" in table_text(page)  # the new grid shows the stored actual under 現在の実績

        # a bad cell: a Japanese error naming the KPI, and nothing saved
        version = store.data_version(data_dir)
        type_cell(page, RANK_ROW, entry.ACTUAL, "abc")
        page.get_by_role("button", name="確認する").click()
        page.get_by_text("読み取れない値が 1 件", exact=False).wait_for(timeout=60_000)
        wait_until_idle(page)
        assert_no_exception(page)
        shown = table_text(page)
        assert RANK_NAME in shown and "「abc」は数値ではありません" in shown
        assert page.get_by_role("button", name="保存する").is_disabled()
        page.screenshot(path=str(SHOTS / "entry_4_error.png"), full_page=True)
    assert store.data_version(data_dir) == version
