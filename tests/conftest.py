import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import pytest  # noqa: E402

from browser import chromium_page, streamlit_server  # noqa: E402


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
