"""PRODUCT.md's progress rules (queries/evaluate.sql), one behaviour per test."""
import pytest

from helpers import evaluate, make_data_dir


def judge(tmp_path, kpi: dict, plan_start=None, **params) -> dict:
    kpi = {"kpi_id": "k", **kpi}
    return evaluate(make_data_dir(tmp_path, [kpi], plan_start=plan_start), **params)["k"]


def test_worked_check_straight_line(tmp_path):
    row = judge(tmp_path, {"obs": [("baseline", 2020, 100), ("target", 2025, 200), ("actual", 2023, 150)]})
    assert row["expected_value"] == pytest.approx(160)
    assert row["progress_ratio"] == pytest.approx(50 / 60)
    assert row["status"] == "概ね順調"
    assert row["achievement_rate"] == pytest.approx(0.5)


def test_worked_check_interim_target_decrease(tmp_path):
    row = judge(tmp_path, {"direction": "decrease", "obs": [
        ("baseline", 2021, 40), ("target", 2022, 40), ("target", 2023, 32), ("target", 2025, 12), ("actual", 2023, 36)]})
    assert row["expected_value"] == pytest.approx(32)
    assert row["progress_ratio"] == pytest.approx(0.5)
    assert row["status"] == "やや遅れ"


def test_interim_target_overrides_straight_line(tmp_path):
    obs = [("baseline", 2020, 100), ("target", 2025, 200), ("actual", 2023, 120)]
    assert judge(tmp_path / "a", {"obs": obs})["status"] == "遅れ"  # line: e = 160
    row = judge(tmp_path / "b", {"obs": obs + [("target", 2023, 120)]})
    assert row["expected_value"] == pytest.approx(120)
    assert row["status"] == "順調"


@pytest.mark.parametrize("actual,status", [(210, "達成"), (200, "達成"), (199, "順調"), (150, "概ね順調"), (100, "やや遅れ"), (50, "遅れ")])
def test_increase_bands(tmp_path, actual, status):
    # b=0 (2020) → t=200 (2025); at 2024 e = 160.
    row = judge(tmp_path, {"obs": [("baseline", 2020, 0), ("target", 2025, 200), ("actual", 2024, actual)]})
    assert row["status"] == status


def test_decrease(tmp_path):
    obs = [("baseline", 2020, 100), ("target", 2025, 50)]
    assert judge(tmp_path / "a", {"direction": "decrease", "obs": obs + [("actual", 2023, 60)]})["status"] == "順調"
    assert judge(tmp_path / "b", {"direction": "decrease", "obs": obs + [("actual", 2023, 110)]})["status"] == "遅れ"
    assert judge(tmp_path / "c", {"direction": "decrease", "obs": obs + [("actual", 2023, 45)]})["status"] == "達成"


def test_maintain_min_target_below_baseline_is_met(tmp_path):
    # とやま呉西圏域: 23,878 → 23,400 人/日, 現状値 24,432
    row = judge(tmp_path, {"direction": "maintain_min", "obs": [
        ("baseline", 2015, 23878), ("target", 2020, 23400), ("actual", 2019, 24432)]})
    assert row["status"] == "達成"


def test_maintain_min_below_level_uses_ratio(tmp_path):
    row = judge(tmp_path, {"direction": "maintain_min", "obs": [
        ("baseline", 2020, 100), ("target", 2025, 100), ("actual", 2022, 90)]})
    assert row["progress_ratio"] == pytest.approx(0.9)
    assert row["status"] == "概ね順調"


def test_maintain_target_written_as_genjo_iji(tmp_path):
    row = judge(tmp_path, {"direction": "maintain_min", "obs": [
        ("baseline", 2020, 100), ("target", 2025, None, "現状維持・以上"), ("actual", 2022, 101)]})
    assert row["target_value"] == 100
    assert row["status"] == "達成"


def test_maintain_max(tmp_path):
    obs = [("baseline", 2020, 50), ("target", 2025, 50)]
    row = judge(tmp_path / "a", {"direction": "maintain_max", "obs": obs + [("actual", 2022, 55)]})
    assert row["progress_ratio"] == pytest.approx(50 / 55)
    assert row["status"] == "概ね順調"
    assert judge(tmp_path / "b", {"direction": "maintain_max", "obs": obs + [("actual", 2022, 45)]})["status"] == "達成"


@pytest.mark.parametrize("actual,status", [(9, "達成"), (10, "達成"), (11, "順調"), (12, "遅れ"), (13, "遅れ")])
def test_rank_lower_is_better(tmp_path, actual, status):
    # 全国12位 (2020) → 全国上位 = 10位以内 (2026); at 2023 e = 11.
    row = judge(tmp_path, {"direction": "rank", "obs": [
        ("baseline", 2020, 12), ("target", 2026, 10, "以内"), ("actual", 2023, actual)]})
    assert row["expected_value"] == pytest.approx(11)
    assert row["status"] == status


def test_qualitative_without_and_with_recorded_evaluation(tmp_path):
    assert judge(tmp_path / "a", {"direction": "qualitative"})["status"] == "判定不能"
    row = judge(tmp_path / "b", {"direction": "qualitative", "evaluations": [(2023, "順調")]}, eval_year=2024)
    assert row["status"] == "順調"
    assert judge(tmp_path / "c", {"direction": "qualitative"}, method="abnf")["status"] == "F"


def test_missing_baseline_without_earlier_actual_is_not_judged_against_a_far_target(tmp_path):
    # PRODUCT.md: a single interim actual is never measured against a far-off final target
    obs = [("target", 2026, 15), ("actual", 2024, 9)]
    row = judge(tmp_path / "a", {"obs": obs})
    assert row["expected_value"] is None
    assert (row["status"], row["status_reason"]) == ("判定不能", "基準値なし")
    assert row["baseline_source"] is None
    # a target written for the year itself can still be compared: e = 10, r = 9 / 10
    row = judge(tmp_path / "b", {"obs": obs + [("target", 2024, 10)]})
    assert row["status"] == "概ね順調"
    assert row["status_reason"] is None


def test_worked_check_no_baseline_earliest_actual_stands_in(tmp_path):
    # No baseline, t=10 (2026), actuals 2 (2022) and 4 (2023) → b=2 (2022), e(2023)=4, r=1.0 → 順調
    kpi = {"obs": [("target", 2026, 10), ("actual", 2022, 2), ("actual", 2023, 4)]}
    row = judge(tmp_path / "a", kpi)
    assert (row["baseline_value"], row["baseline_fy"], row["baseline_source"]) == (2, 2022, "earliest_actual")
    assert row["expected_value"] == pytest.approx(4)
    assert row["progress_ratio"] == pytest.approx(1.0)
    assert row["status"] == "順調"
    assert row["achievement_rate"] == pytest.approx(2 / 8)
    # 大学発ベンチャー as the audit found it: never 遅れ with 進捗率 40% (4 / 10)
    abnf = judge(tmp_path / "b", kpi, method="abnf")
    assert abnf["status"] == "A"  # 達成率 0.25 ≥ elapsed (2023 − 2022) / (2026 − 2022) = 0.25
    # the first actual has nothing before it to start from
    first = judge(tmp_path / "c", kpi, eval_year=2022)
    assert (first["status"], first["status_reason"]) == ("判定不能", "基準値なし")


def test_stated_baseline_is_marked_stated(tmp_path):
    row = judge(tmp_path, {"obs": [("baseline", 2020, 100), ("target", 2025, 200), ("actual", 2023, 150)]})
    assert row["baseline_source"] == "stated"


@pytest.mark.parametrize("actual,status,ratio", [(20, "やや遅れ", 0.625), (32, "達成", 1.0), (28, "概ね順調", 0.875)])
def test_worked_check_per_year_target(tmp_path, actual, status, ratio):
    # Per-year target 32/年 (2022–2026), a=20 (2023) → r=0.625 → やや遅れ; no line from the baseline
    obs = [("baseline", 2021, 9)] + [("target", y, 32, "以上") for y in range(2022, 2027)] + [("actual", 2023, actual)]
    row = judge(tmp_path, {"per_year_target": True, "obs": obs})
    assert row["expected_value"] == 32
    assert row["progress_ratio"] == pytest.approx(ratio)
    assert row["achievement_rate"] == pytest.approx(ratio)
    assert row["status"] == status


def test_per_year_target_outside_its_years_is_not_judged(tmp_path):
    obs = [("target", y, 32) for y in range(2022, 2027)] + [("actual", 2021, 20)]
    row = judge(tmp_path, {"per_year_target": True, "obs": obs})
    assert (row["status"], row["status_reason"]) == ("判定不能", "この年度の目標値なし")


@pytest.mark.parametrize("actual,tolerance,status", [(96, None, "達成"), (95, None, "達成"), (94, None, "概ね順調"),
                                                     (96, 0.02, "概ね順調"), (98, 0.02, "達成")])
def test_worked_check_almost_target_with_tolerance(tmp_path, actual, tolerance, status):
    # Target ほぼ100% (2025), a=96 (2025) → 達成 (tolerance 0.05)
    obs = [("baseline", 2021, 37.5), ("target", 2025, 100, "ほぼ"), ("actual", 2025, actual)]
    params = {} if tolerance is None else {"almost_tolerance": tolerance}
    row = judge(tmp_path, {"unit": "%", "obs": obs}, **params)
    assert row["status"] == status
    assert row["target_almost"] is True


def test_almost_target_in_abnf(tmp_path):
    obs = [("baseline", 2021, 37.5), ("target", 2025, 100, "ほぼ"), ("actual", 2025, 96)]
    assert judge(tmp_path, {"obs": obs}, method="abnf")["status"] == "A"


def test_eval_years_give_the_expected_path(tmp_path):
    # the interim-target KPI of the audit: 100 (2020), 120 (2023), 200 (2025); the path passes 120 in 2023
    obs = [("baseline", 2020, 100), ("target", 2023, 120), ("target", 2025, 200), ("actual", 2023, 120)]
    d = make_data_dir(tmp_path, [{"kpi_id": "k", "obs": obs}])
    from kpiboard import db
    path = db.run("evaluate", db.connect(d), kpi_id="k", eval_years=list(range(2020, 2026)))
    assert path["eval_fy"].to_list() == list(range(2020, 2026))
    assert path["expected_value"].to_list() == pytest.approx([100, 120, 140, 120, 180, 200])
    assert path.filter(path["eval_fy"] == 2023)["status"].to_list() == ["順調"]


def test_attention_rank_orders_the_furthest_behind_first(tmp_path):
    line = [("baseline", 2020, 0), ("target", 2025, 100)]
    d = make_data_dir(tmp_path, [
        {"kpi_id": "slightly", "obs": line + [("actual", 2024, 50)]},   # e 80, r 0.625
        {"kpi_id": "behind", "obs": line + [("actual", 2024, 30)]},     # r 0.375
        {"kpi_id": "worst", "obs": line + [("actual", 2024, 10)]},      # r 0.125
        {"kpi_id": "fine", "obs": line + [("actual", 2024, 90)]},
    ])
    rows = evaluate(d)
    assert {k: rows[k]["needs_attention"] for k in rows} == {"slightly": True, "behind": True, "worst": True, "fine": False}
    assert (rows["worst"]["attention_rank"], rows["behind"]["attention_rank"], rows["slightly"]["attention_rank"]) == (1, 2, 3)
    assert rows["fine"]["attention_rank"] is None


def test_reasons_in_both_methods(tmp_path):
    assert judge(tmp_path / "a", {"direction": "qualitative"})["status_reason"] == "定性・評価の記録なし"
    assert judge(tmp_path / "b", {"direction": "qualitative"}, method="abnf")["status_reason"] == "定量的な目標なし"
    no_actual = [("baseline", 2020, 100), ("target", 2025, 200)]
    assert judge(tmp_path / "c", {"obs": no_actual})["status_reason"] == "実績なし"
    assert judge(tmp_path / "d", {"obs": no_actual}, method="abnf")["status_reason"] == "実績なし"
    assert judge(tmp_path / "e", {"obs": [("actual", 2023, 5)]})["status_reason"] == "基準値・目標値なし"
    judged = judge(tmp_path / "f", {"obs": no_actual + [("actual", 2023, 150)]})
    assert judged["status_reason"] is None


def test_missing_actual(tmp_path):
    obs = [("baseline", 2020, 100), ("target", 2025, 200)]
    assert judge(tmp_path / "a", {"obs": obs})["status"] == "判定不能"
    assert judge(tmp_path / "b", {"obs": obs}, method="abnf")["status"] == "N"
    # an actual exists, but not for the year asked
    row = judge(tmp_path / "c", {"obs": obs + [("actual", 2022, 150)]}, eval_year=2023)
    assert row["status"] == "判定不能"
    assert row["actual_value"] is None


def test_neither_baseline_nor_target(tmp_path):
    row = judge(tmp_path, {"obs": [("actual", 2023, 5)]})
    assert row["status"] == "判定不能"


@pytest.mark.parametrize("year,actual,expected,status", [
    (2019, 100, 100, "順調"),      # before the baseline year: e = b
    (2020, 95, 100, "概ね順調"),    # at the baseline year: e = b, r = a / e
    (2025, 190, 200, "概ね順調"),   # at the target year: e = t
    (2027, 190, 200, "概ね順調"),   # after the target year: e stays t
    (2027, 200, 200, "達成"),
])
def test_evaluation_year_before_at_after(tmp_path, year, actual, expected, status):
    row = judge(tmp_path, {"obs": [("baseline", 2020, 100), ("target", 2025, 200), ("actual", year, actual)]})
    assert row["eval_fy"] == year
    assert row["expected_value"] == pytest.approx(expected)
    assert row["status"] == status


def test_cumulative_kpi_is_judged_on_running_totals(tmp_path):
    # 遠隔医療: 1（累計1） → 4（累計16）; 3（累計8） in 2023
    obs = [("baseline", 2021, 1, "累計", 1), ("target", 2025, 4, "累計", 16), ("actual", 2023, 3, "累計", 8)]
    row = judge(tmp_path / "a", {"cumulative": True, "obs": obs})
    assert row["actual_value"] == 8
    assert row["expected_value"] == pytest.approx(8.5)
    assert row["status"] == "概ね順調"
    flow = judge(tmp_path / "b", {"cumulative": False, "obs": obs})
    assert flow["actual_value"] == 3


def test_default_year_is_latest_actual(tmp_path):
    row = judge(tmp_path, {"obs": [("baseline", 2020, 0), ("target", 2025, 100), ("actual", 2021, 10), ("actual", 2023, 70)]})
    assert row["eval_fy"] == 2023
    assert row["actual_value"] == 70


def test_abnf_compares_achievement_with_elapsed_share(tmp_path):
    obs = [("baseline", 2020, 100), ("target", 2025, 200)]
    behind = judge(tmp_path / "a", {"obs": obs + [("actual", 2023, 150)]}, method="abnf")
    assert behind["status"] == "B"  # 達成率 0.5 < elapsed 0.6
    ahead = judge(tmp_path / "b", {"obs": obs + [("actual", 2023, 170)]}, method="abnf")
    assert ahead["status"] == "A"  # 0.7 ≥ 0.6
    assert judge(tmp_path / "c", {"obs": [("baseline", 2020, 1), ("actual", 2023, 2)]}, method="abnf")["status"] == "F"


def test_bands_are_settings(tmp_path):
    d = make_data_dir(tmp_path, [{"kpi_id": "k", "obs": [("baseline", 2020, 100), ("target", 2025, 200), ("actual", 2023, 150)]}])
    assert evaluate(d)["k"]["status"] == "概ね順調"
    assert evaluate(d, band_mostly=0.9)["k"]["status"] == "やや遅れ"


def test_negative_values_increase(tmp_path):
    # 牛枝肉価格の差額: -198 → -110 (higher is better)
    row = judge(tmp_path, {"obs": [("baseline", 2021, -198), ("target", 2025, -110), ("actual", 2023, -150)]})
    assert row["expected_value"] == pytest.approx(-154)
    assert row["status"] == "順調"
