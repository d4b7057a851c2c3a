"""How long each page takes to run, on the embedded data and on a full-size synthetic dataset.

    python scripts/bench_pages.py [--synthetic DIR] [--repeat 3] [--pages overview,compare]

Runs every page registered in app.py with Streamlit's AppTest (the script run only, no browser):
the first run (cold caches) and the best of the following runs (warm caches: what a user feels on
each click). The synthetic dataset (47 prefectures + 1,741 municipalities × 10 KPIs) is generated into
DIR unless it is there already. Prints a table; not a test — speed is measured here, never asserted.
"""
from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kpiboard import store  # noqa: E402


def pages() -> list[str]:
    return re.findall(r'st\.Page\("(pages/[^"]+\.py)"', (ROOT / "app.py").read_text(encoding="utf-8"))


def time_page(page: str, repeat: int) -> tuple[float, float, str]:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    at.run()
    at.switch_page(page)
    import streamlit as st

    st.cache_data.clear()  # the first run above filled the caches for the default page
    start = time.perf_counter()
    at.run()
    cold = time.perf_counter() - start
    warm = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        at.run()
        warm = min(warm, time.perf_counter() - start)
    error = at.exception[0].message[:60] if at.exception else ""
    return cold, warm, error


def bench(label: str, data_dir: Path | None, selected: list[str], repeat: int) -> None:
    if data_dir:
        os.environ["KPIBOARD_DATA_DIR"] = str(data_dir)
    else:
        os.environ.pop("KPIBOARD_DATA_DIR", None)
    # Caches are per process and keyed on the data directory, so each dataset starts cold.
    print(f"\n{label}")
    print(f"{'page':<24}{'cold (s)':>10}{'warm (s)':>10}  note")
    for page in selected:
        cold, warm, error = time_page(page, repeat)
        print(f"{page:<24}{cold:>10.2f}{warm:>10.2f}  {('例外: ' + error) if error else ''}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="ページごとの実行時間（AppTest）")
    parser.add_argument("--synthetic", help="全国規模の合成データの置き場所（なければ生成）")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--pages", help="pages/xxx.py の xxx をカンマ区切り（既定: 全ページ）")
    args = parser.parse_args(argv)
    selected = [p for p in pages() if not args.pages or Path(p).stem in args.pages.split(",")]

    import logging
    logging.getLogger("streamlit").setLevel(logging.ERROR)
    bench("埋め込みデータ", None, selected, args.repeat)

    synth = Path(args.synthetic) if args.synthetic else Path(tempfile.gettempdir()) / "kpiboard-bench-synth"
    if not store.exists(synth):
        from kpiboard.synth import SynthSpec, write_synthetic

        start = time.perf_counter()
        write_synthetic(synth, SynthSpec())
        print(f"\n合成データを生成しました: {synth}（{time.perf_counter() - start:.1f} 秒）")
    bench(f"合成データ（47都道府県 + 1,741市区町村 × 10 KPI）: {synth}", synth, selected, args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
