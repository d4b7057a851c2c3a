"""概要・指標・比較, presentation mode, the Western-years setting and URL state in a real browser
(Debian chromium via Playwright against `streamlit run app.py`), and the screenshot script."""
import re
import sys
import urllib.parse

import pytest
from playwright.sync_api import expect

from browser import CHROMIUM, CHROMIUM_ARGS, ROOT, assert_no_exception, streamlit_server, wait_for_app
from kpiboard.synth import SynthSpec, write_synthetic

pytestmark = pytest.mark.browser

KUMAMOTO = "熊本連携中枢都市圏｜熊本連携中枢都市圏 連携中枢都市圏ビジョン"
TIMEOUT = 30_000
expect.set_options(timeout=TIMEOUT)  # reruns on a busy test machine take longer than Playwright's 5 s


@pytest.fixture(scope="module")
def server():
    with streamlit_server() as url:
        # one request to "/" first: the tests below then start from an app that is already running
        yield url


@pytest.fixture(scope="module")
def synth_server(tmp_path_factory):
    d = tmp_path_factory.mktemp("synth_browser")
    write_synthetic(d, SynthSpec(prefectures=47, municipalities=20, kpis_per_entity=6))
    with streamlit_server(d) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    """One chromium for the module (starting it is the slow part); each test gets a fresh context."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture()
def page(browser):
    context = browser.new_context(viewport={"width": 1600, "height": 1000}, locale="ja-JP")
    p = context.new_page()
    p.set_default_timeout(TIMEOUT)
    yield p
    context.close()


def open_page(page, url):
    page.goto(url)
    wait_for_app(page, timeout=60_000)
    assert_no_exception(page)


def choose(page, label, option):
    page.get_by_role("combobox", name=label).click()
    page.get_by_role("option", name=option).first.click()


def keyed(page, key):
    """The element a page drew with key=…; not the stale copy Streamlit keeps while it reruns."""
    return page.locator(f'.st-key-{key}:not([data-stale="true"])')


def sidebar_link(page, title):
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=re.compile(title)).click()


def test_a_link_reopens_the_full_app_even_as_a_fresh_servers_first_request(page):
    # Streamlit serves a pages/ folder on its own until app.py has run once; ui.ensure_app_shell fixes that.
    with streamlit_server() as url:
        page.goto(url + "/indicator?kpi=toyama-growth%3A4-1&western_years=true")
        expect(page.get_by_role("heading", name="製造業における付加価値率の全国順位")).to_be_visible(timeout=60_000)
        sidebar = page.get_by_test_id("stSidebar")
        expect(sidebar.get_by_text("発表モード")).to_be_visible()
        expect(page.get_by_test_id("stSidebarNav").get_by_role("link", name=re.compile("概要"))).to_be_visible()
        expect(page.get_by_test_id("stMetricLabel").filter(has_text="目標値（2026）")).to_be_visible()
        assert_no_exception(page)


def test_the_plan_survives_a_page_switch(server, page):
    open_page(page, server + "/?plan=" + urllib.parse.quote(KUMAMOTO))
    expect(page.get_by_role("combobox", name="計画")).to_have_value(KUMAMOTO)
    sidebar_link(page, "指標")
    page.wait_for_url(re.compile(r"/indicator\?.*plan="))
    expect(page.get_by_role("combobox", name="計画")).to_have_value(KUMAMOTO)
    expect(page.get_by_role("combobox", name="表示する KPI")).to_have_value(re.compile("創業者数"))
    assert_no_exception(page)
    sidebar_link(page, "概要")
    page.wait_for_url(re.compile(r"/\?.*plan="))
    expect(page.get_by_role("combobox", name="計画")).to_have_value(KUMAMOTO)
    expect(page.get_by_test_id("stMetric").filter(has_text="達成").first).to_contain_text("1 件")
    assert_no_exception(page)


def test_indicator_search_narrows_the_list_and_goes_into_the_url(server, page):
    open_page(page, server + "/indicator")
    kpi_box = page.get_by_role("combobox", name="表示する KPI")
    before = kpi_box.input_value()
    search = page.get_by_role("textbox", name="検索")
    search.fill("ｼﾞｮﾌﾞちゃれんじ")
    search.press("Enter")
    page.wait_for_url(re.compile(r"q=.*kpi=toyama-growth%3A6-1|kpi=toyama-growth%3A6-1.*q="))
    expect(kpi_box).to_have_value(re.compile("ジョブチャレンジ"))
    assert kpi_box.input_value() != before
    expect(page.get_by_role("heading", name=re.compile("^ジョブチャレンジ"))).to_be_visible()
    expect(page.get_by_text("1 件（11 件中）")).to_be_visible()
    assert_no_exception(page)

    page.goto(page.url)  # the copied link shows the same search and KPI
    wait_for_app(page)
    expect(page.get_by_role("textbox", name="検索")).to_have_value("ｼﾞｮﾌﾞちゃれんじ")
    expect(page.get_by_role("heading", name=re.compile("^ジョブチャレンジ"))).to_be_visible()


def test_indicator_shows_trajectory_and_the_change_needed(server, page):
    open_page(page, server + "/indicator?kpi=toyama-growth%3A4-1")
    expect(page.get_by_role("heading", name="製造業における付加価値率の全国順位")).to_be_visible()
    expect(page.get_by_text(re.compile("目標達成に必要な変化: 約3年で1位上昇"))).to_be_visible()
    chart = page.get_by_test_id("stPlotlyChart").first
    expect(chart).to_contain_text("期待される推移")
    # sources name the document (title, publisher), never the seed's file name
    expect(page.get_by_text(re.compile("^出典: 富山県成長戦略のＫＰＩ（成果指標）について（富山県）"))).not_to_have_count(0)
    expect(page.get_by_text(re.compile(r"\d{3}_[0-9a-f]{16}\.txt"))).to_have_count(0)


def test_western_years_setting_relabels_years_and_stays_in_the_link(server, page):
    open_page(page, server + "/indicator?kpi=toyama-growth%3A4-1")
    label = page.get_by_test_id("stMetricLabel")
    expect(label.filter(has_text="目標値（R8（2026））")).to_be_visible()
    page.get_by_test_id("stSidebar").get_by_text("西暦のみで表示").click()
    page.wait_for_url(re.compile("western_years=true"))
    expect(label.filter(has_text="目標値（2026）")).to_be_visible()
    page.goto(page.url)
    wait_for_app(page)
    expect(label.filter(has_text="目標値（2026）")).to_be_visible()
    assert_no_exception(page)


def test_a_year_in_the_link_survives_switching_to_western_years(server, page):
    open_page(page, server + "/?plan=" + urllib.parse.quote(KUMAMOTO) + "&year=" + urllib.parse.quote("H30（2018）"))
    year_box = page.get_by_role("combobox", name="評価年度")
    expect(year_box).to_have_value("H30（2018）")
    page.get_by_test_id("stSidebar").get_by_text("西暦のみで表示").click()
    expect(year_box).to_have_value("2018")
    page.wait_for_url(re.compile("western_years=true"))
    page.goto(page.url)  # the link made now (whatever its year label) reopens on 2018
    wait_for_app(page)
    expect(page.get_by_role("combobox", name="評価年度")).to_have_value("2018")
    assert_no_exception(page)


def test_presentation_mode_hides_the_tools_and_has_an_exit(server, page):
    open_page(page, server + "/")
    page.get_by_test_id("stSidebar").get_by_text("発表モード").click()
    page.wait_for_url(re.compile("present=true"))
    exit_button = page.get_by_role("button", name=re.compile("発表モードを終了"))
    expect(exit_button).to_be_visible()
    expect(page.get_by_test_id("stSidebar")).to_be_hidden()
    expect(page.get_by_test_id("stToolbar")).to_be_hidden()
    assert page.evaluate("getComputedStyle(document.documentElement).fontSize") == "20px"
    expect(page.get_by_text("表示条件を変更")).to_be_visible()
    assert_no_exception(page)

    exit_button.click()
    expect(page.get_by_test_id("stSidebar")).to_be_visible()
    assert "present=" not in page.url
    assert_no_exception(page)


def test_overview_opens_a_kpi_needing_attention_in_the_indicator_page(synth_server, page):
    open_page(page, synth_server + "/")
    card = page.locator("[class*='st-key-attention_']").first
    name = card.locator("strong").first.inner_text()
    card.get_by_role("button", name=re.compile("詳しく見る")).click()
    page.wait_for_url(re.compile(r"/indicator\?.*kpi="))
    expect(page.get_by_role("heading", name=name)).to_be_visible()
    assert_no_exception(page)


def test_compare_highlight_moves_through_ranking_and_url(synth_server, page):
    open_page(page, synth_server + "/compare")
    rankings = keyed(page, "cmp_rank")
    expect(rankings).to_contain_text("富山県（合成）: ")
    choose(page, "強調する自治体", "北海道（合成）")
    page.wait_for_url(re.compile("hl=" + re.escape(urllib.parse.quote("北海道（合成）"))))
    expect(rankings).to_contain_text("北海道（合成）: ")
    expect(keyed(page, "cmp_map")).to_contain_text("北海道")
    assert_no_exception(page)


def test_compare_years_tab_cross_tabulates_two_years(synth_server, page):
    open_page(page, synth_server + "/compare")
    page.get_by_role("tab", name="年度の比較").click()
    page.wait_for_url(re.compile("view="))
    expect(page.get_by_test_id("stMetric").filter(has_text="改善")).to_be_visible()
    transition = keyed(page, "cmp_transition")
    expect(transition).to_contain_text("判定の変化")
    before = transition.inner_text()
    choose(page, "前の年度（A）", re.compile("R2"))
    page.wait_for_url(re.compile("ya="))
    expect(transition).to_contain_text("R2（2020） → ")
    assert transition.inner_text() != before
    assert_no_exception(page)


def test_screenshot_script_covers_every_page_in_both_modes(tmp_path, page):
    sys.path.insert(0, str(ROOT / "scripts"))
    import screenshots

    shots = screenshots.take_screenshots(tmp_path, page=page)
    pages = screenshots.registered_pages()
    assert len(shots) == 2 * len(pages) >= 18
    for shot in shots:
        assert shot.path.stat().st_size > 10_000, shot.path
        assert shot.path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert not shot.exception, f"{shot.path.name}: {shot.exception}"
    # no 「Choose an option」, 「None」, 「Drag and drop」 or English menu label on any page, in either mode
    assert {s.path.name: s.english for s in shots if s.english} == {}
