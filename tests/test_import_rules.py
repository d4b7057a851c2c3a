"""PRODUCT.md's worked checks typed into a sheet as staff write them, read by the importer and judged by
queries/evaluate.sql in both methods: the notation (32名以上／年, ほぼ100%, no baseline …) must reach the rule."""
from __future__ import annotations

import pytest

from helpers import evaluate
from kpiboard import importer

HEADER = "自治体,計画,計画期間,指標名,方向,基準値,基準年度,目標値,目標年度,R4実績,R5実績,R7実績\n"
ROWS = {
    # name: (row after 自治体,計画,計画期間; evaluation year; 期待値方式; A/B/N/F)
    "直線": ("直線,増加,100,2020年度,200,2025年度,,150,", 2023, "概ね順調", "B"),
    "基準値なし": ("基準値なし,増加,,,10,R8,2,4,", 2023, "順調", "A"),
    "毎年": ("毎年,増加,9,R3,32名以上／年,R8,,20,", 2023, "やや遅れ", "B"),
    "毎年達成": ("毎年達成,増加,9,R3,毎年 32名以上,R8,,33,", 2023, "達成", "A"),
    "ほぼ": ("ほぼ,増加,37.5%【2月1日時点】,R3,ほぼ100%,R7,,,96", 2025, "達成", "A"),
    # 94 < 100 × 0.95: not met; at the target year e = t, r = (94 − 37.5) / (100 − 37.5) = 0.90
    "ほぼ未満": ("ほぼ未満,増加,37.5%【2月1日時点】,R3,ほぼ100%,R7,,,94", 2025, "概ね順調", "B"),
}


def import_sheet(tmp_path, rows: str):
    data = (HEADER + rows).encode("utf-8")
    result = importer.import_files([("進捗.csv", data)], tmp_path / "data", dry_run=False)
    assert not result.errors, [e.message for e in result.errors]
    return result


@pytest.fixture(scope="module")
def judged(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("rules")
    import_sheet(tmp, "".join(f"富山県,点検計画,R4～R8,{row}\n" for row, *_ in ROWS.values()))
    out = {}
    for name, (_, year, *_) in ROWS.items():
        for method in ("expected", "abnf"):
            rows = evaluate(tmp / "data", eval_year=year, method=method)
            out[name, method] = next(r for r in rows.values() if r["kpi_name"] == name)
    return out


@pytest.mark.parametrize("name", ROWS)
def test_worked_checks_through_the_importer(judged, name):
    _, _, expected_status, abnf_status = ROWS[name]
    assert judged[name, "expected"]["status"] == expected_status
    assert judged[name, "abnf"]["status"] == abnf_status


def test_straight_line_values(judged):
    row = judged["直線", "expected"]
    assert row["expected_value"] == pytest.approx(160)
    assert row["progress_ratio"] == pytest.approx(50 / 60)


def test_no_baseline_starts_from_the_earliest_actual(judged):
    row = judged["基準値なし", "expected"]
    assert row["baseline_source"] == "earliest_actual"
    assert (row["baseline_value"], row["baseline_fy"]) == (2, 2022)
    assert row["expected_value"] == pytest.approx(4)


def test_per_year_target_is_one_target_per_fiscal_year(tmp_path):
    result = import_sheet(tmp_path, "富山県,点検計画,R4～R8,毎年,増加,9,R3,32名以上／年,R8,,20,\n")
    targets = sorted((o["fiscal_year"], o["value"], o["unit"]) for o in result.observations if o["value_kind"] == "target")
    assert targets == [(fy, 32.0, "名") for fy in range(2022, 2027)]
    assert result.kpis[0]["unit"] == "名"
    row = next(iter(evaluate(tmp_path / "data", eval_year=2023).values()))
    assert row["expected_value"] == 32 and row["progress_ratio"] == pytest.approx(0.625)


def test_per_year_target_without_a_plan_period_starts_after_the_baseline(tmp_path):
    result = import_sheet(tmp_path, "富山県,点検計画,,伸び率,増加,0.5%,R3,年約2%,R6,,1.5%,\n")
    assert sorted(o["fiscal_year"] for o in result.observations if o["value_kind"] == "target") == [2022, 2023, 2024]


def test_per_year_target_in_its_own_period_and_a_year_written_out_wins(tmp_path):
    sheet = ("自治体,計画,指標名,方向,目標値,目標年度,R5目標\n"
             "富山県,点検計画,件数,増加,約10件／年（R5～R7）,R7,12\n")
    result = importer.import_files([("t.csv", sheet.encode())], tmp_path / "data", dry_run=False)
    assert not result.errors
    targets = sorted((o["fiscal_year"], o["value"]) for o in result.observations if o["value_kind"] == "target")
    assert targets == [(2023, 12.0), (2024, 10.0), (2025, 10.0)]


@pytest.mark.parametrize("cell", ["検討中（R5）", "検討中（見込み）", "―（R6）", "調査中【R7年度末】", "164 見込み（R5）",
                                  "1（累計１）（R4）", "ほぼ100％【R7】", "約1,000万円以上（R4～R7）", "現状維持以上（R7）",
                                  "全国上位（R7）", "年間 500人", "毎年度 5件以上"])
def test_notations_in_combination_are_read_without_error(tmp_path, cell):
    sheet = f"自治体,計画,指標名,方向,基準値,基準年度,目標値,目標年度\n富山県,点検計画,指標,増加,3,R3,\"{cell}\",R8\n"
    result = importer.import_files([("t.csv", sheet.encode())], tmp_path / "data", dry_run=True)
    assert not result.errors, [e.message for e in result.errors]


@pytest.mark.parametrize("year, fiscal_year", [("R5年度中", 2023), ("R7年度末", 2025), ("2026年度まで", 2026)])
def test_years_with_a_word_after_them(tmp_path, year, fiscal_year):
    sheet = f"自治体,計画,指標名,方向,目標値,目標年度\n富山県,点検計画,指標,増加,10,{year}\n"
    result = importer.import_files([("t.csv", sheet.encode())], tmp_path / "data", dry_run=True)
    assert [o["fiscal_year"] for o in result.observations] == [fiscal_year]


@pytest.mark.parametrize("method, status", [("expected", "やや遅れ"), ("abnf", "B")])
def test_worked_check_interim_targets_through_the_importer(tmp_path, method, status):
    # b=40 (2021), targets 2022: 40, 2023: 32, a=36 (2023) → e=32, r=0.5 (A/B/N/F: 達成率 0.5 < elapsed 1.0)
    sheet = ("自治体,計画,指標名,方向,基準値,基準年度,R4目標,R5目標,R5実績\n"
             "富山県,点検計画,待機,減少,40,R3,40,32,36\n")
    result = importer.import_files([("t.csv", sheet.encode())], tmp_path / "data", dry_run=False)
    assert not result.errors
    row = next(iter(evaluate(tmp_path / "data", eval_year=2023, method=method).values()))
    assert row["status"] == status
    assert row["expected_value"] == pytest.approx(32)
