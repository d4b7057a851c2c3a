"""Import the heavy modules once, before any page of the app runs.

Streamlit runs every session's script in its own thread. On a fresh server, eight first requests at once
import pandas, plotly, pyarrow … from eight threads; Python's import-deadlock detection then hands some of them
a half-initialised module ("partially initialized module 'pandas' has no attribute 'Series'"). `warm_up()`,
called first thing in app.py, lets one session import them all under a lock while the others wait; from then
on every import is a lookup in sys.modules. (Streamlit has no start-up hook for `streamlit run app.py`.)

Not covered: a fresh server's very first runs may start before any run has called st.navigation; Streamlit
then runs a deep link's page file from `pages/` directly, without app.py (see _leave_pages_directory_mode).
Renaming the `pages/` folder removes that mode altogether.
"""
from __future__ import annotations

import importlib
import threading

# Third-party packages with the submodules they import lazily on first use (pyarrow ↔ pandas interop, plotly's
# JSON encoder), Streamlit's lazily imported element modules, then every project module a page imports.
MODULES = (
    "numpy", "pyarrow", "pandas", "pyarrow.pandas_compat", "polars", "polars._utils.udfs", "duckdb", "orjson",
    "plotly", "plotly.graph_objects", "plotly.io", "plotly.io._json", "plotly.offline", "plotly.tools",
    "openpyxl", "xlsxwriter",
    "streamlit.dataframe_util", "streamlit.elements.plotly_chart", "streamlit.elements.arrow", "streamlit.emojis",
    "streamlit.material_icon_names", "streamlit.runtime.scriptrunner.magic_funcs",
    "streamlit.components.v2.manifest_scanner", "pyarrow.vendored.version",
    "kpiboard.schema", "kpiboard.store", "kpiboard.db", "kpiboard.parsing", "kpiboard.eras", "kpiboard.settings",
    "kpiboard.format", "kpiboard.status",
    "kpiboard.ui", "kpiboard.charts", "kpiboard.comparison", "kpiboard.search",
    "kpiboard.trajectory", "kpiboard.tree", "kpiboard.tilemap", "kpiboard.tabular", "kpiboard.sql_sandbox",
    "kpiboard.importer", "kpiboard.export",
    "kpiboard.export.browser", "kpiboard.export.figures", "kpiboard.export.png", "kpiboard.export.tables",
)

_lock = threading.Lock()
_done = False
failed: dict[str, str] = {}  # module → error; the page that needs it shows the error itself


def warm_up(modules=MODULES) -> None:
    global _done
    if _done:  # the common case: a plain read, no lock
        return
    _leave_pages_directory_mode()
    with _lock:
        if _done:
            return
        for name in modules:
            try:
                importlib.import_module(name)
            except Exception as e:  # an optional module missing must not break every page
                failed[name] = f"{type(e).__name__}: {e}"
        try:
            _draw_a_figure()
        except Exception as e:
            failed["plotly figure"] = f"{type(e).__name__}: {e}"
        _done = True


def _leave_pages_directory_mode() -> None:
    """Until some run calls st.navigation, Streamlit treats the `pages/` folder next to app.py as the old
    pages-directory app and runs a requested page's file directly, without app.py (no warm-up, no sidebar, and
    /import is "page not found": its file is import_data.py). app.py calls st.navigation on every run, so say so
    now rather than after the warm-up; the window left is the few milliseconds before the first run gets here."""
    try:
        from streamlit.runtime.pages_manager import PagesManager

        PagesManager.uses_pages_directory = False
    except Exception:  # a private attribute: if a Streamlit release renames it, the warm-up still works
        pass


def _draw_a_figure() -> None:
    """plotly imports each trace type's and layout part's classes on first use: touch the ones the charts use."""
    import plotly.graph_objects as go

    fig = go.Figure([
        go.Bar(x=[1], y=[1], text=["1"], marker={"color": "#0072B2", "line": {"width": 1}, "pattern": {"shape": "/"}}),
        go.Scatter(x=[1], y=[1], mode="lines+markers+text", text=["1"], textfont={"size": 10}, line={"dash": "dot"},
                   marker={"color": [1], "colorbar": {"title": {"text": "t"}}}),
        go.Heatmap(z=[[1]], colorbar={"title": {"text": "t"}}),
    ])
    fig.update_layout(title={"text": "t"}, font={"size": 12}, hoverlabel={"font": {"size": 12}}, legend={"x": 0},
                      margin={"l": 0}, xaxis={"title": {"text": "t"}, "tickfont": {"size": 10}},
                      yaxis={"title": {"text": "t"}}, annotations=[{"text": "t", "font": {"size": 10}}],
                      shapes=[{"type": "line", "x0": 0, "x1": 1, "y0": 0, "y1": 1, "line": {"width": 1}}])
    fig.to_json()
