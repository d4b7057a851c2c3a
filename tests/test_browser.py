"""Real-browser tests: Debian chromium driven by Playwright against `streamlit run app.py`."""
import re

import pytest

from browser import assert_no_exception, wait_for_app

pytestmark = pytest.mark.browser


def test_overview_opens_on_toyama_and_filter_goes_into_url(server, page):
    page.goto(server + "/")  # 概要 is the default page: its address is the app root
    wait_for_app(page)
    assert_no_exception(page)
    assert page.get_by_role("heading", name="概要").is_visible()
    plan_box = page.get_by_role("combobox", name="計画")
    assert "富山県成長戦略" in plan_box.input_value()
    achieved = page.get_by_test_id("stMetric").first
    assert "1 件" in achieved.inner_text()  # the DCI score, judged on its published FY2022 actual

    plan_box.click()
    page.get_by_role("option", name=re.compile("熊本連携中枢都市圏")).click()
    wait_for_app(page)
    assert "plan=" in page.url
    assert "1 件" in page.get_by_test_id("stMetric").first.inner_text()
    assert_no_exception(page)

    page.goto(page.url)  # a copied link reopens the same view
    wait_for_app(page)
    assert "熊本連携中枢都市圏" in page.get_by_role("combobox", name="計画").input_value()
