"""Writers of a data directory serialise on `<directory>/.kpiboard.lock` (store.directory_lock)."""
import importlib.util
import os
import subprocess
import sys
import threading
import time

import pytest

from kpiboard import importer, store
from kpiboard.store import LOCK_FILE, PACKAGE_ROOT


def _script(name):
    spec = importlib.util.spec_from_file_location(name, PACKAGE_ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_concurrent_cli_imports_with_different_tmpdirs_lose_nothing():
    """Two `python -m kpiboard import` at once, each with its own TMPDIR, different KPIs into one directory.
    Before the lock moved into the directory, 16 of 20 such pairs lost one file's values, both exiting 0.
    The suite runs 5 pairs (the machine is shared); `python scripts/concurrent_imports.py` runs 20."""
    pairs = _script("concurrent_imports").run_pairs(pairs=5, parallel=5)
    assert [r.exit_codes for r in pairs] == [(0, 0)] * 5, pairs[0].stderr
    assert [r.lost_values for r in pairs] == [0] * 5


def test_an_import_waits_for_the_lock_and_then_reads_what_was_written(tmp_path):
    """The lock covers read → plan → write: an import that starts while another writer holds it plans on the
    tables as they are after that writer, not before."""
    data = tmp_path / "d"
    first, _ = _script("concurrent_imports").sheet("A")
    second, _ = _script("concurrent_imports").sheet("B")
    results = []
    with store.directory_lock(data):
        # Held by this thread; the import runs in another thread, so it has to wait.
        worker = threading.Thread(target=lambda: results.append(importer.import_files([("b.csv", second)], data)))
        worker.start()
        time.sleep(0.5)
        assert worker.is_alive() and not results
        assert importer.import_files([("a.csv", first)], data).written  # re-entrant for the holder's thread
    worker.join(timeout=60)
    assert results and results[0].written and not results[0].errors
    names = set(store.read_table(data, "kpis")["kpi_name"])
    assert {"並行取込A1", "並行取込B1"} <= names
    assert len(set(store.read_table(data, "plans")["name"])) == 1  # B found A's new plan instead of adding one
    assert not (data / LOCK_FILE).exists()  # nothing left behind


def test_a_symlinked_lock_file_is_refused_in_japanese(tmp_path):
    data = tmp_path / "d"
    store.copy_data_dir(store.EMBEDDED_DATA_DIR, data)
    victim = tmp_path / "victim.txt"
    victim.write_text("大事なファイル", encoding="utf-8")
    (data / LOCK_FILE).symlink_to(victim)
    before = store.directory_digest(data)
    content, _ = _script("concurrent_imports").sheet("A")
    result = importer.import_files([("a.csv", content)], data)
    assert not result.written
    assert any("シンボリックリンク" in e.message for e in result.errors), result.errors
    assert victim.read_text(encoding="utf-8") == "大事なファイル" and (data / LOCK_FILE).is_symlink()
    with pytest.raises(store.DirectoryLockError, match="シンボリックリンク"):
        store.write_tables(data, {})
    out = subprocess.run([sys.executable, "-m", "kpiboard", "build", "--out", str(data)], cwd=PACKAGE_ROOT,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 1 and "エラー:" in out.stderr and "シンボリックリンク" in out.stderr
    assert "Traceback" not in out.stderr
    assert store.directory_digest(data) == before


def test_a_stuck_writer_times_out_with_a_japanese_message(tmp_path):
    held, release = threading.Event(), threading.Event()

    def holder():
        with store.directory_lock(tmp_path):
            held.set()
            release.wait(30)

    t = threading.Thread(target=holder)
    t.start()
    try:
        held.wait(10)
        with pytest.raises(store.DirectoryLockError, match="別の取込・書き込みが実行中"):
            with store.directory_lock(tmp_path, timeout=0.3):
                pass
    finally:
        release.set()
        t.join(10)
    with store.directory_lock(tmp_path, timeout=1):  # free again
        pass


def test_build_and_synth_take_the_lock(tmp_path, monkeypatch):
    """write_tables, which build and synth call, takes the directory's lock: it waits for a holder."""
    from kpiboard.synth import SynthSpec, write_synthetic

    done = []
    with store.directory_lock(tmp_path):
        t = threading.Thread(target=lambda: done.append(write_synthetic(
            tmp_path, SynthSpec(prefectures=1, municipalities=1, kpis_per_entity=1, first_year=2020,
                                last_year=2021, seed=1))))
        t.start()
        time.sleep(0.5)
        assert not done and not (tmp_path / "kpis.parquet").exists()
    t.join(60)
    assert done and (tmp_path / "kpis.parquet").exists() and not (tmp_path / LOCK_FILE).exists()


def test_the_lock_does_not_depend_on_tmpdir(tmp_path):
    """A process with another TMPDIR still waits for the holder (the old lock lived in the temp directory)."""
    code = ("import sys, time; from kpiboard import store; print('ready', flush=True); t = time.monotonic()\n"
            "with store.directory_lock(sys.argv[1]): print(round(time.monotonic() - t, 2))")
    other_tmp = tmp_path / "other-tmp"
    other_tmp.mkdir()
    with store.directory_lock(tmp_path / "d"):
        proc = subprocess.Popen([sys.executable, "-c", code, str(tmp_path / "d")], cwd=PACKAGE_ROOT,
                                env={**os.environ, "TMPDIR": str(other_tmp)}, stdout=subprocess.PIPE, text=True)
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(1.5)
        assert proc.poll() is None  # still waiting for this process's lock
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0 and float(out) >= 1.0
