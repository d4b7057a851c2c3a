"""Time, size and peak RSS of the データ page's streamed downloads (kpiboard/downloads.py), written to /dev/null.

    python scripts/bench_download.py [--data DIR] [--kinds kpis,observations] [--plan PLAN_ID] [--max-mb 2000]

Without --plan: every row of every plan (at national scale the observations are 64 million rows; --max-mb stops
a CSV after that many megabytes and says so). Figures only: nothing is asserted.
"""
from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kpiboard import downloads, store  # noqa: E402

JUDGING = {"method": "expected", "band_on_track": None, "band_mostly": None, "band_slightly": None}
FILTERS = ("entity", "plan", "area", "text", "value_kinds", "fy_from", "fy_to")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=store.EMBEDDED_DATA_DIR)
    ap.add_argument("--kinds", default="kpis,observations")
    ap.add_argument("--plan")
    ap.add_argument("--max-mb", type=float, default=2000.0)
    args = ap.parse_args(argv)
    version = store.data_version(args.data)
    print(f"{'kind':<14}{'rows':>12}{'MB':>10}{'s':>9}{'rows/s':>11}{'peak RSS MB':>13}  note")
    for kind in args.kinds.split(","):
        filters = dict.fromkeys(FILTERS) | {"plan": args.plan}
        ticket = downloads.Ticket(kind, str(args.data), version, filters, JUDGING, False, f"{kind}.csv")
        started, size, lines, note = time.perf_counter(), 0, 0, ""
        for chunk in downloads.csv_chunks(ticket):
            size += len(chunk)
            lines += chunk.count(b"\r\n")
            if size > args.max_mb * 1e6:
                note = f"stopped after {args.max_mb:,.0f} MB"
                break
        seconds = time.perf_counter() - started
        rows = max(lines - 1, 0)  # less the header (a value with a line break inside is rare)
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"{kind:<14}{rows:>12,}{size / 1e6:>10,.1f}{seconds:>9.1f}{rows / seconds if seconds else 0:>11,.0f}"
              f"{rss:>13,.0f}  {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
