"""Nothing a user typed or imported is ever interpreted ("Safe to share").

A KPI sheet whose every text field is an HTML / Markdown / formula payload is imported with
`python -m kpiboard import` into a temporary data directory (the initiatives, roadmap, budgets and
policy categories the importer cannot bring in are written next to it). Every page is opened in
Chromium with the hostile plan selected, then every export is made and read back. Each page must fire
no dialog, never leave the app, request nothing from another host, grow no element out of the data
(iframe srcdoc, img, meta refresh, base, style, fixed overlay, link), render no Markdown or KaTeX, and
show the payload as the text it is.
"""
from __future__ import annotations

import csv
import io
import re
import subprocess
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, HTTPServer

import polars as pl
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from browser import CHROMIUM, CHROMIUM_ARGS, ROOT, free_port, streamlit_server, wait_for_app
from kpiboard import comments, store
from kpiboard.export import browser as export_browser

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not export_browser.available(), reason="Chromium がありません")]

IFRAME = '<iframe srcdoc="<script>parent.alert(1)</script>"></iframe>'
IMG_ONERROR = "<img src=x onerror=alert(1)>"
SCRIPT = "<script>alert(1)</script>"
META = '<meta http-equiv="refresh" content="0;url=http://127.0.0.2:9/">'
STYLE = "<style>body{display:none}</style>"
BASE = '<base href="http://127.0.0.2:9/">'
OVERLAY = '<div style="position:fixed;inset:0;background:red">X</div>'
IMG_REMOTE = '<img src="http://127.0.0.2:9/x.png">'
MARKDOWN = "**bold** $x^2$ :red[red]"
JS_URL = "javascript:alert(1)"
FORMULA = '=HYPERLINK("http://127.0.0.2:9","x")'
COMMENT = "所見" + IMG_ONERROR
LINK = '<a href="http://127.0.0.2:9/">link</a>'
PAYLOADS = [IFRAME, IMG_ONERROR, SCRIPT, META, STYLE, BASE, OVERLAY, IMG_REMOTE, MARKDOWN, JS_URL, FORMULA, LINK]

ENTITY = IFRAME + "連携中枢都市圏"  # the importer needs a name it can classify (…圏 = a region)
PLAN = MARKDOWN + " " + IMG_ONERROR
PLAN_LABEL = f"{ENTITY}｜{PLAN}"  # ui.plan_label: the plan picker's URL value
HEADER = ["自治体", "計画", "分野", "項目", "施策", "指標名", "単位", "方向", "基準値", "基準年度", "目標値", "目標年度",
          "R5実績", "R6実績", "備考", "背景", "出典"]
# area, item, measure, KPI name, unit, note (備考), background (背景), source (出典); R5 / R6 actuals
# (10 → 20 from R4 to R8: R6 11 is 遅れ, 13 やや遅れ, 16 順調 — two KPIs need attention, so trajectories are drawn)
ROWS = [
    (SCRIPT, "1 " + META, STYLE, IFRAME, BASE, OVERLAY, MARKDOWN, FORMULA, "11", "11"),
    (OVERLAY, "2 " + JS_URL, LINK, IMG_ONERROR, IMG_REMOTE, MARKDOWN, IFRAME, LINK, "14", "16"),
    (LINK, "3 " + FORMULA, SCRIPT, META, STYLE, BASE, OVERLAY, JS_URL, "11", "16"),
    (SCRIPT, "4 " + IMG_ONERROR, IFRAME, MARKDOWN, JS_URL, FORMULA, LINK, IMG_ONERROR, "14", "13"),
    (OVERLAY, "5 " + BASE, IMG_REMOTE, FORMULA, IFRAME, SCRIPT, META, STYLE, "11", "16"),
    (LINK, "6 " + MARKDOWN, JS_URL, LINK, OVERLAY, IMG_REMOTE, STYLE, IFRAME, "14", "16"),
]
PAYLOAD_HOST = "127.0.0.2"
ENTITIES = "R&D &lt;b&gt;"  # typed entities stay as typed (the plan's vision: the tree's KGI box)
UPLOAD_NAME = IMG_ONERROR + ".xlsx"  # the データ取込 page shows the file's name


def hostile_csv() -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(HEADER)
    for area, item, measure, name, unit, note, background, source, r5, r6 in ROWS:
        writer.writerow([ENTITY, PLAN, area, item, measure, name, unit, "増加", "10", "R4", "20", "R8", r5, r6,
                         note, background, source])
    return buf.getvalue().encode("utf-8")


def hostile_xlsx() -> bytes:
    """The same sheet as xlsx under another region's name (the データ取込 page previews it)."""
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    sheet = book.add_worksheet("KPI")
    rows = list(csv.reader(io.StringIO(hostile_csv().decode("utf-8"))))
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if r and c == 0:
                value = IMG_ONERROR + "都市圏"
            sheet.write_string(r, c, value)
    book.close()
    return out.getvalue()


def _extras(directory) -> dict[str, pl.DataFrame]:
    """What the importer cannot bring in, with payloads too: the plan's vision (the tree's KGI),
    initiatives with roadmap, budgets, facts and KPI links, and policy categories (連携中枢都市圏)."""
    plans = store.read_table(directory, "plans")
    plan_id = plans["plan_id"][0]
    kpis = store.read_table(directory, "kpis").sort("sort_order")
    k0, k1 = kpis["kpi_id"][0], kpis["kpi_id"][1]
    initiatives = pl.DataFrame([
        {"initiative_id": "x-ini-1", "plan_id": plan_id, "code": "Ⅰ-1 " + LINK, "policy": SCRIPT, "measure": STYLE,
         "title": IFRAME, "department": OVERLAY, "current_state": MARKDOWN, "issues": IMG_REMOTE,
         "actions_to_date": FORMULA, "actions_this_year": JS_URL, "page": META, "as_of": "R6", "sort_order": 1,
         "source": BASE},
        {"initiative_id": "x-ini-2", "plan_id": plan_id, "code": "Ⅰ-2 " + MARKDOWN, "policy": LINK, "measure": META,
         "title": IMG_ONERROR, "department": STYLE, "current_state": SCRIPT, "issues": OVERLAY,
         "actions_to_date": IFRAME, "actions_this_year": MARKDOWN, "page": "p.2", "as_of": "R6", "sort_order": 2,
         "source": FORMULA},
    ])
    roadmap = pl.DataFrame([
        {"initiative_id": ini, "fiscal_year": fy, "year_text": f"R{fy - 2018}", "actor": actor,
         "step": f"{lane}：{phase}", "note": SCRIPT, "source": LINK}
        for ini, lane, phase, actor in (("x-ini-1", IMG_ONERROR, MARKDOWN, OVERLAY), ("x-ini-2", IFRAME, LINK, META))
        for fy in (2023, 2024, 2025)])
    budgets = pl.DataFrame([
        {"initiative_id": "x-ini-1", "fiscal_year": 2024, "year_text": "R6", "program": SCRIPT, "amount_yen": 1e6,
         "original_text": "100万円", "note": LINK, "source": IMG_REMOTE},
        {"initiative_id": "x-ini-2", "fiscal_year": 2025, "year_text": "R7", "program": IFRAME, "amount_yen": 2e6,
         "original_text": "200万円", "note": MARKDOWN, "source": BASE},
    ])
    facts = pl.DataFrame([{"initiative_id": "x-ini-1", "label": OVERLAY, "fiscal_year": 2024, "year_text": "R6",
                           "value": 3.0, "unit": LINK, "original_text": "3", "note": MARKDOWN, "source": SCRIPT}])
    links = pl.DataFrame([
        {"initiative_id": "x-ini-1", "kpi_id": k0, "basis": "document", "note": META, "source": IFRAME},
        {"initiative_id": "x-ini-2", "kpi_id": k1, "basis": "reading", "note": LINK, "source": MARKDOWN},
    ])
    categories = pl.DataFrame([
        {"category_code": "A1", "group_code": "ア", "group_label": SCRIPT, "subgroup_code": None,
         "subgroup_label": OVERLAY, "letter": "a", "label": IMG_ONERROR, "regions_with_kpi": 5, "regions_total": 34,
         "as_of": "R2.3", "sort_order": 1, "source": LINK},
        {"category_code": "C1", "group_code": "ウ", "group_label": MARKDOWN, "subgroup_code": "A",
         "subgroup_label": IFRAME, "letter": "b", "label": META, "regions_with_kpi": 9, "regions_total": 34,
         "as_of": "R2.3", "sort_order": 2, "source": FORMULA},
    ])
    return {"plans": plans.with_columns(pl.lit(ENTITIES).alias("vision")), "initiatives": initiatives,
            "initiative_roadmap": roadmap, "initiative_budgets": budgets, "initiative_facts": facts,
            "initiative_kpis": links, "policy_categories": categories}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """A data directory holding only the hostile plan, imported through the CLI."""
    work = tmp_path_factory.mktemp("xss")
    sheet = work / "hostile.csv"
    sheet.write_bytes(hostile_csv())
    directory = work / "data"
    directory.mkdir()
    done = subprocess.run([sys.executable, "-m", "kpiboard", "import", str(sheet), "--data-dir", str(directory)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    store.write_tables(directory, _extras(directory))
    # a 所見 typed on 指標 is hostile too: it reaches the page, 概要's cards and every export
    kpi = _kpi_id(directory, IFRAME)
    year = store.read_table(directory, "observations").filter(pl.col("kpi_id") == kpi)["fiscal_year"].max()
    comments.save(directory, kpi, year, {"finding": COMMENT, "direction": SCRIPT}, author=OVERLAY)
    (work / UPLOAD_NAME).write_bytes(hostile_xlsx())
    return directory


@pytest.fixture(scope="module")
def app_url(hostile):
    with streamlit_server(hostile) as url:
        yield url


@pytest.fixture(scope="module")
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Watch:
    """Everything a page does that data must never cause."""

    def __init__(self, page, allowed: tuple[str, ...]):
        self.dialogs, self.navigations, self.requests = [], [], []
        self.allowed = allowed
        page.on("dialog", self._dialog)
        page.on("framenavigated", lambda f: self.navigations.append(f.url) if f == page.main_frame else None)
        page.on("request", lambda r: None if r.url.startswith(allowed) else self.requests.append(r.url))
        page.on("popup", lambda p: self.dialogs.append(f"popup {p.url}"))

    def _dialog(self, dialog):
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def problems(self) -> list[str]:
        away = [u for u in self.navigations if not u.startswith(self.allowed)]
        return ([f"dialog fired: {d}" for d in self.dialogs] + [f"navigated away: {u}" for u in away]
                + [f"requested another host: {u}" for u in dict.fromkeys(self.requests)])


# Elements only data could have grown: each selector matches a payload that was interpreted.
GROWN = """() => {
  const found = [];
  const q = (sel, why) => document.querySelectorAll(sel).forEach(e => found.push(why + ': ' + e.outerHTML.slice(0, 160)));
  q('iframe[srcdoc]', 'iframe srcdoc');
  q('img[src="x"], img[src^="http://127.0.0.2"], img[onerror]', 'img');
  q('meta[http-equiv="refresh" i]', 'meta refresh');
  q('base', 'base');
  q('a[href^="http://127.0.0.2"], a[href^="javascript:"]', 'link');
  q('.katex, .katex-display, mjx-container', 'formula');
  document.querySelectorAll('svg a').forEach(e => {
    const href = e.getAttribute('href') || e.getAttribute('xlink:href') || '';
    if (href) found.push('svg link: ' + href);
  });
  document.querySelectorAll('script').forEach(e => {
    const t = e.textContent.trim();
    if (t === 'alert(1)' || t === 'parent.alert(1)') found.push('script from data');
  });
  document.querySelectorAll('style').forEach(e => { if (e.textContent.includes('body{display:none}')) found.push('style from data'); });
  document.querySelectorAll('div[style]').forEach(e => {
    const s = e.getAttribute('style').replace(/\\s/g, '');
    if (s.includes('position:fixed') && s.includes('inset:0')) found.push('overlay: ' + e.outerHTML.slice(0, 120));
  });
  // Markdown read from data: **bold** becomes <strong>bold</strong>, :red[red] a coloured span
  document.querySelectorAll('strong, b, em').forEach(e => { if (e.textContent.trim() === 'bold') found.push('markdown bold'); });
  document.querySelectorAll('span[style*="color"], [class*="ColoredText"]').forEach(e => {
    if (e.textContent.trim() === 'red') found.push('markdown colour');
  });
  return found;
}"""

# All text a reader sees, including SVG (Plotly, graphviz: a wrapped label's lines joined) and inputs.
SHOWN = """() => {
  const parts = [document.body.innerText];
  document.querySelectorAll('input, textarea').forEach(e => parts.push(e.value));
  // st.dataframe draws on a canvas; its accessible table holds the cells' text
  document.querySelectorAll('[data-testid="stDataFrame"] td, [data-testid="stDataFrame"] th').forEach(
    e => parts.push(e.textContent));
  document.querySelectorAll('svg g.node, svg text').forEach(e => parts.push(
    [...e.querySelectorAll('text')].map(t => t.textContent).join('') || e.textContent));
  // the word joiners that break autolinks and shortcodes (kpiboard.format.md) are invisible: not text
  return parts.join('\\n').replace(/\u2060/g, '');
}"""


def grown(page) -> list[str]:
    return page.evaluate(GROWN)


def shown_text(page) -> str:
    return page.evaluate(SHOWN)


def _wait_for_charts(page) -> None:
    """Plotly charts and graphviz draw after the script run; give them the time to."""
    for selector in ('[data-testid="stPlotlyChart"]', '[data-testid="stGraphVizChart"]'):
        # the charts on screen now: a tab switch can still be removing the last tab's charts
        charts = page.locator(selector + ":visible")
        for i in range(charts.count()):
            try:
                charts.nth(i).locator("svg").first.wait_for(state="attached", timeout=15_000)
            except PlaywrightTimeout:
                if i < charts.count():  # still there and still not drawn
                    raise


def _kpi_id(directory, name: str) -> str:
    kpis = store.read_table(directory, "kpis")
    return kpis.filter(pl.col("kpi_name") == name)["kpi_id"][0]


# (test id, URL path, extra URL parameters, tabs to open one after another, text that must be shown literally)
PAGES = [
    ("概要", "overview", {}, [], [PLAN, SCRIPT]),
    ("指標", "indicator", {"kpi": IFRAME}, ["背景・考え方", "所見・今後の方向性"], [IFRAME, MARKDOWN, OVERLAY, FORMULA, COMMENT]),
    ("比較", "compare", {}, [], [ENTITY]),
    ("連携中枢都市圏", "regions", {}, ["政策分野別の設定状況", "圏域別のKPI設定例"], [IMG_ONERROR, ENTITY]),
    ("施策・予算", "initiatives", {}, ["施策一覧", "ロードマップ", "予算", "KGI→KPI→施策", "対応のないKPI・施策"],
     [IFRAME, IMG_ONERROR, "KGI（ビジョン）" + ENTITIES]),
    ("データ", "data", {}, ["KPI", "観測値"], [PLAN_LABEL]),
    ("SQL", "sql", {"sql": "SELECT entity, plan, kpi_name, unit, source FROM kpi_status"}, [], [ENTITY, IFRAME]),
    ("データ取込", "import", {}, [], [UPLOAD_NAME]),
    ("出力", "export", {}, [], [PLAN]),
]


@pytest.mark.parametrize("title,path,params,tabs,expected", PAGES, ids=[p[0] for p in PAGES])
def test_page_shows_data_as_text(app_url, chromium, hostile, title, path, params, tabs, expected):
    params = dict(params)
    if "kpi" in params:
        params["kpi"] = _kpi_id(hostile, params["kpi"])
    context = chromium.new_context(viewport={"width": 1600, "height": 1400}, locale="ja-JP")
    page = context.new_page()
    try:
        watch = Watch(page, (app_url, "data:", "blob:", "about:"))
        query = urllib.parse.urlencode({"plan": PLAN_LABEL, **params})
        page.goto(f"{app_url}/{path}?{query}")
        wait_for_app(page)
        if path == "import":
            page.get_by_test_id("stFileUploader").locator("input[type=file]").set_input_files(
                str(hostile.parent / UPLOAD_NAME))
            page.get_by_text("プレビュー", exact=True).wait_for(timeout=60_000)
            wait_for_app(page)
        seen, problems = "", []
        for tab in tabs or [None]:
            if tab:
                page.get_by_role("tab", name=tab, exact=True).click()
                wait_for_app(page)
            _wait_for_charts(page)
            seen += shown_text(page)
            problems += [f"{tab or title}: {g}" for g in grown(page)]
            errors = page.get_by_test_id("stException")
            problems += [f"{tab or title}: exception {errors.nth(i).inner_text()[:300]}" for i in range(errors.count())]
        problems += watch.problems()
        missing = [t for t in expected if t not in seen]
        for tab in tabs if missing else []:  # a loaded machine: a tab's chart or grid can be drawn late
            page.get_by_role("tab", name=tab, exact=True).click()
            try:
                page.wait_for_function(f"texts => {{ const s = ({SHOWN})(); return texts.some(t => s.includes(t)); }}",
                                       arg=missing, timeout=10_000)
            except PlaywrightTimeout:
                continue
            seen += shown_text(page)
            missing = [t for t in missing if t not in seen]
        if missing and not tabs:  # a loaded machine: a grid's cells or a worker's answer can come late
            try:
                page.wait_for_function(f"texts => {{ const s = ({SHOWN})(); return texts.every(t => s.includes(t)); }}",
                                       arg=missing, timeout=20_000)
                missing = []
            except PlaywrightTimeout:
                alerts = page.get_by_test_id("stAlert")
                problems += [f"alert: {alerts.nth(i).inner_text()[:200]}" for i in range(alerts.count())]
        problems += [f"not shown as text: {t}" for t in missing]
        assert problems == [], f"{title}:\n" + "\n".join(problems)
    finally:
        context.close()


# ---------------------------------------------------------------------------------------------- exports

def _off_loop(fn, *args):
    """Run in a thread of its own: the exports start their own Playwright, which cannot share the
    thread of the module's browser (Playwright's sync API runs an event loop there)."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(fn, *args).result()


@pytest.fixture(scope="module")
def report(hostile):
    from kpiboard.export import build_report

    made = build_report(PLAN, ENTITY, directory=hostile)
    assert made.attention is not None and made.attention.height > 0  # trajectory charts are drawn too
    return made


@pytest.fixture(scope="module")
def exports(report):
    from kpiboard.export import export

    return _off_loop(lambda: {fmt: export(report, fmt) for fmt in ("html", "pdf", "a3", "pptx", "xlsx", "csv", "png")})


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_html_export_opens_offline_and_shows_payloads_as_text(tmp_path, chromium, exports, report):
    html = exports["html"].decode("utf-8")
    assert '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'' in html
    head, body = html.split("</head>", 1)
    for payload in [p for p in PAYLOADS if "<" in p]:
        assert payload not in head.split("<script>", 1)[0] and payload not in body, payload
    path = tmp_path / "report.html"
    path.write_bytes(exports["html"])
    context = chromium.new_context(locale="ja-JP")
    page = context.new_page()
    try:
        watch = Watch(page, (path.as_uri(), "data:", "blob:", "about:"))
        page.goto(path.as_uri())
        expected = 1 + len(report.areas) + report.attention.height
        # the inline plotly.js still runs under the policy: every chart is drawn
        page.wait_for_function("n => document.querySelectorAll('.js-plotly-plot .main-svg').length >= n",
                               arg=expected, timeout=30_000)
        page.wait_for_timeout(300)
        assert watch.problems() == []
        assert grown(page) == [], grown(page)
        seen = shown_text(page)
        for text in (PLAN, ENTITY, IFRAME, SCRIPT, OVERLAY, LINK, FORMULA, MARKDOWN):
            assert text in seen, text
        assert page.title() == f"{PLAN}　KPI進捗状況"
    finally:
        context.close()


@pytest.mark.parametrize("fmt", ["pdf", "a3"])
def test_pdf_export_prints_payloads_as_text(tmp_path, exports, fmt):
    path = tmp_path / "handout.pdf"
    path.write_bytes(exports[fmt])
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    flat = _squash(text)
    for payload in (IFRAME, IMG_ONERROR, SCRIPT, OVERLAY, LINK, MARKDOWN, FORMULA, STYLE):
        assert _squash(payload) in flat, payload
    links = subprocess.run(["pdfinfo", "-url", str(path)], capture_output=True, text=True).stdout
    assert PAYLOAD_HOST not in links and "javascript" not in links.lower()


def test_pptx_export_is_plain_text_without_links(exports):
    from pptx import Presentation

    deck = Presentation(io.BytesIO(exports["pptx"]))
    texts = []
    for slide in deck.slides:
        for shape in slide.shapes:
            if shape.has_text_frame:
                texts.append(shape.text_frame.text)
            if shape.has_table:
                texts += [c.text for row in shape.table.rows for c in row.cells]
        xml = slide.part.blob.decode("utf-8")
        assert "hlinkClick" not in xml and "hlinkHover" not in xml
        assert not [r for r in slide.part.rels.values() if r.is_external]
    joined = "\n".join(texts)
    for payload in (PLAN, IFRAME, SCRIPT, LINK):
        assert payload in joined, payload


def test_spreadsheets_neutralise_formulas(exports):
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(exports["xlsx"]))
    cells = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row if c.value is not None]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    texts = [c.value for c in cells if isinstance(c.value, str)]
    assert not [t for t in texts if t.startswith(("=", "+", "@"))]
    assert any(t == "'" + FORMULA for t in texts)  # shown as typed, behind the apostrophe
    rows = list(csv.reader(io.StringIO(exports["csv"].decode("utf-8-sig"))))
    values = [v for row in rows for v in row]
    assert not [v for v in values if v.startswith(("=", "+", "@"))]
    assert "'" + FORMULA in values and IFRAME in values


def test_png_export_is_an_image(exports):
    data = exports["png"]
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and int.from_bytes(data[16:20], "big") >= 1920


# ---------------------------------------------------------------------------------------------- the export browser

class _Hits(BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802
        _Hits.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(b"<script>alert('remote')</script>")

    def log_message(self, *args):
        pass


def test_export_browser_fetches_nothing_and_follows_nothing():
    """Even HTML that escaped nothing (not what the exports make) cannot reach out from the export browser."""
    port = free_port()
    server = HTTPServer(("127.0.0.1", port), _Hits)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    remote = f"http://127.0.0.1:{port}"
    hostile = (f"<!DOCTYPE html><html><head><meta charset='utf-8'><link rel='stylesheet' href='{remote}/css'>"
               f"<meta http-equiv='refresh' content='0;url={remote}/refresh'></head><body>"
               f"<p>本文</p><img src='{remote}/img'><iframe src='{remote}/frame'></iframe>"
               f"<iframe srcdoc=\"<img src='{remote}/srcdoc'>\"></iframe><a id=a href='{remote}/click' download>x</a>"
               f"<script>fetch('{remote}/fetch').catch(() => 0); alert(1); confirm('x');"
               f"window.open('{remote}/popup'); document.getElementById('a').click();"
               f"setTimeout(() => location.href = '{remote}/js', 0)</script></body></html>")
    def draw():
        import plotly.graph_objects as go

        with export_browser.Chromium() as browser:
            return browser.pdf(hostile, "<span></span>"), browser.png(go.Figure())

    try:
        pdf, png = _off_loop(draw)
        assert pdf[:5] == b"%PDF-" and png[:4] == b"\x89PNG"
    finally:
        server.shutdown()
    assert _Hits.hits == []
