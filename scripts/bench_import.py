"""Time and peak RSS of importing the fuzz corpus's 100,000-row sheet (CSV and .xlsx), each in a child process.

    python scripts/bench_import.py                 # 100,000 rows, csv and xlsx
    python scripts/bench_import.py --rows 20000 --formats csv
    python scripts/bench_import.py --rows 2000 --formats csv --data /path/to/national   # into a copy of that data

Phases: the preview (`import_files(dry_run=True, keep_plan=True)`, what the import page runs) and the commit
(`commit(preview, ...)`, which judges again the plans it touched) on a temporary copy of the embedded data
directory (or of --data). RSS is the child's peak so far
(ru_maxrss), so the commit's figure includes the preview's. Figures only: nothing is asserted.
"""
from __future__ import annotations

import argparse
import csv
import io
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kpiboard import importer, store  # noqa: E402
from scripts.fuzz_import import hundred_k_rows, xlsx_of  # noqa: E402


def sample(rows: int, fmt: str) -> tuple[str, bytes]:
    """The sheet as bytes, cached under the temporary directory (building a 100k-row .xlsx takes a while)."""
    cache = Path(tempfile.gettempdir()) / f"kpiboard-bench-{rows}.{fmt}"
    if not cache.exists():
        data = hundred_k_rows(rows)
        if fmt == "xlsx":
            data = xlsx_of(list(csv.reader(io.StringIO(data.decode("utf-8")))))
        cache.write_bytes(data)
    return f"rows{rows}.{fmt}", cache.read_bytes()


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(name: str, data: bytes, source: Path = store.EMBEDDED_DATA_DIR) -> dict:
    """Preview then commit in this process: seconds (wall and CPU) and peak RSS after each."""
    with tempfile.TemporaryDirectory(prefix="kpiboard-bench-", dir=source.parent) as tmp:
        directory = Path(tmp) / "data"
        store.copy_data_dir(source, directory)
        out = {"start_rss_mb": _rss_mb()}
        wall, cpu = time.perf_counter(), time.process_time()
        preview = importer.import_files([(name, data)], directory, dry_run=True, keep_plan=True, user="bench")
        out["preview"] = {"s": time.perf_counter() - wall, "cpu_s": time.process_time() - cpu, "rss_mb": _rss_mb(),
                          "errors": len(preview.errors), "values": len(preview.observations)}
        wall, cpu = time.perf_counter(), time.process_time()
        result = importer.commit(preview, [(name, data)], directory, user="bench")
        out["commit"] = {"s": time.perf_counter() - wall, "cpu_s": time.process_time() - cpu, "rss_mb": _rss_mb(),
                         "errors": len(result.errors), "written": result.written}
    return out


def in_child(name: str, data: bytes, source: Path) -> dict:
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        try:
            out = run(name, data, source)
        except BaseException as e:  # noqa: BLE001 - reported, not raised
            out = {"failed": repr(e)}
        with os.fdopen(write, "w") as pipe:
            json.dump(out, pipe)
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        text = pipe.read()
    os.waitpid(pid, 0)
    return json.loads(text) if text else {"failed": "child died"}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, nargs="+", default=[100_000])
    ap.add_argument("--formats", default="csv,xlsx")
    ap.add_argument("--data", type=Path, default=store.EMBEDDED_DATA_DIR, help="the data imported into (a copy of it)")
    args = ap.parse_args(argv)
    print(f"{'rows':>8} {'fmt':<5}{'phase':<9}{'wall s':>8}{'cpu s':>8}{'peak RSS MB':>13}  notes")
    for rows in args.rows:
        for fmt in args.formats.split(","):
            name, data = sample(rows, fmt)
            out = in_child(name, data, args.data.resolve())
            if "failed" in out:
                print(f"{rows:>8} {fmt:<5}failed: {out['failed']}")
                continue
            for phase in ("preview", "commit"):
                p = out[phase]
                notes = f"errors {p['errors']}" + (f", values {p['values']}" if "values" in p else
                                                   f", written {p['written']}")
                print(f"{rows:>8} {fmt:<5}{phase:<9}{p['s']:>8.2f}{p['cpu_s']:>8.2f}{p['rss_mb']:>13.0f}  {notes}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
