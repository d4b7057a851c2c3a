"""Headless Chromium for what only a browser draws well: Plotly charts as PNG and the A4 handout as PDF.

Plotly.js renders the chart inside Chromium (the same engine the app's charts use) and Chromium
prints the handout with the CJK font embedded. Debian's chromium is used (KPIBOARD_CHROMIUM to
override). The page loads exactly the document we wrote (into a private temporary folder) and nothing
else: any other file or URL, navigation, frame, download, pop-up and dialog is refused, and the context
is offline, so an export works offline, never fetches anything and cannot be steered by the data it draws.
"""
from __future__ import annotations

import base64
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from .report import ExportError
from .html import CSP_META

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]
_CANDIDATES = ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
MISSING = ("グラフ画像・PDF の作成には Chromium が必要です。`bash scripts/start.sh` で入ります（Debian/Ubuntu では "
           "`apt-get install chromium fonts-ipaexfont-gothic`。別の場所にある場合は環境変数 KPIBOARD_CHROMIUM で指定）。")
NO_PRINT_FONT = ("PDF の作成には日本語の TrueType フォント IPAex ゴシックが必要です（ほかのフォントでは文字が埋め込まれず、"
                 "印刷や検索ができない PDF になります）。`bash scripts/start.sh` で入ります（Debian/Ubuntu では "
                 "`apt-get install fonts-ipaexfont-gothic`）。")


def print_font_installed(family: str = "IPAexGothic") -> bool:
    """Whether fontconfig (which Chromium asks) has the TrueType font PDFs embed as CID fonts."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return True  # cannot tell: let Chromium try
    try:
        out = subprocess.run([fc_list, ":family=" + family, "family"], capture_output=True, text=True, timeout=20).stdout
    except (OSError, subprocess.SubprocessError):
        return True
    return bool(out.strip())


def chromium_executable() -> str | None:
    env = os.environ.get("KPIBOARD_CHROMIUM")
    if env:
        return env if Path(env).exists() else None
    for name in _CANDIDATES:
        found = name if Path(name).is_absolute() and Path(name).exists() else shutil.which(name)
        if found:
            return found
    return None


def available() -> bool:
    return chromium_executable() is not None


def _plotly_page() -> str:
    """An HTML document holding plotly.js, for drawing charts as PNG."""
    from plotly.offline import get_plotlyjs

    return ("<!DOCTYPE html><html><head><meta charset='utf-8'>" + CSP_META + "<script>" + get_plotlyjs()
            + "</script></head><body></body></html>")


def _guard(page) -> None:
    # a page is a drawing surface: it may not ask anything (alert, confirm, print) or open windows
    page.on("dialog", lambda dialog: dialog.dismiss())
    page.on("popup", lambda popup: popup.close())


class Chromium:
    """`with Chromium() as c: c.png(fig)`; one browser for many charts."""

    def __enter__(self) -> "Chromium":
        exe = chromium_executable()
        if exe is None:
            raise ExportError(MISSING)
        from playwright.sync_api import sync_playwright

        self._pw = sync_playwright().start()
        try:
            self._browser = self._pw.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
        except Exception as e:  # a broken install: say so in Japanese, keep the detail
            self._pw.stop()
            raise ExportError(f"Chromium を起動できませんでした（{exe}）: {e}") from e
        self._context = self._browser.new_context(locale="ja-JP", offline=True, accept_downloads=False,
                                                  service_workers="block")
        # private (0700) folder: no one else can put a page where ours is loaded from
        self._dir = Path(tempfile.mkdtemp(prefix="kpiboard-chromium-"))
        self._documents: set[str] = set()
        self._context.route("**/*", self._only_ours)
        self._context.on("page", _guard)
        self._chart_page = None
        return self

    def _only_ours(self, route) -> None:
        """Our own documents and what they make themselves (data:, blob:) load; anything else is refused."""
        url = route.request.url
        if url in self._documents or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            route.abort("blockedbyclient")

    def _open(self, page, html_text: str, name: str) -> None:
        path = self._dir / name
        path.write_text(html_text, encoding="utf-8")
        self._documents.add(path.as_uri())
        page.goto(path.as_uri(), wait_until="load")

    def __exit__(self, *exc) -> None:
        try:
            self._context.close()
            self._browser.close()
        finally:
            self._pw.stop()
            shutil.rmtree(self._dir, ignore_errors=True)

    def png(self, fig, width: int = 1280, height: int = 720, scale: float = 1.5) -> bytes:
        """The figure as PNG: width × scale pixels wide (1280 × 1.5 = 1920)."""
        import plotly.io as pio

        if self._chart_page is None:
            self._chart_page = self._context.new_page()
            self._open(self._chart_page, _plotly_page(), "chart.html")
        url = self._chart_page.evaluate(
            """async ([spec, w, h, s]) => {
                const fig = JSON.parse(spec);
                await document.fonts.ready;
                return await Plotly.toImage({data: fig.data, layout: fig.layout},
                                            {format: 'png', width: w, height: h, scale: s});
            }""",
            [pio.to_json(fig, validate=False), width, height, scale],
        )
        return base64.b64decode(url.split(",", 1)[1])

    def pdf(self, html_text: str, footer_html: str, wait_for_charts: int = 0, *, paper: str = "A4",
            landscape: bool = False) -> bytes:
        """Print an HTML document to PDF (A4 portrait unless told) with a footer (page numbers via Chromium's
        classes). Refuses without the TrueType font: a CFF font alone would give Type 3 glyphs."""
        if not print_font_installed():
            raise ExportError(NO_PRINT_FONT)
        page = self._context.new_page()
        try:
            self._open(page, html_text, f"handout-{len(self._documents)}.html")
            if wait_for_charts:
                page.wait_for_function(
                    "n => [...document.querySelectorAll('.plotly-graph-div')]"
                    ".filter(d => d._fullLayout && d.querySelector('.main-svg')).length >= n",
                    arg=wait_for_charts, timeout=60_000)
            page.evaluate("() => document.fonts.ready")
            return page.pdf(format=paper, landscape=landscape, print_background=True, display_header_footer=True,
                            header_template="<span></span>", footer_template=footer_html,
                            margin={"top": "14mm", "bottom": "16mm", "left": "13mm", "right": "13mm"})
        finally:
            page.close()
