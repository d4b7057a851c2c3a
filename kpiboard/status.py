"""How statuses look. The rules that decide them live in queries/evaluate.sql; this is display only."""
from __future__ import annotations

# Okabe–Ito colours (colour-blind safe); each status also has a mark and a print pattern.
STATUS_STYLE = {
    "達成": {"color": "#0072B2", "mark": "◎", "pattern": ""},
    "順調": {"color": "#009E73", "mark": "○", "pattern": "/"},
    "概ね順調": {"color": "#56B4E9", "mark": "△", "pattern": "."},
    "やや遅れ": {"color": "#E69F00", "mark": "▲", "pattern": "x"},
    "遅れ": {"color": "#D55E00", "mark": "×", "pattern": "\\"},
    "判定不能": {"color": "#999999", "mark": "－", "pattern": "-"},
    "A": {"color": "#0072B2", "mark": "A", "pattern": ""},
    "B": {"color": "#D55E00", "mark": "B", "pattern": "\\"},
    "N": {"color": "#999999", "mark": "N", "pattern": "-"},
    "F": {"color": "#CC79A7", "mark": "F", "pattern": "."},
}
EXPECTED_STATUSES = ("達成", "順調", "概ね順調", "やや遅れ", "遅れ", "判定不能")
ABNF_STATUSES = ("A", "B", "N", "F")
ABNF_LABELS = {"A": "A（経過期間相応以上）", "B": "B（遅れ）", "N": "N（データなし）", "F": "F（定量目標なし）"}
METHOD_LABELS = {"expected": "期待値方式", "abnf": "A/B/N/F方式（国）"}
# Needing attention first: the worst statuses, then the lowest progress.
ATTENTION_ORDER = {"遅れ": 0, "B": 0, "やや遅れ": 1, "概ね順調": 2, "判定不能": 3, "N": 3, "順調": 4, "達成": 5, "A": 5, "F": 6}


def statuses(method: str) -> tuple[str, ...]:
    return ABNF_STATUSES if method == "abnf" else EXPECTED_STATUSES


def label(status: str | None) -> str:
    if not status:
        return "－ 判定不能"
    style = STATUS_STYLE.get(status)
    return f"{style['mark']} {ABNF_LABELS.get(status, status)}" if style else status


def method_explanation(method: str, bands: tuple[float, float, float] = (1.0, 0.8, 0.5)) -> str:
    if method == "abnf":
        return ("A/B/N/F方式: 達成率（(実績−基準)/(目標−基準)）が計画期間の経過割合以上ならA、未満ならB、"
                "実績がなければN、定量的な目標がなければF。")
    on, mostly, slightly = bands
    return (f"期待値方式: 評価年度の期待値（その年度の目標値、なければ基準値から最終目標値への直線）に対する進捗率 r = "
            f"(実績−基準)/(期待値−基準) で判定。最終目標を満たせば達成、r≥{on:g} 順調、r≥{mostly:g} 概ね順調、"
            f"r≥{slightly:g} やや遅れ、それ未満は遅れ。実績がない・比較対象がない場合は判定不能。")
