"""Screenshots of every page registered in app.py, in normal and presentation mode.

    python scripts/screenshots.py [OUT_DIR] [--data DIR] [--pages overview,compare] [--query "plan=…"]

Starts `streamlit run app.py` (on the embedded data unless --data is given), opens each page in Debian's
chromium and writes OUT_DIR/<page>.png and OUT_DIR/<page>-present.png (default artifacts/screenshots).
Prints one line per file and exits non-zero if a page showed an exception. Also callable from tests:
`take_screenshots(out_dir, ...)`.
"""
from __future__ import annotations

import argparse
import re
import sys
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # the browser helpers the tests use

from browser import chromium_page, streamlit_server, wait_for_app  # noqa: E402

PAGE_RE = re.compile(r'st\.Page\("(?P<file>pages/[^"]+\.py)"(?P<args>[^)]*)\)')


@dataclass
class Shot:
    page: str
    mode: str
    path: Path
    exception: str = ""
    english: tuple[str, ...] = ()  # Streamlit's own English words left on the page (see ENGLISH)


# Words of Streamlit's own UI that must not reach a Japanese page (a placeholder, an empty cell, the uploader,
# the main menu, the status widget); matched as whole words in the page's drawn text.
ENGLISH = re.compile(r"\b(Choose an option|None|Drag and drop|Browse files|Upload|Print|Record( a)? screen|About|"
                     r"Settings|Stop|Rerun|Running|Deploy|Clear caches?|Page not found)\b")


def english_words(page) -> tuple[str, ...]:
    """Streamlit's English words drawn on the page (not hidden: font-size 0 replaced by Japanese is hidden)."""
    texts = page.evaluate("""() => [...document.querySelectorAll('[data-testid="stApp"] *')]
        .filter(e => !e.children.length && e.textContent.trim() && parseFloat(getComputedStyle(e).fontSize) > 0
                     && e.offsetParent !== null && !e.closest('.material-symbols-rounded, [data-testid="stIconMaterial"]'))
        .map(e => e.textContent)
        .concat([...document.querySelectorAll('[data-testid="stApp"] [placeholder]')].map(e => e.placeholder))""")
    return tuple(sorted({m.group(0) for t in texts for m in ENGLISH.finditer(t)}))


def registered_pages() -> list[dict]:
    """Pages as app.py registers them: file, title, url_path, default."""
    pages = []
    for m in PAGE_RE.finditer((ROOT / "app.py").read_text(encoding="utf-8")):
        args = m.group("args")
        title = re.search(r'title="([^"]+)"', args)
        url = re.search(r'url_path="([^"]+)"', args)
        pages.append({"file": m.group("file"), "title": title.group(1) if title else "",
                      "url_path": url.group(1) if url else Path(m.group("file")).stem,
                      "default": "default=True" in args})
    return pages


def _settle(page) -> None:
    wait_for_app(page, timeout=60_000)
    if page.get_by_test_id("stPlotlyChart").count():
        page.wait_for_selector('[data-testid="stPlotlyChart"] .main-svg', timeout=60_000)
    page.wait_for_timeout(700)


def _full_height(page, width: int, height: int) -> None:
    """Streamlit scrolls inside its main block: grow the viewport to the content so one image holds it all."""
    content = page.evaluate(
        "() => { const m = document.querySelector('[data-testid=\"stMain\"]'); return m ? m.scrollHeight : 0; }")
    page.set_viewport_size({"width": width, "height": max(height, min(int(content) + 40, 9000))})
    page.wait_for_timeout(600)


def take_screenshots(out_dir: Path, *, data_dir: Path | None = None, only: list[str] | None = None,
                     query: str = "", width: int = 1600, height: int = 1000, page=None) -> list[Shot]:
    """`page`: a Playwright page to use (a test's); without it chromium is started here."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with streamlit_server(data_dir) as url:
        if page is not None:
            return _shoot(page, url, out_dir, only, query, width, height)
        with chromium_page(width, height) as own:
            return _shoot(own, url, out_dir, only, query, width, height)


def _shoot(page, url: str, out_dir: Path, only, query: str, width: int, height: int) -> list[Shot]:
    shots: list[Shot] = []
    pages = [p for p in registered_pages() if not only or p["url_path"] in only]
    for p in pages:
        for mode in ("normal", "present"):
            params = urllib.parse.parse_qsl(query)
            if mode == "present":
                params.append(("present", "true"))
            path = "/" if p["default"] else "/" + p["url_path"]
            page.set_viewport_size({"width": width, "height": height})
            page.goto(url + path + ("?" + urllib.parse.urlencode(params) if params else ""))
            _settle(page)
            if mode == "normal":
                _full_height(page, width, height)
            errors = page.get_by_test_id("stException")
            exception = errors.first.inner_text()[:300] if errors.count() else ""
            name = p["url_path"] + ("-present" if mode == "present" else "") + ".png"
            page.screenshot(path=str(out_dir / name), full_page=True)
            shots.append(Shot(p["url_path"], mode, out_dir / name, exception, english_words(page)))
    return shots


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="全ページのスクリーンショット（通常・発表モード）")
    parser.add_argument("out", nargs="?", default=str(ROOT / "artifacts" / "screenshots"))
    parser.add_argument("--data", help="データディレクトリ（既定: 埋め込みデータ）")
    parser.add_argument("--pages", help="url_path のカンマ区切り（既定: 全ページ）")
    parser.add_argument("--query", default="", help="全ページに付ける URL パラメータ（例: plan=…&year=2024）")
    parser.add_argument("--width", type=int, default=1600)
    parser.add_argument("--height", type=int, default=1000)
    args = parser.parse_args(argv)
    shots = take_screenshots(Path(args.out), data_dir=Path(args.data) if args.data else None,
                             only=args.pages.split(",") if args.pages else None, query=args.query,
                             width=args.width, height=args.height)
    failed = 0
    for s in shots:
        print(f"{s.path}  {'例外: ' + s.exception if s.exception else 'OK'}" + (f"  英語: {', '.join(s.english)}" if s.english else ""))
        failed += bool(s.exception)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
