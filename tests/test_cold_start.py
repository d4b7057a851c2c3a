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
    /import is the next test's (its URL is not its file's name: what a pages-folder app would look up)."""
    s = first_requests([p for p in load.app_pages().values() if p not in ("import", "overview", "roles")][:8])
    assert s["page_runs"] == 8 and not s["report"].session_errors, s["first_errors"]
    assert s["errors"] == 0, s["first_errors"]
    assert s["tracebacks"] == 0  # in the frames and in the server's log


def test_eight_first_deep_links_at_once_all_run_through_app_py():
    s = first_requests(list(load.app_pages().values())[1:9])  # a different page each, /import included
    assert s["page_runs"] == 8 and not s["report"].session_errors, s["first_errors"]
    assert s["runs_without_app"] == []
    assert s["errors"] == 0 and s["tracebacks"] == 0, s["first_errors"]
