"""Charts as PNG at presentation resolution (1920 px wide and more), and the download button pages
put under a chart (`chart_download`)."""
from __future__ import annotations

from .report import Progress, Report, safe_filename
from .browser import Chromium

WIDTH, HEIGHT, SCALE = 1280, 720, 1.5  # CSS pixels × scale: 1920 × 1080


def size_of(fig, width: int = WIDTH) -> tuple[int, int]:
    """16:9 unless the figure asks for more height (many bars)."""
    height = fig.layout.height or HEIGHT
    return width, max(HEIGHT if width == WIDTH else int(width * 9 / 16), int(height))


def draw(browser: Chromium, fig, width: int = WIDTH, height: int | None = None, scale: float = SCALE,
         font_size: int | None = None) -> bytes:
    """One figure as PNG with a running browser, laid out for its fixed size."""
    from .figures import for_export

    w, h = size_of(fig, width)
    h = height or h
    return browser.png(for_export(fig, w, h, font_size), w, h, scale)


def figure_png(fig, width: int = WIDTH, height: int | None = None, scale: float = SCALE) -> bytes:
    """One figure as PNG (starts Chromium; for many figures use `draw` with one browser)."""
    with Chromium() as browser:
        return draw(browser, fig, width, height, scale)


def render(report: Report, progress: Progress | None = None) -> bytes:
    """`--format png` with one file: the status summary chart."""
    from .figures import summary_figure

    return figure_png(summary_figure(report))


def render_all(report: Report, progress: Progress | None = None) -> dict[str, bytes]:
    """Every chart of the report: {file name: PNG}."""
    from .figures import report_charts

    charts = report_charts(report)
    out = {}
    with Chromium() as browser:
        for i, (key, title, make) in enumerate(charts):
            if progress:
                progress(i / len(charts), f"グラフを描画中: {title}")
            fig = make()
            out[safe_filename(f"{i + 1:02d}_{key}") + ".png"] = draw(browser, fig)
    return out


def chart_download(fig, name: str, label: str = "PNG で保存（1920px）", key: str | None = None):
    """A download button under a chart: the PNG is drawn only when the button is clicked."""
    import streamlit as st

    from . import ExportError
    from .browser import available

    if not available():
        st.caption("PNG で保存するには Chromium が必要です。")
        return None

    def data() -> bytes:
        try:
            return figure_png(fig)
        except ExportError:
            return b""

    return st.download_button(label, data=data, file_name=safe_filename(name) + ".png", mime="image/png",
                              key=key or f"png-{safe_filename(name)}", icon=":material/download:",
                              on_click="ignore")
