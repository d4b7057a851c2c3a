"""Two imports into one store at the same moment: is anything lost?

    python scripts/concurrent_imports.py [--pairs 20] [--parallel 4] [--catalog local|postgres] [--root DIR]

--catalog postgres starts a throwaway PostgreSQL cluster (scripts/pg_cluster.py) and gives each pair a catalog
database of its own with a shared data path, as a team server has.

For each pair: a fresh copy of the embedded data, two CSV files that add different KPIs (with different
values) to one new plan, and two `python -m kpiboard import` processes started together, each with its own
TMPDIR (as two staff's sessions would have). Afterwards every value of both files must be in the directory.
Prints the figures; exit status 0 only if nothing was lost and every import exited 0.
--root runs another checkout's kpiboard (e.g. `git archive HEAD~1 | tar -x -C /tmp/old`) to compare.
"""
from __future__ import annotations

import argparse
import csv
import io
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
HEADER = ["自治体", "計画", "分野", "項目", "指標名", "単位", "方向", "基準値", "基準年度", "目標値", "目標年度",
          "2023実績", "2024実績"]
PLAN = "並行取込テスト計画（架空）"
KPIS_PER_FILE = 6


def sheet(side: str) -> tuple[bytes, dict[str, set]]:
    """A wide CSV for one side ('A' or 'B') and the values it must leave: KPI name → {(kind, fy, value)}."""
    rows, expected = [HEADER], {}
    offset = 0 if side == "A" else 1000
    for i in range(1, KPIS_PER_FILE + 1):
        name = f"並行取込{side}{i}"
        base, target, a23, a24 = offset + i, offset + 10 * i, offset + 2 * i, offset + 3 * i
        rows.append(["富山県", PLAN, f"分野{side}", f"{side}-{i}", name, "件", "増加", base, "R4", target, "R8", a23, a24])
        expected[name] = {("baseline", 2022, float(base)), ("target", 2026, float(target)),
                          ("actual", 2023, float(a23)), ("actual", 2024, float(a24))}
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue().encode("utf-8"), expected


def stored_values(directory: Path) -> dict[str, set]:
    from kpiboard import store

    kpis = store.read_table(directory, "kpis").select("kpi_id", "kpi_name")
    obs = store.read_table(directory, "observations").select("kpi_id", "value_kind", "fiscal_year", "value")
    found: dict[str, set] = {}
    for r in obs.join(kpis, on="kpi_id").iter_rows(named=True):
        found.setdefault(r["kpi_name"], set()).add((r["value_kind"], r["fiscal_year"], r["value"]))
    return found


@dataclass
class PairResult:
    lost_values: int
    exit_codes: tuple[int, int]
    seconds: float
    stderr: str


_counter = iter(range(1, 10**9))


def run_pair(work: Path, root: Path, python: str = sys.executable, cluster=None) -> PairResult:
    from kpiboard import store

    data = work / "data"
    team = {}
    if cluster is None:
        store.copy_data_dir(ROOT / "data", data)
    else:
        team = {"KPIBOARD_CATALOG": cluster.catalog(cluster.create_database(f"pair_{os.getpid()}_{next(_counter)}")),
                "KPIBOARD_DATA_PATH": str(work / "shared") + "/", "KPIBOARD_DATA_DIR": str(data)}
        saved = {k: os.environ.get(k) for k in team}
        os.environ.update(team)
        try:
            store.write_tables(data, store.read_tables(ROOT / "data"), author="seed")
        finally:
            for k, v in saved.items():
                os.environ.pop(k) if v is None else os.environ.__setitem__(k, v)
    procs, expected = [], {}
    for side in ("A", "B"):
        content, values = sheet(side)
        expected.update(values)
        path = work / f"{side}.csv"
        path.write_bytes(content)
        tmp = work / f"tmp-{side}"
        tmp.mkdir()
        env = {**os.environ, "TMPDIR": str(tmp), "PYTHONPATH": str(root), **team}
        if not team:
            for k in ("KPIBOARD_DATA_DIR", "KPIBOARD_CATALOG", "KPIBOARD_DATA_PATH"):
                env.pop(k, None)
        procs.append(subprocess.Popen([python, "-m", "kpiboard", "import", str(path), "--data-dir", str(data),
                                       "--user", side], cwd=root, env=env, stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE))
    start = time.monotonic()
    outs = [p.communicate(timeout=180) for p in procs]
    seconds = time.monotonic() - start
    saved = {k: os.environ.get(k) for k in team}
    os.environ.update(team)
    try:
        found = stored_values(data)
    finally:
        for k, v in saved.items():
            os.environ.pop(k) if v is None else os.environ.__setitem__(k, v)
    lost = sum(len(values - found.get(name, set())) for name, values in expected.items())
    return PairResult(lost, tuple(p.returncode for p in procs), seconds,
                      "\n".join(o[1].decode(errors="replace") for o in outs))


def run_pairs(pairs: int = 20, parallel: int = 4, root: Path = ROOT, cluster=None) -> list[PairResult]:
    """Pairs run one after another when they share the process's environment (a team catalog)."""
    with tempfile.TemporaryDirectory(prefix="kpiboard-pairs-") as tmp:
        with ThreadPoolExecutor(max_workers=max(1, parallel if cluster is None else 1)) as pool:
            return list(pool.map(lambda i: run_pair(Path(tmp) / f"pair{i}", Path(root), cluster=cluster),
                                 range(pairs)))


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--pairs", type=int, default=20)
    p.add_argument("--parallel", type=int, default=4, help="pairs run at once (each pair has its own directory)")
    p.add_argument("--root", default=str(ROOT), help="the checkout whose kpiboard runs the imports")
    p.add_argument("--catalog", choices=["local", "postgres"], default="local")
    args = p.parse_args(argv)
    start = time.monotonic()
    if args.catalog == "postgres":
        sys.path.insert(0, str(ROOT / "scripts"))
        import pg_cluster

        with pg_cluster.throwaway() as cluster:
            results = run_pairs(min(args.pairs, 200), args.parallel, Path(args.root), cluster)
    else:
        results = run_pairs(min(args.pairs, 200), args.parallel, Path(args.root))
    lossy = [r for r in results if r.lost_values]
    failed = [r for r in results if r.exit_codes != (0, 0)]
    total = len(results) * 2 * KPIS_PER_FILE * 4
    print(f"pairs {len(results)} ({args.root}, {args.catalog} catalog), {time.monotonic() - start:.1f} s")
    print(f"pairs that lost values: {len(lossy)} / {len(results)}; values lost {sum(r.lost_values for r in results)}"
          f" / {total}")
    print(f"pairs with a non-zero exit: {len(failed)}; exit codes {sorted({r.exit_codes for r in results})}")
    print(f"pair wall time: median {sorted(r.seconds for r in results)[len(results) // 2]:.2f} s, "
          f"max {max(r.seconds for r in results):.2f} s")
    for r in failed[:3]:
        print("stderr:", r.stderr[-800:])
    return 0 if not lossy and not failed else 1


if __name__ == "__main__":
    sys.exit(main())
