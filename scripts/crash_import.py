"""SIGKILL an import at every rename, unlink, write and fsync it makes, and at random moments: is the data
afterwards exactly as before or as after the import, with its history complete?

    python scripts/crash_import.py [--catalog local|postgres] [--limit N] [--random 50] [--parallel 2]

The scenario: a store with the embedded data and a first import (a.csv: 6 KPIs); the import under test (b.csv)
replaces 3 of its values and adds 3 KPIs, so its history (import_history) must list the replaced values.
The before-state is read from the base store and the after-state from one normal run on a copy: every table's
rows as a multiset, _meta, the data version, the snapshots and import_history (the import's id and time masked:
they differ from run to run).

Then, on a fresh copy each time, `python -m kpiboard import b.csv` runs under
`strace -f -e inject=SYSCALL:signal=KILL:when=N` for every N up to the calls counted in a traced run, with
DuckDB on one thread (strace counts calls per thread: so N is the import's Nth call), and 50 more runs
(DuckDB as it is) are killed with os.kill after a delay uniform between 0 and the import's measured duration. After each kill this process
opens the store and classifies it as before, after or mixed, then imports b.csv again: that must land on the
after-state, and change nothing only if the state already was "after".
--catalog postgres runs it all on a throwaway PostgreSQL cluster (scripts/pg_cluster.py): each copy is a
catalog database made from a template, all sharing one data path, as a team store's would.
--limit N samples N kill points evenly for a syscall with more (the suite does; the script does all).
Prints the figures; exit status 0 only if no run ended mixed, unreadable or with a failed re-import.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import csv
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kpiboard import db, importer, store  # noqa: E402

FILE_SYSCALLS = ("rename", "renameat", "renameat2", "unlink", "unlinkat", "write", "pwrite64", "fsync", "fdatasync")
NETWORK_SYSCALLS = ("sendto",)  # a PostgreSQL catalog's statements, its COMMIT among them, leave through this
ENV_KEYS = ("KPIBOARD_DATA_DIR", "KPIBOARD_CATALOG", "KPIBOARD_DATA_PATH")
HEADER = ["自治体", "計画", "分野", "項目", "指標名", "単位", "方向", "基準値", "基準年度", "目標値", "目標年度",
          "2023実績", "2024実績"]
PLAN = "強制終了試験計画（架空）"


def sheets() -> tuple[bytes, bytes]:
    """a.csv (KPIs 1-6) and b.csv: KPIs 1-3 with a new 2024 value, 4-6 unchanged, 7-9 new."""
    def rows(kpis, bump):
        out = [HEADER]
        for i in kpis:
            out.append(["富山県", PLAN, "分野", str(i), f"強制終了指標{i}", "件", "増加", i, "R4", 10 * i, "R8", 2 * i,
                        3 * i + (100 if i in bump else 0)])
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerows(out)
        return buf.getvalue().encode("utf-8")
    return rows(range(1, 7), ()), rows(range(1, 10), (1, 2, 3))


# ---------------------------------------------------------------- stores

class Stores:
    """The base store and fresh copies of it: directories (local) or template-made catalog databases."""

    def __init__(self, work: Path, cluster=None):
        self.work, self.cluster = work, cluster
        self.shared = work / "shared"
        self._n = iter(range(10**9))
        self._lock = threading.Lock()
        self.base = work / "base"

    def dbname(self, directory: Path) -> str:
        return f"crash_{directory.name}"

    def env(self, directory: Path) -> dict:
        if self.cluster is None:
            return {}
        return {"KPIBOARD_CATALOG": self.cluster.catalog(self.dbname(directory)),
                "KPIBOARD_DATA_PATH": str(self.shared) + "/", "KPIBOARD_DATA_DIR": str(directory)}

    def seed(self, first: bytes) -> None:
        if self.cluster is None:
            store.copy_data_dir(store.EMBEDDED_DATA_DIR, self.base)
        else:
            self.cluster.create_database(self.dbname(self.base))
        with using(self.env(self.base)):
            try:
                if self.cluster is not None:
                    store.write_tables(self.base, store.read_tables(store.EMBEDDED_DATA_DIR), author="seed",
                                       message="同梱データ")
                result = importer.import_files([("a.csv", first)], self.base, user="山田")
                if not result.written:
                    raise RuntimeError(f"the first import did not land: {result.errors}")
            finally:
                store.forget(self.base)  # a template database must have no connections

    def fresh(self) -> Path:
        with self._lock:
            directory = self.work / f"s{next(self._n)}"
        if self.cluster is None:
            store.copy_data_dir(self.base, directory)
        else:
            c = self.cluster
            subprocess.run([*c.as_user, str(c.bin / "createdb"), "-h", "127.0.0.1", "-p", str(c.port), "-U", "postgres",
                            "-T", self.dbname(self.base), self.dbname(directory)], check=True, capture_output=True)
        return directory

    def drop(self, directory: Path) -> None:
        with _checking, using(self.env(directory)):
            store.forget(directory)
        if self.cluster is None:
            shutil.rmtree(directory, ignore_errors=True)
        else:
            c = self.cluster
            subprocess.run([*c.as_user, str(c.bin / "dropdb"), "-h", "127.0.0.1", "-p", str(c.port), "-U", "postgres",
                            "--force", self.dbname(directory)], capture_output=True)


_checking = threading.Lock()  # held while this process's environment names one store (see `using`)


@contextlib.contextmanager
def using(env: dict):
    """This process's KPIBOARD_* variables set to one store's for a while (callers hold `_checking`)."""
    saved = {k: os.environ.get(k) for k in ENV_KEYS}
    for k in ENV_KEYS:
        os.environ.pop(k, None)
    os.environ.update(env)
    try:
        yield
    finally:
        for k, v in saved.items():
            os.environ.pop(k, None) if v is None else os.environ.__setitem__(k, v)


# `python -m kpiboard import` with DuckDB on one thread: strace counts calls per thread, and DuckDB's workers
# share the catalog and file I/O between them differently from run to run, so only one thread makes
# when=1..count every call of the import, in order.
ONE_THREAD = ("import runpy, sys\n"
              "from kpiboard import store\n"
              "connect = store.new_connection\n"
              "def one_thread():\n"
              "    con = connect()\n"
              "    con.execute('SET threads = 1')\n"
              "    return con\n"
              "store.new_connection = one_thread\n"
              "sys.argv = ['kpiboard', *sys.argv[1:]]\n"
              "runpy.run_module('kpiboard', run_name='__main__', alter_sys=True)\n")


def import_command(stores: Stores, directory: Path, csv_path: Path, one_thread: bool = False) -> tuple[list[str], dict]:
    env = {k: v for k, v in os.environ.items() if k not in ENV_KEYS}
    env.update(stores.env(directory), PYTHONDONTWRITEBYTECODE="1", TMPDIR=str(stores.work / "tmp"))
    args = ["import", str(csv_path), "--data-dir", str(directory), "--user", "佐藤"]
    # sys.executable, not `python`: a pyenv shim would be processes of its own under strace -f
    return [sys.executable, *(["-c", ONE_THREAD] if one_thread else ["-m", "kpiboard"]), *args], env


# ---------------------------------------------------------------- states

def state(stores: Stores, directory: Path) -> dict:
    """What a user of the store can see, with the newest import's id and time masked."""
    with using(stores.env(directory)):
        try:
            tables = store.read_tables(directory)
            manifest = store.read_manifest(directory)
            version = store.data_version(directory)
            snaps = store.snapshots(directory)
            with db.Database(directory) as database:
                history = database.query("import_history")
        finally:
            store.forget(directory)
    last = manifest.get("last_import") or {}
    masks = [(str(last[k]), f"<{k}>") for k in ("import_id", "at") if last.get(k)]

    def norm(v):
        if isinstance(v, str):
            for text, mask in masks:
                v = v.replace(text, mask)
        return v

    def rows(frame):
        return sorted((tuple(norm(v) for v in r) for r in frame.iter_rows()), key=repr)

    found = {f"table {t}": rows(f) for t, f in tables.items()}
    found["_meta"] = norm(json.dumps({k: v for k, v in manifest.items() if k != "version"}, sort_keys=True,
                                     ensure_ascii=False, default=str))
    found["data_version"] = version
    found["snapshots"] = rows(snaps.drop("snapshot_time"))
    found["import_history"] = rows(history)
    return found


def classify(found: dict, before: dict, after: dict) -> tuple[str, str]:
    if found == before:
        return "before", ""
    if found == after:
        return "after", ""
    parts = {"as before": [k for k in found if found[k] == before.get(k) and found[k] != after.get(k)],
             "as after": [k for k in found if found[k] == after.get(k) and found[k] != before.get(k)],
             "neither": [k for k in found if found[k] not in (before.get(k), after.get(k))]}
    return "mixed", "; ".join(f"{name}: {', '.join(keys)}" for name, keys in parts.items() if keys)


# ---------------------------------------------------------------- runs

@dataclass
class Run:
    how: str  # the syscall, or "random"
    n: int | float  # its kill point, or the delay in seconds
    killed: bool
    state: str  # before / after / mixed / unreadable
    detail: str = ""
    reimport_ok: bool = True
    reimport_note: str = ""


@dataclass
class Report:
    catalog: str
    calls: dict  # syscall → calls of one import
    commit: dict  # syscall → its kill points around the catalog commit
    runs: list[Run] = field(default_factory=list)
    import_seconds: float = 0.0
    seconds: float = 0.0

    @property
    def bad(self) -> list[Run]:
        return [r for r in self.runs if r.state in ("mixed", "unreadable") or not r.reimport_ok]

    def print(self) -> None:
        print(f"crash_import: {self.catalog} catalog; b.csv replaces 3 values of a.csv's and adds 3 KPIs "
              f"(import {self.import_seconds:.2f} s)")
        print("syscalls of one import: " + ", ".join(f"{s} {c}" for s, c in self.calls.items() if c)
              + "; catalog commit at " + ", ".join(f"{s} {ns[0]}" for s, ns in self.commit.items()))
        print(f"{'kill at':<12}{'runs':>6}{'before':>8}{'after':>7}{'mixed':>7}{'unread':>8}{'not killed':>12}"
              f"{'re-import failed':>18}")
        for how in [*self.calls, "random"]:
            runs = [r for r in self.runs if r.how == how]
            if not runs:
                continue
            c = Counter(r.state for r in runs)
            print(f"{how:<12}{len(runs):>6}{c['before']:>8}{c['after']:>7}{c['mixed']:>7}{c['unreadable']:>8}"
                  f"{sum(not r.killed for r in runs):>12}{sum(not r.reimport_ok for r in runs):>18}")
        c = Counter(r.state for r in self.runs)
        print(f"{'total':<12}{len(self.runs):>6}{c['before']:>8}{c['after']:>7}{c['mixed']:>7}{c['unreadable']:>8}"
              f"{sum(not r.killed for r in self.runs):>12}{sum(not r.reimport_ok for r in self.runs):>18}")
        print(f"{time.strftime('%Y-%m-%d %H:%M')}, {self.seconds:.0f} s")
        for r in self.bad[:10]:
            print(f"BAD: {r.how} {r.n}: {r.state} {r.detail} {r.reimport_note}")


def count_calls(stores: Stores, csv_path: Path, syscalls) -> tuple[dict, dict]:
    """syscall → calls in one import; and syscall → the calls around the catalog commit (a PostgreSQL catalog's
    snapshot row and its COMMIT; SQLite's commit frame in its WAL, or its journal's unlink), which a sample must
    not miss."""
    directory = stores.fresh()
    trace = stores.work / "trace.txt"
    cmd, env = import_command(stores, directory, csv_path, one_thread=True)
    subprocess.run(["strace", "-f", "-qq", "-y", "-s", "64", "-o", str(trace), "-e", "trace=" + ",".join(syscalls),
                    *cmd], env=env, cwd=ROOT, check=True, capture_output=True, timeout=600)
    calls, commit = Counter(), {}
    for line in trace.read_text(errors="replace").splitlines():
        m = re.match(r"\d+\s+(\w+)\(", line)  # "<... write resumed>" lines are the same call: not counted
        if not m or m.group(1) not in syscalls:
            continue
        name = m.group(1)
        calls[name] += 1
        if "ducklake_snapshot VALUES" in line:  # the snapshot row, then COMMIT, then the first call after it
            commit[name] = [calls[name], calls[name] + 1, calls[name] + 2]
        elif name == "write" and f"{store.CATALOG_FILE}-wal>" in line:  # SQLite in WAL mode: the last frame
            commit[name] = [calls[name], calls[name] + 1]  # written is the commit; the next write is after it
        elif name.startswith("unlink") and f"{store.CATALOG_FILE}-journal" in line:  # SQLite's rollback journal
            commit[name] = [calls[name]]
    stores.drop(directory)
    return {s: calls[s] for s in syscalls}, commit


def kill_points(points: int, limit: int | None) -> list[int]:
    if limit is None or points <= limit:
        return list(range(1, points + 1))
    if limit <= 1:  # one point: the middle of the import
        return [max(1, (points + 1) // 2)]
    return sorted({round(1 + i * (points - 1) / (limit - 1)) for i in range(limit)})


def crash_once(stores: Stores, csv_path: Path, content: bytes, how: str, n, before: dict, after: dict) -> Run:
    directory = stores.fresh()
    cmd, env = import_command(stores, directory, csv_path, one_thread=how != "random")
    if how == "random":
        proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            proc.wait(timeout=n)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
        code = proc.returncode
    else:
        code = subprocess.run(["strace", "-f", "-qq", "-o", "/dev/null", "-e", f"trace={how}",
                               "-e", f"inject={how}:signal=KILL:when={n}", *cmd], env=env, cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=600).returncode
    run = Run(how, n, killed=code == -signal.SIGKILL, state="unreadable")
    with _checking:
        try:
            run.state, run.detail = classify(state(stores, directory), before, after)
        except Exception as e:  # noqa: BLE001 - a store that cannot be read is a finding, not a crash of this script
            run.detail = f"{type(e).__name__}: {e}"
        if run.state in ("before", "after"):
            run.reimport_ok, run.reimport_note = reimport(stores, directory, content, run.state, after)
    stores.drop(directory)
    return run


def reimport(stores: Stores, directory: Path, content: bytes, found: str, after: dict) -> tuple[bool, str]:
    """Importing b.csv again lands on the after-state; it changes nothing only if that was the state."""
    with using(stores.env(directory)):
        try:
            result = importer.import_files([("b.csv", content)], directory, user="佐藤")
        finally:
            store.forget(directory)
    if result.errors:
        return False, f"re-import errors: {[str(e) for e in result.errors]}"
    if result.written != (found == "before"):
        return False, f"re-import written={result.written} on a store found {found}"
    now, _ = classify(state(stores, directory), {}, after)
    return (now == "after"), ("" if now == "after" else "re-import did not reach the after-state")


def run(catalog: str = "local", cluster=None, limit: int | None = None, random_moments: int = 50,
        parallel: int = 2, seed: int = 11, syscalls=None) -> Report:
    """The whole experiment; `cluster` (pg_cluster.throwaway()) for the postgres catalog."""
    if catalog == "postgres" and cluster is None:
        sys.path.insert(0, str(ROOT / "scripts"))
        import pg_cluster

        with pg_cluster.throwaway() as cluster:
            return run(catalog, cluster, limit, random_moments, parallel, seed, syscalls)
    start = time.monotonic()
    first, second = sheets()
    syscalls = tuple(syscalls or (FILE_SYSCALLS + (NETWORK_SYSCALLS if catalog == "postgres" else ())))
    with tempfile.TemporaryDirectory(prefix="kpiboard-crash-") as tmp:
        work = Path(tmp)
        (work / "tmp").mkdir()
        csv_path = work / "b.csv"
        csv_path.write_bytes(second)
        stores = Stores(work, cluster if catalog == "postgres" else None)
        stores.seed(first)
        with _checking:
            before = state(stores, stores.base)
        # the after-state, and how long an import takes (from process start, as a kill's delay counts)
        reference = stores.fresh()
        cmd, env = import_command(stores, reference, csv_path)
        began = time.monotonic()
        subprocess.run(cmd, env=env, cwd=ROOT, check=True, capture_output=True, timeout=600)
        seconds = time.monotonic() - began
        with _checking:
            after = state(stores, reference)
        stores.drop(reference)
        assert before != after and before["data_version"] != after["data_version"]
        report = Report(catalog, *count_calls(stores, csv_path, syscalls), import_seconds=seconds)
        rng = random.Random(seed)
        jobs = [(s, n) for s, count in report.calls.items()
                for n in sorted(set(kill_points(count, limit)) | {n for n in report.commit.get(s, []) if n <= count})]
        jobs += [("random", round(rng.uniform(0, seconds), 3)) for _ in range(random_moments)]
        with ThreadPoolExecutor(max_workers=max(1, parallel)) as pool:
            report.runs = list(pool.map(lambda job: crash_once(stores, csv_path, second, *job, before, after), jobs))
    report.seconds = time.monotonic() - start
    return report


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--catalog", choices=["local", "postgres"], default="local")
    p.add_argument("--limit", type=int, help="at most this many kill points per syscall, evenly spread (default: all)")
    p.add_argument("--random", type=int, default=50, help="runs killed at a random moment")
    p.add_argument("--parallel", type=int, default=2)
    p.add_argument("--seed", type=int, default=11)
    args = p.parse_args(argv)
    if shutil.which("strace") is None:
        print("strace がありません（apt-get install -y strace）", file=sys.stderr)
        return 2
    report = run(args.catalog, limit=args.limit, random_moments=args.random, parallel=args.parallel, seed=args.seed)
    report.print()
    return 0 if not report.bad else 1


if __name__ == "__main__":
    sys.exit(main())
