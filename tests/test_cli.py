"""python -m kpiboard: evaluate, build --check, synth."""
import csv
import io
import json
import os
import subprocess
import sys

from kpiboard.cli import EVALUATE_COLUMNS
from kpiboard.store import PACKAGE_ROOT


def cli(*args, env=None):
    return subprocess.run([sys.executable, "-m", "kpiboard", *args], cwd=PACKAGE_ROOT, capture_output=True,
                          text=True, env={**os.environ, **(env or {})}, timeout=120)


def test_evaluate_csv_has_the_columns_and_japanese_statuses():
    out = cli("evaluate")
    assert out.returncode == 0, out.stderr
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert list(rows[0]) == EVALUATE_COLUMNS
    assert {r["status"] for r in rows} <= {"達成", "順調", "概ね順調", "やや遅れ", "遅れ", "判定不能"}
    kumamoto = next(r for r in rows if r["kpi_name"].startswith("圏域内の創業者数"))
    assert (kumamoto["actual_value"], kumamoto["target_value"], kumamoto["status"]) == ("1084.0", "1000.0", "達成")


def test_evaluate_json_filters_and_abnf():
    out = cli("evaluate", "--plan", "富山県成長戦略", "--method", "abnf", "--format", "json")
    rows = json.loads(out.stdout)
    assert len(rows) == 11 and {r["plan"] for r in rows} == {"富山県成長戦略"}
    assert {r["status"] for r in rows} <= {"A", "B", "N", "F"}
    assert sum(r["status"] == "F" for r in rows) == 3


def test_evaluate_year_without_actual_is_hantei_funou():
    rows = json.loads(cli("evaluate", "--entity", "熊本連携中枢都市圏", "--year", "2017", "--format", "json").stdout)
    assert rows[0]["eval_fy"] == 2017 and rows[0]["status"] == "判定不能"


def test_unknown_entity_is_a_japanese_error():
    out = cli("evaluate", "--entity", "存在しない県")
    assert out.returncode == 1 and "存在しない県" in out.stderr


def test_build_check_passes_on_the_sources():
    out = cli("build", "--check")
    assert out.returncode == 0, out.stderr


def test_synth_writes_a_marked_synthetic_dataset(tmp_path):
    out = cli("synth", "--out", str(tmp_path), "--prefectures", "3", "--municipalities", "5", "--kpis-per-entity", "4",
              "--years", "2018-2026")
    assert out.returncode == 0, out.stderr
    rows = json.loads(cli("evaluate", "--format", "json", env={"KPIBOARD_DATA_DIR": str(tmp_path)}).stdout)
    assert len(rows) == 8 * 4
    assert all("合成" in r["source"] for r in rows)
    from kpiboard import store
    for table in ("entities", "plans", "kpis", "dataset"):
        assert store.read_table(tmp_path, table)["synthetic"].all()


def test_year_in_era_notation_and_a_bad_year():
    rows = json.loads(cli("evaluate", "--plan", "富山県成長戦略", "--year", "R6", "--format", "json").stdout)
    assert {r["eval_fy"] for r in rows} == {2024}
    out = cli("evaluate", "--year", "来年度")
    assert out.returncode == 2 and "年度「来年度」を読み取れません" in out.stderr


def test_unknown_plan_lists_the_plans():
    out = cli("evaluate", "--plan", "存在しない計画")
    assert out.returncode == 1 and "計画の一覧" in out.stderr and "富山県成長戦略" in out.stderr


def test_missing_data_directory_is_a_japanese_error(tmp_path):
    out = cli("evaluate", env={"KPIBOARD_DATA_DIR": str(tmp_path / "none")})
    assert out.returncode == 1 and "KPIBOARD_DATA_DIR" in out.stderr


def test_evaluate_csv_neutralises_formulas_like_the_exports(tmp_path):
    """A KPI name typed as =HYPERLINK(…) must not run when the CSV is opened in Excel; numbers stay numbers."""
    from helpers import make_data_dir

    from kpiboard import tabular

    formula = '=HYPERLINK("http://example.invalid","クリック")'
    make_data_dir(tmp_path, [
        {"kpi_id": "k1", "kpi_name": formula, "obs": [("baseline", 2020, -198.0), ("target", 2026, 0.0),
                                                       ("actual", 2023, -50.0)]},
        {"kpi_id": "k2", "kpi_name": "@SUM(A1)", "unit": "+件", "obs": [("actual", 2023, 1.0)]},
    ])
    env = {"KPIBOARD_DATA_DIR": str(tmp_path)}
    out = subprocess.run([sys.executable, "-m", "kpiboard", "evaluate"], cwd=PACKAGE_ROOT, capture_output=True,
                         env={**os.environ, **env}, timeout=120)
    assert out.returncode == 0, out.stderr.decode()
    assert not out.stdout.startswith(b"\xef\xbb\xbf")  # stdout: no BOM unless asked
    rows = {r["kpi_id"]: r for r in csv.DictReader(io.StringIO(out.stdout.decode("utf-8"), newline=""))}
    assert rows["k1"]["kpi_name"] == "'" + formula
    assert (rows["k2"]["kpi_name"], rows["k2"]["unit"]) == ("'@SUM(A1)", "'+件")
    assert (rows["k1"]["baseline_value"], rows["k1"]["actual_value"]) == ("-198.0", "-50.0")  # not text
    assert not any(v.startswith(tabular.FORMULA_PREFIXES) and not v.lstrip("-").replace(".", "").isdigit()
                   for r in rows.values() for v in r.values())
    # The bytes are the export's CSV (tabular.to_csv_bytes), less the BOM; --bom keeps it for Excel.
    bom = subprocess.run([sys.executable, "-m", "kpiboard", "evaluate", "--bom"], cwd=PACKAGE_ROOT,
                         capture_output=True, env={**os.environ, **env}, timeout=120).stdout
    assert bom == b"\xef\xbb\xbf" + out.stdout and b"\r\n" in out.stdout
    # JSON is data, not a spreadsheet: the text is as typed.
    rows_json = json.loads(cli("evaluate", "--format", "json", env=env).stdout)
    assert formula in {r["kpi_name"] for r in rows_json}
