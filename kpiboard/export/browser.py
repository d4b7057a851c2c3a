"""Headless Chromium for what only a browser draws well: Plotly charts as PNG and the A4 handout as PDF.

Plotly.js renders the chart inside Chromium (the same engine the app's charts use) and Chromium
prints the handout with the CJK font embedded. Debian's chromium is used (KPIBOARD_CHROMIUM to
override). The page may load only local files: every network request is refused, so exports work
offline and never fetch anything.
"""
from __future__ import annotations

import base64
import os
import shutil
import tempfile
from pathlib import Path

from . import ExportError

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]
_CANDIDATES = ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
MISSING = ("グラフ画像・PDF の作成には Chromium が必要です。Debian/Ubuntu では `apt-get install chromium "
           "fonts-noto-cjk` で入ります（別の場所にある場合は環境変数 KPIBOARD_CHROMIUM で指定）。")


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


def _plotly_page() -> Path:
    """An HTML file holding plotly.js, written once per process and version."""
    import plotly
    from plotly.offline import get_plotlyjs

    path = Path(tempfile.gettempdir()) / f"kpiboard-plotly-{plotly.__version__}.html"
    if not path.exists():
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text("<!DOCTYPE html><html><head><meta charset='utf-8'><script>" + get_plotlyjs()
                       + "</script></head><body></body></html>", encoding="utf-8")
        os.replace(tmp, path)
    return path


def _local_only(route) -> None:
    if route.request.url.startswith(("file:", "data:", "blob:", "about:")):
        route.continue_()
    else:
        route.abort()


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
        self._context = self._browser.new_context(locale="ja-JP")
        self._context.route("**/*", _local_only)
        self._chart_page = None
        return self

    def __exit__(self, *exc) -> None:
        try:
            self._context.close()
            self._browser.close()
        finally:
            self._pw.stop()

    def png(self, fig, width: int = 1280, height: int = 720, scale: float = 1.5) -> bytes:
        """The figure as PNG: width × scale pixels wide (1280 × 1.5 = 1920)."""
        import plotly.io as pio

        if self._chart_page is None:
            self._chart_page = self._context.new_page()
            self._chart_page.goto(_plotly_page().as_uri())
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

    def pdf(self, html_text: str, footer_html: str, wait_for_charts: int = 0) -> bytes:
        """Print an HTML document to A4 PDF with a footer (page numbers via Chromium's classes)."""
        with tempfile.TemporaryDirectory(prefix="kpiboard-pdf-") as tmp:
            path = Path(tmp) / "handout.html"
            path.write_text(html_text, encoding="utf-8")
            page = self._context.new_page()
            try:
                page.goto(path.as_uri(), wait_until="load")
                if wait_for_charts:
                    page.wait_for_function(
                        "n => [...document.querySelectorAll('.plotly-graph-div')]"
                        ".filter(d => d._fullLayout && d.querySelector('.main-svg')).length >= n",
                        arg=wait_for_charts, timeout=60_000)
                page.evaluate("() => document.fonts.ready")
                return page.pdf(format="A4", print_background=True, display_header_footer=True,
                                header_template="<span></span>", footer_template=footer_html,
                                margin={"top": "14mm", "bottom": "16mm", "left": "13mm", "right": "13mm"})
            finally:
                page.close()
