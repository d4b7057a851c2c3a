"""Benchmark: how long the rules take on the embedded data and on a full-size synthetic dataset.

Prints figures; it is not a test (timings depend on the machine). Run: python scripts/bench.py
"""
from __future__ import annotations

import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kpiboard import db, store  # noqa: E402
from kpiboard.synth import SynthSpec, write_synthetic  # noqa: E402


def timed(label: str, fn, repeat: int = 5):
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        runs.append(time.perf_counter() - start)
    runs.sort()
    print(f"{label:<58} median {runs[len(runs) // 2] * 1000:8.1f} ms   best {runs[0] * 1000:8.1f} ms")
    return result


def bench_dir(name: str, directory: Path) -> None:
    con = db.connect(directory)
    kpis = db.run("evaluate", con).height
    print(f"\n== {name}: {kpis:,} KPIs, {directory}")
    timed("evaluate (all KPIs, latest actual)", lambda: db.run("evaluate", con))
    timed("evaluate (all KPIs, A/B/N/F)", lambda: db.run("evaluate", con, method="abnf"))
    plan = db.run("plans_list", con).row(0, named=True)["plan_id"]
    timed("evaluate (one plan)", lambda: db.run("evaluate", con, plan=plan))
    timed("evaluate (fixed year 2023)", lambda: db.run("evaluate", con, eval_year=2023))


def main() -> None:
    bench_dir("embedded", store.EMBEDDED_DATA_DIR)
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        counts = write_synthetic(Path(tmp), SynthSpec())
        print(f"\nsynth (47 prefectures + 1,741 municipalities × 10 KPIs): {time.perf_counter() - start:.1f} s, "
              f"{counts['observations']:,} observations, "
              f"{sum(p.stat().st_size for p in Path(tmp).rglob('*.parquet')) / 1e6:.1f} MB Parquet")
        bench_dir("synthetic national", Path(tmp))
    print(f"\npeak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
