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


@pytest.fixture(scope="session")
def pg():
    """A throwaway PostgreSQL cluster on a loopback port for the whole run (scripts/pg_cluster.py)."""
    sys.path.insert(0, str(ROOT / "scripts"))
    import pg_cluster

    with pg_cluster.throwaway() as cluster:
        yield cluster


_databases = iter(range(1, 10**6))


@pytest.fixture(params=["local", "postgres"])
def catalog(request, tmp_path, monkeypatch):
    """The store of a test, on each kind of catalog: a local directory (SQLite catalog) or a team store
    (a new PostgreSQL database as catalog, data files in a shared directory). Yields the directory that names it
    (store.data_dir()), with the embedded data in it."""
    name = tmp_path / "store"
    monkeypatch.setenv("KPIBOARD_DATA_DIR", str(name))
    if request.param == "local":
        store.copy_data_dir(store.EMBEDDED_DATA_DIR, name)
    else:
        cluster = request.getfixturevalue("pg")
        dbname = cluster.create_database(f"kpiboard_{next(_databases)}")
        monkeypatch.setenv("KPIBOARD_CATALOG", cluster.catalog(dbname))
        monkeypatch.setenv("KPIBOARD_DATA_PATH", str(tmp_path / "shared"))
        store.write_tables(name, store.read_tables(store.EMBEDDED_DATA_DIR), author="test", message="同梱データ")
    yield name
    store.forget(name)
