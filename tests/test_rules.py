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


def test_missing_baseline_compares_with_next_target(tmp_path):
    obs = [("target", 2026, 15), ("actual", 2024, 9)]
    row = judge(tmp_path / "a", {"obs": obs})
    assert row["expected_value"] == 15
    assert row["status"] == "やや遅れ"  # 9 / 15 = 0.6
    row = judge(tmp_path / "b", {"obs": obs + [("target", 2024, 10)]})
    assert row["status"] == "概ね順調"  # 9 / 10


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
