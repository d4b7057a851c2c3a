import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import pytest  # noqa: E402

from browser import chromium_page, streamlit_server  # noqa: E402
from kpiboard import db, store  # noqa: E402


@pytest.fixture(scope="module")
def server():
    """`streamlit run app.py` on the embedded data, one per browser-test module."""
    with streamlit_server() as url:
        yield url


@pytest.fixture()
def page():
    """A fresh Debian-chromium page per test."""
    with chromium_page() as p:
        yield p


@pytest.fixture(scope="module")
def run():
    """A named query on the embedded data (what ui.run is to a page): for tests of views and charts."""
    monkey = pytest.MonkeyPatch()
    monkey.delenv("KPIBOARD_DATA_DIR", raising=False)
    con = db.connect(store.data_dir())
    yield lambda name, **params: db.run(name, con, **params)
    con.close()
    monkey.undo()


@pytest.fixture(scope="module")
def evaluated(run):
    return run("evaluate")
