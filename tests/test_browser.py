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
    achieved = page.get_by_test_id("stMetric").filter(has_text="達成").first
    assert "1 件" in achieved.inner_text()  # the DCI score, judged on its published FY2022 actual

    plan_box.click()
    page.get_by_role("option", name=re.compile("熊本連携中枢都市圏")).click()
    wait_for_app(page)
    assert "plan=region-kumamoto-vision" in page.url  # the plan's id, not its label
    assert "1 件" in page.get_by_test_id("stMetric").filter(has_text="達成").first.inner_text()
    assert_no_exception(page)

    page.goto(page.url)  # a copied link reopens the same view
    wait_for_app(page)
    assert "熊本連携中枢都市圏" in page.get_by_role("combobox", name="計画").input_value()


def test_a_link_to_overview_opens_the_start_page_with_its_filters(server, page):
    page.goto(server + "/overview?plan=region-kumamoto-vision")
    wait_for_app(page)
    assert_no_exception(page)
    assert "Page not found" not in page.content()
    assert page.get_by_role("heading", name="概要").is_visible()
    assert "熊本連携中枢都市圏" in page.get_by_role("combobox", name="計画").input_value()


def test_start_page_shows_verdicts_and_leads_to_the_47_prefecture_ranking(server, page):
    from playwright.sync_api import expect

    page.goto(server + "/")
    wait_for_app(page)
    plans = page.locator(".st-key-all_plans")
    expect(plans).to_contain_text("すべての計画の判定の内訳")
    expect(plans).to_contain_text("判定できた KPI は 9 件")
    expect(plans).to_contain_text("福島県 53.7%")
    expect(plans).to_contain_text("× 遅れ")  # a real verdict on the first screen, not only 判定不能
    bars = plans.locator('[data-testid="stPlotlyChart"] .bars text').all_text_contents()
    assert any(t.strip().endswith("件") for t in bars)
    plans.get_by_role("link", name=re.compile("47都道府県のランキング")).click()
    page.wait_for_url(re.compile(r"/compare\?"))
    wait_for_app(page)
    expect(page.get_by_role("heading", name="47都道府県のランキング")).to_be_visible()
    ranking = page.get_by_test_id("stPlotlyChart").first
    ranking.locator(".ytick text").first.wait_for()
    ticks = ranking.evaluate("el => [...el.querySelectorAll('.ytick text')].map(t => t.textContent)")
    assert len(ticks) == 47 and any("福島県" in t and "▶" in t for t in ticks)
    assert_no_exception(page)


def test_year_picker_keeps_a_japanese_value_when_the_plan_changes_and_no_english_menu(server, page):
    page.goto(server + "/")
    wait_for_app(page)
    year = page.get_by_role("combobox", name="評価年度")
    assert year.input_value() == "最新の実績年度"
    page.get_by_role("combobox", name="計画").click()
    page.get_by_role("option", name=re.compile("熊本連携中枢都市圏")).click()
    wait_for_app(page)
    page.wait_for_timeout(800)
    assert year.input_value() == "最新の実績年度"  # was empty, showing 「Choose an option」
    assert year.get_attribute("placeholder") == "選んでください"
    assert page.get_by_test_id("stMainMenu").count() == 0  # Print / Record screen / About
    assert_no_exception(page)


def test_the_file_uploader_speaks_japanese(server, page):
    page.goto(server + "/import")
    wait_for_app(page)
    zone = page.get_by_test_id("stFileUploaderDropzone")
    shown = zone.evaluate("""z => [...z.querySelectorAll('span, p')].filter(e => !e.children.length).map(e => {
        const own = getComputedStyle(e), after = getComputedStyle(e, '::after');
        return {text: e.textContent, size: own.fontSize, after: after.content};
    })""")
    english = [s["text"] for s in shown if re.search("[A-Za-z]{3}", s["text"]) and s["size"] != "0px"
               and s["text"] != "upload"]  # "upload": the Material icon's ligature name, drawn as an icon
    assert english == []
    assert {'"ファイルを選ぶ"', '"ここにファイルをドラッグ＆ドロップ（.xlsx / .csv）"'} <= {s["after"] for s in shown}
