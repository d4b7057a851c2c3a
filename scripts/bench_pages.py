"""Page timings (AppTest): a thin wrapper of `python -m kpiboard bench` (kpiboard/bench.py) without the queries.

    python scripts/bench_pages.py [--data DIR] [--repeat 3] [--pages overview,compare] [--format text|json]

Every page registered in app.py, each in a fresh process: app.py's first run, the page's first run with empty
caches (cold) and the median of the reruns (warm: what each click costs). Not a test — speed is measured here,
never asserted. A synthetic dataset: python -m kpiboard synth --out DIR, then --data DIR.
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kpiboard.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main(["bench", "--queries", "none", *sys.argv[1:]]))
