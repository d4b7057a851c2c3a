"""Key-query timings: a thin wrapper of `python -m kpiboard bench` (kpiboard/bench.py) without the pages.

    python scripts/bench.py [--data DIR] [--repeat 3] [--format text|json]

Prints cold/warm times, the raw DuckDB time of the same SQL on the snapshot's Parquet files, their ratio and peak
RSS; not a test (timings depend on the machine). A synthetic dataset: python -m kpiboard synth --out DIR, then
--data DIR.
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kpiboard.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main(["bench", "--pages", "none", *sys.argv[1:]]))
