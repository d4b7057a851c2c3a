"""A fresh server and eight first requests at once (the morning a link goes round the office).

Before kpiboard/warmup.py, half of them failed with "partially initialized module 'pandas' has no attribute
'Series'": Streamlit runs each session's script in its own thread, and eight threads importing pandas, plotly …
for the first time at once trip Python's import-deadlock detection. Sessions speak Streamlit's websocket
protocol (scripts/load.py), so eight of them cost no browser.
"""
import pytest

from helpers import load_script

pytestmark = pytest.mark.browser


load = load_script()


def first_requests(pages: list[str]) -> dict:
    """One fresh server; len(pages) sessions open at once, each asks for its page once."""
    report = load.run_with_server(len(pages), 90, pages=pages, max_runs=1, page_timeout=90)
    return report.summary() | {"report": report}


def test_eight_first_requests_at_once_show_no_error():
    """Eight different pages at once (without the fix: an error in every one of 6 fresh servers; with it: 0 of 6).
    /import is left to the next test: during the pages-folder window its file name, not its URL, is its name."""
    s = first_requests([p for p in load.app_pages().values() if p != "import"])
    assert s["page_runs"] == 8 and not s["report"].session_errors, s["first_errors"]
    assert s["errors"] == 0, s["first_errors"]
    assert s["tracebacks"] == 0  # in the frames and in the server's log


@pytest.mark.xfail(strict=False, reason="known: with a pages/ folder next to app.py, Streamlit runs a fresh "
                   "server's first deep links as its old pages-folder app (the page file without app.py, so "
                   "without the warm-up, and /import is 'page not found') until some run calls st.navigation; "
                   "warm_up() narrows the window to the first run's first line, renaming pages/ closes it")
def test_eight_first_deep_links_at_once_all_run_through_app_py():
    s = first_requests(list(load.app_pages().values())[1:9])  # a different page each, /import included
    assert s["page_runs"] == 8 and not s["report"].session_errors, s["first_errors"]
    assert s["runs_without_app"] == []
    assert s["errors"] == 0 and s["tracebacks"] == 0, s["first_errors"]
