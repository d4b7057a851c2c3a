"""`python -m kpiboard import`: JSON output, exit codes, dry run, and an end-to-end import → evaluate."""
import json
import os
import subprocess
import sys

from kpiboard import store
from kpiboard.store import PACKAGE_ROOT
from test_import_helpers import FIXTURES, csv_bytes, embedded_copy


def cli(*args, data_dir=None):
    env = {**os.environ}
    if data_dir is not None:
        env["KPIBOARD_DATA_DIR"] = str(data_dir)
    return subprocess.run([sys.executable, "-m", "kpiboard", *map(str, args)], cwd=PACKAGE_ROOT, capture_output=True,
                          text=True, env=env, timeout=120)


def test_dry_run_json_prints_values_and_stores_nothing(tmp_path):
    data = embedded_copy(tmp_path)
    before = store.directory_digest(data)
    out = cli("import", FIXTURES / "aoba_plan_wide_cp932.csv", "--dry-run", "--format", "json", data_dir=data)
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert set(doc) == {"kpis", "observations", "warnings", "errors"} and doc["errors"] == []
    visitors = next(o for o in doc["observations"] if o["kpi_name"] == "観光入込客数" and o["value_kind"] == "baseline")
    assert (visitors["entity"], visitors["plan"], visitors["fiscal_year"], visitors["value"], visitors["original_text"]) == \
        ("あおば町", "あおば町総合計画（架空のテストデータ）", 2022, 37378000, "3,737万8千人")
    assert "--dry-run" in out.stderr
    assert store.directory_digest(data) == before


def test_errors_give_a_non_zero_exit_and_located_japanese_messages(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes([["自治体", "計画", "指標名", "基準値", "基準年度"], ["テスト市", "計画", "指標", "たくさん", "R4"]]))
    data = embedded_copy(tmp_path)
    before = store.directory_digest(data)
    out = cli("import", bad, "--format", "json", data_dir=data)
    assert out.returncode == 1
    err = json.loads(out.stdout)["errors"][0]
    assert (err["file"], err["row"], err["column"]) == ("bad.csv", 2, "基準値")
    assert "「たくさん」は数値ではありません" in err["message"]
    assert "何も保存していません" in out.stderr
    assert store.directory_digest(data) == before


def test_import_creates_a_data_directory_and_reimport_changes_nothing(tmp_path):
    target = tmp_path / "new-data"
    out = cli("import", FIXTURES / "sakura_region_long_utf8.csv", FIXTURES / "midori_dx_wide_utf8bom.csv", data_dir=target)
    assert out.returncode == 0, out.stderr
    assert "指標: 新規 11" in out.stdout and "保存しました" in out.stderr
    digest = store.directory_digest(target)
    again = cli("import", FIXTURES / "sakura_region_long_utf8.csv", FIXTURES / "midori_dx_wide_utf8bom.csv",
                "--data-dir", target)
    assert again.returncode == 0 and "変更はありません" in again.stderr
    assert store.directory_digest(target) == digest


# PRODUCT.md's worked checks and the other bands, as a sheet an office would send.
E2E_ROWS = [
    ["自治体", "計画", "項目", "指標名", "単位", "方向", "基準値", "基準年度", "R4目標", "R5目標", "目標値", "目標年度", "R5実績"],
    ["テスト市", "E2E計画", "1", "A 概ね順調", "件", "増加", "100", "2020", "", "", "200", "2025", "150"],
    ["テスト市", "E2E計画", "2", "B やや遅れ", "件", "減少", "40", "2021", "40", "32", "", "", "36"],
    ["テスト市", "E2E計画", "3", "C 達成", "件", "増加", "10", "2020", "", "", "20", "2025", "21"],
    ["テスト市", "E2E計画", "4", "D 現状維持以上", "%", "", "95", "R4", "", "", "現状維持以上", "R7", "94"],
    ["テスト市", "E2E計画", "5", "E 遅れ", "件", "増加", "0", "2020", "", "", "100", "2024", "10"],
    ["テスト市", "E2E計画", "6", "F 実績なし", "件", "増加", "0", "2020", "", "", "100", "2024", "―"],
    ["テスト市", "E2E計画", "7", "G 順調", "件", "上昇", "10", "2020", "", "", "20", "2024", "18"],
    ["テスト市", "E2E計画", "8", "H 順位", "位", "", "全国30位", "2020", "", "", "全国上位", "2025", "12位"],
]


def test_import_then_evaluate_gives_the_statuses_the_rules_predict(tmp_path):
    data = embedded_copy(tmp_path)
    sheet = tmp_path / "e2e.csv"
    sheet.write_bytes(csv_bytes(E2E_ROWS, "cp932"))
    out = cli("import", sheet, "--format", "json", data_dir=data)
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert {k["kpi_name"]: k["direction"] for k in doc["kpis"]}["D 現状維持以上"] == "maintain_min"
    assert {k["kpi_name"]: k["direction"] for k in doc["kpis"]}["H 順位"] == "rank"

    rows = json.loads(cli("evaluate", "--plan", "E2E計画", "--format", "json", data_dir=data).stdout)
    status = {r["kpi_name"]: r["status"] for r in rows}
    assert status == {"A 概ね順調": "概ね順調", "B やや遅れ": "やや遅れ", "C 達成": "達成", "D 現状維持以上": "概ね順調",
                      "E 遅れ": "遅れ", "F 実績なし": "判定不能", "G 順調": "順調", "H 順位": "順調"}
    a = next(r for r in rows if r["kpi_name"] == "A 概ね順調")
    assert (a["expected_value"], round(a["progress_ratio"], 2)) == (160, 0.83)
    d = next(r for r in rows if r["kpi_name"] == "D 現状維持以上")
    assert d["target_value"] == 95  # 現状維持以上 = the baseline
    # the embedded plans are still there and unchanged
    all_rows = json.loads(cli("evaluate", "--format", "json", data_dir=data).stdout)
    assert sum(r["plan"] == "富山県成長戦略" for r in all_rows) == 11
