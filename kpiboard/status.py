"""How statuses look. The rules that decide them live in queries/evaluate.sql; this is display only."""
from __future__ import annotations

import polars as pl

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


LABELS = {s: label(s) for s in STATUS_STYLE}


def label_expr(column: str = "status") -> pl.Expr:
    """`label` for a whole column (vectorised: no Python callbacks inside Polars)."""
    col = pl.col(column)
    return col.replace_strict(LABELS, default=col, return_dtype=pl.Utf8).fill_null(label(None))


def method_explanation(method: str, bands: tuple[float, float, float] = (1.0, 0.8, 0.5)) -> str:
    if method == "abnf":
        return ("A/B/N/F方式: 達成率（(実績−基準)/(目標−基準)）が計画期間の経過割合以上ならA、未満ならB、"
                "実績がなければN、定量的な目標がなければF。")
    on, mostly, slightly = bands
    return (f"期待値方式: 評価年度の期待値（その年度の目標値、なければ基準値から最終目標値への直線）に対する進捗率 r = "
            f"(実績−基準)/(期待値−基準) で判定。最終目標を満たせば達成、r≥{on:g} 順調、r≥{mostly:g} 概ね順調、"
            f"r≥{slightly:g} やや遅れ、それ未満は遅れ。実績がない・比較対象がない場合は判定不能。")

# How good a status is, for "improved / worsened" between two years; None = cannot be compared.
LEVEL = {"遅れ": 0, "やや遅れ": 1, "概ね順調": 2, "順調": 3, "達成": 4, "B": 0, "A": 1}
ON_TRACK = ("達成", "順調", "A")  # counted as 順調以上 when entities are ranked


def text_color(status: str | None) -> str:
    """Black or white, whichever reads better on the status colour."""
    hex_ = STATUS_STYLE.get(status or "判定不能", STATUS_STYLE["判定不能"])["color"].lstrip("#")
    r, g, b = (int(hex_[i:i + 2], 16) for i in (0, 2, 4))
    return "#000000" if (0.299 * r + 0.587 * g + 0.114 * b) > 140 else "#ffffff"


def badge_html(status: str | None, size: str = "1rem") -> str:
    """The status as a coloured chip that also carries its mark and word (never colour alone).

    Only the fixed statuses above get a chip; anything else (a recorded evaluation is imported text)
    shows as 判定不能, so no data text ever reaches this HTML."""
    s = status if status in STATUS_STYLE else "判定不能"
    style = STATUS_STYLE[s]
    return (f'<span class="kpi-status" style="background:{style["color"]};color:{text_color(s)};'
            f'padding:0.15em 0.6em;border-radius:0.4em;font-weight:700;font-size:{size};'
            f'white-space:nowrap">{label(s)}</span>')


def change(before: str = "status_before", after: str = "status_after") -> pl.Expr:
    """改善 / 悪化 / 変化なし / 比較不可 between two status columns of one KPI."""
    a = pl.col(before).replace_strict(LEVEL, default=None, return_dtype=pl.Int32)
    b = pl.col(after).replace_strict(LEVEL, default=None, return_dtype=pl.Int32)
    same = pl.col(before).eq_missing(pl.col(after))
    return (pl.when(a.is_null() | b.is_null()).then(pl.when(same).then(pl.lit("変化なし")).otherwise(pl.lit("比較不可")))
            .when(b > a).then(pl.lit("改善")).when(b < a).then(pl.lit("悪化")).otherwise(pl.lit("変化なし")))


def attention(evaluated: pl.DataFrame, limit: int | None = 10) -> pl.DataFrame:
    """The KPIs to look at first, as evaluate.sql marks and ranks them (needs_attention, attention_rank)."""
    rows = evaluated.filter(pl.col("needs_attention")).sort(["attention_rank", "plan_id"], nulls_last=True)
    return rows.head(limit) if limit else rows
