"""What a user reads is Japanese and says something: no 「None」 in a table, no English "Page not found"."""
import re

import pytest

from helpers import app_test
from kpiboard import store

ROOT = store.PACKAGE_ROOT
PAGES = re.findall(r'st\.Page\("(pages/[^"]+\.py)"', (ROOT / "app.py").read_text(encoding="utf-8"))


@pytest.fixture(autouse=True)
def embedded(monkeypatch):
    monkeypatch.delenv("KPIBOARD_DATA_DIR", raising=False)


@pytest.mark.parametrize("page", PAGES)
def test_no_table_cell_reads_none(page):
    # st.dataframe draws a missing value as the English word 「None」: every table fills its gaps (「―」 or empty)
    at = app_test(page)
    empty = {f"table {i}": [c for c, n in frame.value.isna().sum().items() if n] for i, frame in enumerate(at.dataframe)}
    assert {t: cols for t, cols in empty.items() if cols} == {}
    assert at.dataframe or page in ("pages/export.py", "pages/sql.py", "pages/import_data.py", "pages/compare.py",
                                    "pages/initiatives.py")


def test_the_indicator_page_writes_a_missing_running_total_as_a_dash():
    at = app_test("pages/indicator.py", kpi="toyama-growth:6-1")
    observations = next(f.value for f in at.dataframe if "累計値" in f.value.columns)
    assert set(observations["累計値"]) == {"―"}
