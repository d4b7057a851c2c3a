"""A short load run (scripts/load.py): 8 sessions for 20 s over every page, /_stcore/health polled meanwhile.
`python scripts/load.py` runs the full 20 sessions × 120 s and prints the figures."""
import pytest

from helpers import load_script

pytestmark = pytest.mark.browser


def test_eight_sessions_for_twenty_seconds():
    load = load_script()
    report = load.run_with_server(sessions=8, duration=20, page_timeout=60)
    s = report.summary()
    print(s)
    visited = set(s["page_seconds"])
    assert visited == {p or "/" for p in load.app_pages().values()}, visited  # every page at least once
    assert s["errors"] == 0, s["first_errors"]
    assert s["tracebacks"] == 0
    assert s["health_failures"] == 0 and s["health_ms"]["p95"] < 1000, s["health_ms"]
