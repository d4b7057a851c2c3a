"""導入前後の比較 in a real browser (Debian chromium): 施策・予算 → the tab → pick an imported 施策 with a start day →
its charts with the start marked and the before/after table. The server runs on a copy of the embedded data with a
small sheet imported (tests never write into data/)."""
import pytest
from playwright.sync_api import expect

from browser import assert_no_exception, chromium_page, streamlit_server, wait_for_app
from kpiboard import importer
from test_before_after import MEASURE, line_csv
from test_import_helpers import embedded_copy

pytestmark = pytest.mark.browser


@pytest.fixture()
def data_dir(tmp_path):
    d = embedded_copy(tmp_path)
    r = importer.import_files([line_csv()], d)
    assert r.written and not r.errors
    return d


def svg_texts(locator) -> list[str]:
    return locator.evaluate_all("els => els.map(e => e.textContent)")


def test_pick_a_measure_and_see_before_and_after(data_dir):
    with streamlit_server(data_dir) as url, chromium_page(1600, 2400) as page:
        page.goto(url + "/initiatives")
        wait_for_app(page, timeout=60_000)
        assert_no_exception(page)
        page.get_by_role("tab", name="導入前後の比較").click()
        main = page.get_by_test_id("stMain")
        expect(main).to_contain_text("因果関係", timeout=30_000)  # the caution, always there
        page.get_by_role("combobox", name="施策・取組（開始日の記録があるもの）").click()
        page.get_by_role("option", name=f"{MEASURE}（みどり市広報計画、施策開始 R6.4）").click()
        expect(main).to_contain_text("導入前と導入後", timeout=30_000)
        wait_for_app(page)
        assert_no_exception(page)
        assert "ba_start=" in page.url  # the pick is in the link

        charts = page.get_by_test_id("stPlotlyChart")
        expect(charts).to_have_count(3, timeout=30_000)
        charts.first.locator(".main-svg").first.wait_for()
        notes = svg_texts(charts.first.locator(".annotation-text"))
        assert "施策開始 R6.4" in notes, notes
        assert charts.first.locator("path.shapelayer, .shapelayer path").count() >= 1  # the start's vertical line
        legend = svg_texts(charts.first.locator(".legendtext"))
        assert {"実績値", "導入前（最後の実績）", "導入後（最新の実績）"} <= set(legend), legend

        table = page.get_by_test_id("stDataFrame").filter(has_text="LINE友だち登録者数")
        expect(table).to_have_count(1, timeout=30_000)
        cells = " ".join(table.locator("td").all_inner_texts())
        for text in ("R5（2023） 1,500人", "R7（2025） 3,100人", "+1,600人（+107%）", "遅れ", "やや遅れ"):
            assert text in cells, (text, cells[:500])
        expect(main).to_contain_text("出典: 施策の開始日: line.csv 2行目 「施策開始日」列")
