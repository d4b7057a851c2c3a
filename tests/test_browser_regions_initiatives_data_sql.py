"""Real browser (Debian chromium): 連携中枢都市圏, 施策・予算, データ, SQL — change a filter, see the page
change, find the filter in the URL, reopen the URL, and never an exception."""
import csv
import io
from urllib.parse import parse_qs, urljoin, urlparse

import pytest
from playwright.sync_api import expect

from browser import assert_no_exception, wait_for_app

pytestmark = pytest.mark.browser


def url_params(page) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlparse(page.url).query).items()}


def metric_text(page) -> str:
    return " ".join(page.get_by_test_id("stMetric").all_inner_texts())


def settle(page, shows: str | None = None):
    """After an interaction: the URL changes at once, the rerun a moment later — wait for what it shows."""
    if shows:
        expect(page.get_by_test_id("stMain")).to_contain_text(shows, timeout=20_000)
    wait_for_app(page)
    assert_no_exception(page)


def svg_texts(locator) -> list[str]:
    """Text of SVG elements (inner_text does not apply to SVG)."""
    return locator.evaluate_all("els => els.map(e => e.textContent)")


def open_page(page, url):
    page.goto(url)
    wait_for_app(page, timeout=60_000)
    assert_no_exception(page)


def test_regions_group_filter(server, page):
    open_page(page, server + "/regions")
    # a deep link to a page on a fresh server: its elements arrive after the run state settles, so wait for them
    expect(page.get_by_test_id("stMetric").first).to_contain_text("27 分野", timeout=30_000)
    page.locator('[data-testid="stPlotlyChart"] .ytick text').first.wait_for(timeout=30_000)
    ticks = svg_texts(page.locator('[data-testid="stPlotlyChart"] .ytick text'))
    assert any(t.startswith("アa") for t in ticks)

    page.get_by_test_id("stButtonGroup").get_by_text("イ 高次の都市機能").click()
    settle(page, "4 分野")
    assert url_params(page)["group"] == "イ 高次の都市機能"  # the URL holds the label
    assert "4 分野" in metric_text(page)
    ticks = svg_texts(page.locator('[data-testid="stPlotlyChart"] .ytick text'))
    assert ticks and not any("ア" in t[:3] for t in ticks) and any("イa" in t for t in ticks)

    open_page(page, page.url)  # a copied link reopens the same view
    expect(page.get_by_test_id("stMetric").first).to_contain_text("4 分野", timeout=30_000)


def test_region_examples_region_picker(server, page):
    open_page(page, server + "/regions?view=圏域別のKPI設定例")
    expect(page.get_by_test_id("stMetric").first).to_contain_text("7 件")  # waits out the tab's rerun
    page.get_by_role("combobox", name="圏域").click()
    page.get_by_role("option", name="久留米広域連携中枢都市圏").click()
    settle(page, "中心市: 久留米市")
    expect(page.get_by_test_id("stMetric").first).to_contain_text("2 件")
    assert url_params(page)["region"] == "久留米広域連携中枢都市圏"
    assert "2 件" in page.get_by_test_id("stMetric").first.inner_text()
    headings = page.get_by_test_id("stHeading").all_inner_texts()
    assert any("久留米" in h for h in headings) and not any("熊本" in h for h in headings)


def test_initiatives_department_filter_and_tree(server, page):
    open_page(page, server + "/initiatives")
    expect(page.get_by_test_id("stMetric").first).to_contain_text("8 件", timeout=30_000)
    page.get_by_role("combobox", name="担当").click()
    page.get_by_role("option", name="人事課", exact=True).click()
    settle(page)
    expect(page.get_by_test_id("stMetric").first).to_contain_text("2 件")
    assert url_params(page)["dept"] == "人事課"
    assert "2 件" in metric_text(page)

    page.get_by_role("tab", name="KGI→KPI→施策").click()
    settle(page, "KGI → KPI → 施策｜")
    assert url_params(page)["view"] == "KGI→KPI→施策"
    # the tree is laid out in the browser (graphviz → SVG) without any network access
    svg = page.get_by_test_id("stGraphVizChart").locator("svg")
    svg.wait_for(timeout=15_000)
    texts = " ".join(svg_texts(svg.locator("text")))
    assert "KGI（ビジョン）" in texts and "県庁オープン化戦略" in texts

    open_page(page, page.url)
    expect(page.get_by_role("combobox", name="担当")).to_have_value("人事課", timeout=30_000)


def test_data_text_filter_and_csv_download(server, page):
    open_page(page, server + "/data?plan=すべての計画")
    expect(page.get_by_test_id("stMetric").first).to_contain_text("99 件", timeout=30_000)
    box = page.get_by_role("textbox", name="文字で検索")
    box.fill("久留米")
    box.press("Enter")
    settle(page)
    expect(page.get_by_test_id("stMetric").first).to_contain_text("2 件")
    assert url_params(page)["q"] == "久留米"
    assert "2 件" in page.get_by_test_id("stMetric").first.inner_text()

    # the server streams every matching row from its download route (kpiboard/downloads.py)
    link = page.get_by_role("link", name="KPI一覧（CSV）")
    answer = page.request.get(urljoin(page.url, link.get_attribute("href")))
    assert answer.ok and "attachment" in answer.headers["content-disposition"]
    data = answer.body()
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM, for Excel
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert len(rows) == 2
    assert {r["指標名"] for r in rows} == {"参加医療機関数", "登録患者数"}
    assert all(r["判定"] == "◎ 達成" and r["出典"].startswith("連携中枢都市圏における成果指標（KPI）の設定について（総務省）") for r in rows)
    assert {r["実績値"] for r in rows} == {"270.0", "16454.0"}  # numbers stay numbers in the download


def test_sql_query_runs_and_goes_into_the_url(server, page):
    open_page(page, server + "/sql")
    editor = page.get_by_role("textbox", name="SQL")
    editor.fill("SELECT category_code, regions_with_kpi FROM policy_categories WHERE group_code = 'イ'")
    page.get_by_role("button", name="実行").click()
    settle(page, "4 行 × 2 列")
    assert "policy_categories" in url_params(page)["sql"]

    open_page(page, page.url)
    assert "4 行 × 2 列" in metric_text(page)

    page.get_by_role("textbox", name="SQL").fill("DROP TABLE kpis")
    page.get_by_role("button", name="実行").click()
    settle(page, "以外の文は実行できません")
    assert "SELECT" in page.get_by_test_id("stAlert").first.inner_text()
