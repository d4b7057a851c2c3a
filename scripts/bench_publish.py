"""Time, bytes and peak RSS of the open data package (`python -m kpiboard publish`), written in a child process.

    python scripts/bench_publish.py [--data DIR] [--out-dir DIR] [--keep]

The child publishes --data (default: the embedded data; it is only read) into a new folder under --out-dir (default:
the temporary directory; the national package is about 42 GB) and reports each table as it is written: rows, the
CSV's and JSON's bytes, the seconds since the previous table (the first includes finding the tables, checking their
order and describing them) and its peak RSS so far (ru_maxrss). The folder is removed afterwards unless --keep.
Figures only: nothing is asserted.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kpiboard import publish, store  # noqa: E402  (nothing attached here: the child's DuckDB is its own)


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _sizes(out: Path, table: str) -> tuple[int, int]:
    """The table's CSV and JSON bytes, in the package's temporary folder (or the package, once it is in place)."""
    for folder in [*out.parent.glob(f".{out.name}.*.tmp"), out]:
        csv, js = folder / f"{table}.csv", folder / f"{table}.json"
        if csv.exists():
            return csv.stat().st_size, js.stat().st_size if js.exists() else 0
    return 0, 0


def run(data: Path, out: Path, pipe) -> None:
    """publish in this process, a JSON line into `pipe` per table and one at the end."""
    started = last = time.perf_counter()

    def progress(share: float, message: str) -> None:
        nonlocal last
        now = time.perf_counter()
        table, rows = message.split(": ", 1)
        csv, js = _sizes(out, table)
        pipe.write(json.dumps({"table": table, "rows": int(rows.split()[0]), "csv": csv, "json": js,
                               "s": now - last, "share": share, "rss_mb": _rss_mb()}) + "\n")
        pipe.flush()
        last = now

    done = publish.publish(out, data, progress=progress)
    total = sum(p.stat().st_size for p in done["path"].iterdir())
    pipe.write(json.dumps({"done": True, "s": time.perf_counter() - started, "bytes": total,
                           "descriptor": (done["path"] / "datapackage.json").stat().st_size,
                           "rss_mb": _rss_mb()}) + "\n")


def in_child(data: Path, out: Path):
    """Run `run` in a forked child; yields its reports as they come, then {"exit": status, "peak_rss_mb": …}."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        with os.fdopen(write, "w") as pipe:
            try:
                run(data, out, pipe)
            except BaseException as e:  # noqa: BLE001 - reported, not raised
                pipe.write(json.dumps({"failed": repr(e)}) + "\n")
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        for line in pipe:
            yield json.loads(line)
    _, status = os.waitpid(pid, 0)
    yield {"exit": status, "peak_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=store.EMBEDDED_DATA_DIR, help="the store to publish (only read)")
    ap.add_argument("--out-dir", type=Path, default=Path(tempfile.gettempdir()), help="where the package is written")
    ap.add_argument("--keep", action="store_true", help="keep the package (its folder is printed)")
    args = ap.parse_args(argv)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="kpiboard-bench-publish-", dir=args.out_dir))
    out = folder / publish.PACKAGE_NAME
    print(f"data {args.data.resolve()} → {out}", flush=True)
    print(f"{'table':<22}{'rows':>12}{'CSV MB':>11}{'JSON MB':>11}{'s':>8}{'rows/s':>12}{'RSS MB':>9}", flush=True)
    rows = failed = 0
    try:
        for report in in_child(args.data.resolve(), out):
            if "table" in report:
                rows += report["rows"]
                rate = report["rows"] / report["s"] if report["s"] else 0
                print(f"{report['table']:<22}{report['rows']:>12,}{report['csv'] / 1e6:>11,.2f}"
                      f"{report['json'] / 1e6:>11,.2f}{report['s']:>8.1f}{rate:>12,.0f}{report['rss_mb']:>9,.0f}",
                      flush=True)
            elif "done" in report:
                print(f"{'total':<22}{rows:>12,}  {report['bytes'] / 1e6:,.1f} MB written "
                      f"(datapackage.json {report['descriptor'] / 1e3:,.1f} kB) in {report['s']:.1f} s, "
                      f"{rows / report['s']:,.0f} rows/s", flush=True)
            elif "failed" in report:
                failed = 1
                print(f"failed: {report['failed']}", flush=True)
            elif "exit" in report:
                failed = failed or int(report["exit"] != 0)
                print(f"peak RSS of the child: {report['peak_rss_mb']:,.0f} MB", flush=True)
    finally:
        if args.keep and not failed:
            print(f"kept: {out}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    return failed


if __name__ == "__main__":
    sys.exit(main())
