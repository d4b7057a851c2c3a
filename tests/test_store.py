"""The store (DuckLake): writes are transactions, history is the snapshots, --as-of reads them, concurrent
writers both land. Every test runs on the local SQLite catalog and on a PostgreSQL catalog (fixture `catalog`)."""
import importlib.util
import json
import os
import subprocess
import sys
import threading
from datetime import datetime, timedelta

import polars as pl
import pytest

from kpiboard import db, importer, store
from kpiboard.store import PACKAGE_ROOT


def _script(name):
    spec = importlib.util.spec_from_file_location(name, PACKAGE_ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


pairs = _script("concurrent_imports")


def _csv(rows):
    header = "自治体,計画,分野,項目,指標名,単位,方向,基準値,基準年度,目標値,目標年度,2024実績\n"
    return (header + "".join(",".join(map(str, r)) + "\n" for r in rows)).encode("utf-8")


def _everything(directory):
    return {t: f for t, f in store.read_tables(directory).items()}


def test_a_write_that_fails_midway_leaves_every_table_as_it_was(catalog, monkeypatch):
    before, version = _everything(catalog), store.data_version(catalog)
    real = store._replace_rows
    calls = []

    def failing(cur, alias, table, frame, *rest):
        calls.append(table)
        if len(calls) == 3:
            raise RuntimeError("disk full")
        return real(cur, alias, table, frame, *rest)

    monkeypatch.setattr(store, "_replace_rows", failing)
    changed = {t: f.head(1) for t, f in before.items() if f.height > 1}
    with pytest.raises(RuntimeError):
        store.write_tables(catalog, changed)
    assert len(calls) == 3 and store.data_version(catalog) == version
    after = _everything(catalog)
    assert all(after[t].equals(before[t]) for t in before)


def test_an_import_is_one_snapshot_with_its_author_and_the_values_it_replaced(catalog):
    first = importer.import_files([("a.csv", _csv([["富山県", "履歴テスト計画", "分野", "1", "履歴指標", "件", "増加",
                                                   10, 2022, 20, 2026, 12]]))], catalog, user="山田")
    assert first.written, first.errors
    second = importer.import_files([("b.csv", _csv([["富山県", "履歴テスト計画", "分野", "1", "履歴指標", "件", "増加",
                                                    10, 2022, 20, 2026, 15]]))], catalog, user="佐藤")
    assert second.written, second.errors
    snaps = store.snapshots(catalog)
    assert snaps["author"].to_list()[:2] == ["佐藤", "山田"]
    assert snaps["commit_message"][0] == "取込: b.csv"
    with db.Database(catalog) as database:
        history = database.query("import_history")
    row = history.filter(pl.col("kpi_name") == "履歴指標").to_dicts()
    assert [(r["old_value"], r["new_value"], r["user_name"], r["file_name"], r["import_id"]) for r in row] == \
        [(12.0, 15.0, "佐藤", "b.csv", second.import_id)]


def test_as_of_shows_the_data_as_it_was(catalog):
    with db.Database(catalog) as database:
        kpis_before = database.query("evaluate").height
    moment = datetime.now().astimezone() + timedelta(seconds=1)
    import time
    time.sleep(1.2)
    assert importer.import_files([("a.csv", _csv([["富山県", "時点テスト計画", "分野", "1", "時点指標", "件", "増加",
                                                  1, 2022, 2, 2026, 1.5]]))], catalog).written
    with db.Database(catalog) as now, db.Database(catalog, as_of=moment) as then:
        assert now.query("evaluate").height == kpis_before + 1
        assert then.query("evaluate").height == kpis_before
        assert then.version < now.version
    with pytest.raises(store.StoreError, match="まだデータがありません"):
        db.Database(catalog, as_of="2001-01-01")


def test_a_write_planned_on_an_old_snapshot_is_refused_not_applied(catalog):
    version = store.data_version(catalog)
    kpis = store.read_table(catalog, "kpis")
    store.write_tables(catalog, {"kpis": kpis.head(kpis.height - 1)})
    with pytest.raises(store.StaleData):
        store.write_tables(catalog, {"kpis": kpis}, base_version=version)
    assert store.read_table(catalog, "kpis").height == kpis.height - 1


def test_nothing_changed_makes_no_snapshot(catalog):
    version = store.data_version(catalog)
    store.write_tables(catalog, store.read_tables(catalog))
    assert store.data_version(catalog) == version


def test_concurrent_imports_in_threads_both_land(catalog):
    """Two imports into one store at once (the web page and the CLI, say): each adds its KPIs; the one that
    commits second finds the first one's commit and plans again on it."""
    (a, expected_a), (b, expected_b) = pairs.sheet("A"), pairs.sheet("B")
    results = []
    threads = [threading.Thread(target=lambda c=c, n=n: results.append(importer.import_files([(n, c)], catalog)))
               for n, c in (("a.csv", a), ("b.csv", b))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert [r.written for r in results] == [True, True], [r.errors for r in results]
    found = pairs.stored_values(catalog)
    assert all(values <= found.get(name, set()) for name, values in {**expected_a, **expected_b}.items())
    assert store.read_table(catalog, "plans").filter(pl.col("name") == pairs.PLAN).height == 1


def test_concurrent_imports_from_two_processes_on_postgres_lose_nothing(pg):
    """Issue #11: pairs of `python -m kpiboard import` processes at once on one PostgreSQL catalog. The suite runs
    2 pairs (and two threads on each catalog, above); `python scripts/concurrent_imports.py --catalog postgres` runs 20."""
    results = pairs.run_pairs(pairs=2, parallel=1, cluster=pg)
    assert [r.exit_codes for r in results] == [(0, 0)] * 2, results[0].stderr
    assert [r.lost_values for r in results] == [0] * 2


def test_another_process_sees_a_commit_without_reopening(catalog):
    """Replicas: a process that has the store open (as the app does) sees another process's import at once."""
    version = store.data_version(catalog)
    code = ("import sys; from kpiboard import importer\n"
            "r = importer.import_files([('c.csv', sys.stdin.buffer.read())]); sys.exit(0 if r.written else 1)")
    content = _csv([["富山県", "別プロセス計画", "分野", "1", "別プロセス指標", "件", "増加", 1, 2022, 2, 2026, 1]])
    out = subprocess.run([sys.executable, "-c", code], input=content, cwd=PACKAGE_ROOT, env=dict(os.environ),
                         capture_output=True, timeout=120)
    assert out.returncode == 0, out.stderr.decode()
    assert int(store.data_version(catalog)) > int(version)
    assert "別プロセス指標" in set(store.read_table(catalog, "kpis")["kpi_name"])


def test_maintenance_merges_files_and_keeps_the_data_and_its_history(catalog):
    for i in range(3):
        assert importer.import_files([(f"m{i}.csv", _csv([["富山県", "整理テスト計画", "分野", str(i), f"整理指標{i}", "件",
                                                          "増加", 1, 2022, 2, 2026, i]]))], catalog).written
    before, snaps = _everything(catalog), store.snapshots(catalog).height
    done = store.maintain(catalog)
    assert done["data_files_after"] <= done["data_files_before"]
    after = _everything(catalog)
    assert all(after[t].sort(after[t].columns).equals(before[t].sort(before[t].columns)) for t in before)
    assert store.snapshots(catalog).height == snaps  # no snapshot expired by default: history stays


def test_reading_a_missing_directory_creates_nothing(tmp_path):
    missing = tmp_path / "nothing-here"
    assert store.read_table(missing, "kpis").is_empty() and store.data_version(missing) == "0"
    with db.Database(missing) as database:
        assert database.query("evaluate").is_empty()
    assert not missing.exists()


def test_the_cli_evaluates_as_of_a_date_and_lists_the_history(tmp_path):
    data = tmp_path / "d"
    store.copy_data_dir(store.EMBEDDED_DATA_DIR, data)
    env = {**os.environ, "KPIBOARD_DATA_DIR": str(data)}

    def cli(*args):
        return subprocess.run([sys.executable, "-m", "kpiboard", *args], cwd=PACKAGE_ROOT, env=env,
                              capture_output=True, text=True, timeout=120)

    today = cli("evaluate", "--format", "json", "--as-of", datetime.now(store.JST).date().isoformat())
    assert today.returncode == 0 and len(json.loads(today.stdout)) > 0
    old = cli("evaluate", "--as-of", "2020-01-01")
    assert old.returncode == 1 and "2020-01-01 の時点にはまだデータがありません" in old.stderr
    bad = cli("evaluate", "--as-of", "昨日")
    assert bad.returncode == 2 and "2025-03-10" in bad.stderr
    history = cli("history")
    assert history.returncode == 0 and "python -m kpiboard build" in history.stdout
    assert cli("maintenance").returncode == 0


def test_the_server_bounds_duckdb_memory_and_threads_from_its_settings():
    code = ("from kpiboard import store; c = store.new_connection(); "
            "print(c.sql(\"SELECT current_setting('memory_limit'), current_setting('threads')\").fetchone())")
    out = subprocess.run([sys.executable, "-c", code], cwd=PACKAGE_ROOT, capture_output=True, text=True, timeout=60,
                         env={**os.environ, "KPIBOARD_DUCKDB_MEMORY": "1GB", "KPIBOARD_DUCKDB_THREADS": "1"})
    assert out.stdout.strip() == "('953.6 MiB', 1)", out.stderr
