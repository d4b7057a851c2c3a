"""Exports checked with real tools: the HTML opened offline in headless Chromium, the PDF handout read
with poppler (text, fonts, rendered pages), and the 出力 page in a browser."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import expect

from browser import ROOT, chromium_page, streamlit_server, wait_for_app, assert_no_exception
from kpiboard.export import build_report, export
from kpiboard.export import browser as export_browser
from kpiboard.synth import SynthSpec, write_synthetic

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not export_browser.available(), reason="Chromium がありません")]
TOYAMA = "富山県成長戦略"


@pytest.fixture(scope="module")
def toyama():
    return build_report(TOYAMA)


@pytest.fixture(scope="module")
def behind(tmp_path_factory):
    d = tmp_path_factory.mktemp("synth")
    write_synthetic(d, SynthSpec(prefectures=1, municipalities=0, kpis_per_entity=12, seed=3))
    report = build_report("北海道（合成） 総合計画（合成）", directory=d)
    assert report.attention.height > 0
    return report


def test_html_opens_offline_with_interactive_charts(tmp_path, behind):
    path = tmp_path / "report.html"
    path.write_bytes(export(behind, "html"))
    remote = []
    with chromium_page() as page:
        def block(route):
            if route.request.url.startswith(("file:", "data:", "blob:", "about:")):
                route.continue_()
            else:
                remote.append(route.request.url)
                route.abort()
        page.route("**/*", block)
        page.goto(path.as_uri())
        expected = 1 + len(behind.areas) + behind.attention.height
        page.wait_for_function("n => document.querySelectorAll('.js-plotly-plot .main-svg').length >= n",
                               arg=expected, timeout=30_000)
        assert page.locator(".plot-container").count() == expected
        text = page.locator("body").inner_text()
        assert "進捗の概要" in text and "要注意の指標（遅れ・やや遅れ）" in text and "合成データ" in text
        assert "判定方法・判定基準・出典" in text
        # interactive: hovering a bar shows its tooltip
        box = page.locator("#chart-1 .bars .point path").first.bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.wait_for_selector("#chart-1 .hoverlayer .hovertext", timeout=5_000)
    assert remote == []


def _pdf_text(path: Path, *args) -> str:
    return subprocess.run(["pdftotext", "-layout", *args, str(path), "-"], capture_output=True, text=True, check=True).stdout


def test_pdf_handout_is_a4_with_embedded_japanese_font_page_numbers_and_sources(tmp_path, toyama):
    path = tmp_path / "handout.pdf"
    path.write_bytes(export(toyama, "pdf"))
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    assert "A4" in info and pages >= 3
    text = _pdf_text(path)
    for words in (TOYAMA, "進捗の概要", "県庁オープン化戦略", "要注意の指標はありません（判定できない 10 件を除く: 実績なし 7 件、定性・評価の記録なし 3 件）",
                  "期待値方式", "判定基準", "富山県成長戦略のＫＰＩ（成果指標）について（富山県）", "データ時点 R6.11"):
        assert words in text, words
    for n in (1, pages):
        page_text = _pdf_text(path, "-f", str(n), "-l", str(n))
        assert re.search(rf"\b{n} ?/ ?{pages}\s*$", page_text.strip()), page_text[-200:]
        assert "出典" in page_text and "データ時点" in page_text
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    embedded = [line.split()[0] for line in fonts if re.search(r"\byes\b", line)]
    assert any(re.search(r"IPAex|Noto.*CJK|CJK|Gothic", name, re.I) for name in embedded), fonts
    assert not [line for line in fonts if "Type 3" in line], "every glyph should come from an embedded font"
    subprocess.run(["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "2", str(path), str(tmp_path / "page")], check=True)
    from PIL import Image

    first = Image.open(sorted(tmp_path.glob("page-*.png"))[0]).convert("L")
    assert first.width < first.height  # portrait
    dark = sum(1 for v in first.getdata() if v < 128)
    assert dark > 0.01 * first.width * first.height  # text and charts were drawn, not a blank page


def test_export_page_makes_files_and_offers_downloads(tmp_path):
    shots = ROOT / "artifacts" / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    with streamlit_server() as url, chromium_page(1500, 1300) as page:
        page.goto(url + "/export")
        wait_for_app(page)
        assert_no_exception(page)
        assert TOYAMA in page.get_by_role("combobox", name="計画").input_value()
        page.get_by_test_id("stPlotlyChart").first.wait_for(timeout=20_000)
        page.screenshot(path=str(shots / "export.png"), full_page=True)
        page.get_by_role("button", name="作成").click()
        page.get_by_text("作成しました").wait_for(timeout=240_000)
        buttons = page.get_by_test_id("stDownloadButton")
        labels = buttons.all_inner_texts()
        for label in ("スライド（PowerPoint）", "配布資料（PDF・A4）", "進捗管理表（PDF・A3横）", "Webページ", "データ（Excel）",
                      "データ（CSV"):
            assert any(label in t for t in labels), (label, labels)
        assert_no_exception(page)
        with page.expect_download() as dl:
            page.get_by_test_id("stDownloadButton").filter(has_text="データ（CSV").click()
        saved = tmp_path / dl.value.suggested_filename
        dl.value.save_as(saved)
        assert saved.suffix == ".csv" and saved.read_bytes().startswith(b"\xef\xbb\xbf")
        page.screenshot(path=str(shots / "export_done.png"), full_page=True)
        # the PNG under the chart is drawn when asked for, at presentation size
        with page.expect_download(timeout=120_000) as dl:
            page.get_by_test_id("stDownloadButton").filter(has_text="PNG で保存").click()
        image = tmp_path / dl.value.suggested_filename
        dl.value.save_as(image)
        data = image.read_bytes()
        assert image.suffix == ".png" and data[:4] == b"\x89PNG"
        assert int.from_bytes(data[16:20], "big") >= 1920


def test_export_page_plan_filter_changes_the_view_and_goes_into_the_url():
    with streamlit_server() as url, chromium_page() as page:
        page.goto(url + "/export")
        wait_for_app(page)
        main = page.get_by_test_id("stMain")
        assert "富山県成長戦略（富山県）" in main.inner_text()
        page.get_by_role("combobox", name="計画").click()
        page.get_by_role("option", name=re.compile("熊本連携中枢都市圏")).click()
        wait_for_app(page)
        # The rerun may start after wait_for_app saw the old run finished: wait for the new caption itself.
        expect(main).not_to_contain_text("富山県成長戦略（富山県）", timeout=30_000)
        assert "plan=" in page.url and "export" in page.url
        assert "熊本連携中枢都市圏" in main.inner_text()
        assert_no_exception(page)
        page.goto(page.url)  # a copied link reopens the same plan
        wait_for_app(page)
        assert "熊本連携中枢都市圏" in page.get_by_role("combobox", name="計画").input_value()
