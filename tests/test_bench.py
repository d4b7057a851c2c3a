"""`python -m kpiboard bench` (issue #12) prints every figure it promises. Speed is measured there, never
asserted here: no timing thresholds, only that each figure is there and is a positive number."""
import json
import os
import subprocess
import sys

from kpiboard import bench
from kpiboard.store import PACKAGE_ROOT


def test_bench_json_on_the_embedded_data_has_every_figure():
    env = {k: v for k, v in os.environ.items() if k not in ("KPIBOARD_DATA_DIR", "KPIBOARD_CATALOG")}
    done = subprocess.run([sys.executable, "-m", "kpiboard", "bench", "--pages", "overview", "--repeat", "1",
                           "--format", "json"], cwd=PACKAGE_ROOT, capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["data"] == str(PACKAGE_ROOT / "data")
    assert "read_parquet" in result["baseline"]

    assert [q["key"] for q in result["queries"]] == [key for key, _, _ in bench.KEY_QUERIES]
    for q in result["queries"]:
        for figure in ("open_s", "cold_s", "warm_s", "raw_cold_s", "raw_warm_s", "ratio", "cold_ratio", "rss_mb"):
            assert isinstance(q[figure], (int, float)) and q[figure] > 0, (q["key"], figure, q[figure])
        assert q["rows"] >= 0
    # the parameters come from the data: one plan, one KPI, one shared indicator
    by_key = {q["key"]: q for q in result["queries"]}
    assert by_key["evaluate_plan"]["params"]["plan"] and by_key["kpi_observations"]["params"]["kpi_id"]
    assert by_key["evaluate_plan"]["rows"] < by_key["evaluate_all"]["rows"]
    assert by_key["indicator_series"]["params"]["indicator_id"]
    # raw reads the Parquet data files themselves (the big tables are in files, not inlined in the catalog)
    assert by_key["evaluate_all"]["raw_tables"]["observations"].startswith("parquet")

    assert [p["page"] for p in result["pages"]] == ["pages/overview.py"]
    page = result["pages"][0]
    assert page["error"] == ""
    for figure in ("start_s", "cold_s", "warm_s", "queries_s", "rss_mb"):
        assert isinstance(page[figure], (int, float)) and page[figure] > 0, (figure, page[figure])
    for section in ("rss_after_queries", "rss_after_pages", "rss"):
        assert result[section]["self_mb"] > 0 and result[section]["children_mb"] > 0


def test_pages_are_read_from_app_py():
    assert bench.page_files()[0] == "pages/overview.py"
    assert "pages/compare.py" in bench.page_files()
