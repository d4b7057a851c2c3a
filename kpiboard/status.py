"""How statuses look, from one table. The rules that decide them live in queries/evaluate.sql; this is
display only: every label, colour, mark, pattern and order of a status comes from STATUS_TABLE."""
from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from .settings import SETTINGS


@dataclass(frozen=True)
class Status:
    code: str        # what evaluate.sql returns
    method: str      # expected | abnf
    word: str        # the label's word (A/B/N/F carry their meaning)
    mark: str        # never colour alone: a mark, and a pattern in print
    color: str       # Okabe–Ito (colour-blind safe)
    pattern: str
    level: int | None        # how good, for 改善/悪化 between two years; None = cannot be compared
    on_track: bool           # counted as 順調以上
    judged: bool             # False: 判定不能 / N / F (with evaluate's status_reason)


STATUS_TABLE = (
    Status("達成", "expected", "達成", "◎", "#0072B2", "", 4, True, True),
    Status("順調", "expected", "順調", "○", "#009E73", "/", 3, True, True),
    Status("概ね順調", "expected", "概ね順調", "△", "#56B4E9", ".", 2, False, True),
    Status("やや遅れ", "expected", "やや遅れ", "▲", "#E69F00", "x", 1, False, True),
    Status("遅れ", "expected", "遅れ", "×", "#D55E00", "\\", 0, False, True),
    Status("判定不能", "expected", "判定不能", "－", "#999999", "-", None, False, False),
    Status("A", "abnf", "A（経過期間相応以上）", "A", "#0072B2", "", 1, True, True),
    Status("B", "abnf", "B（遅れ）", "B", "#D55E00", "\\", 0, False, True),
    Status("N", "abnf", "N（データなし）", "N", "#999999", "-", None, False, False),
    Status("F", "abnf", "F（定量目標なし）", "F", "#CC79A7", ".", None, False, False),
)
BY_CODE = {s.code: s for s in STATUS_TABLE}
UNKNOWN = BY_CODE["判定不能"]
STATUS_STYLE = {s.code: {"color": s.color, "mark": s.mark, "pattern": s.pattern} for s in STATUS_TABLE}
EXPECTED_STATUSES = tuple(s.code for s in STATUS_TABLE if s.method == "expected")
ABNF_STATUSES = tuple(s.code for s in STATUS_TABLE if s.method == "abnf")
UNDETERMINED = tuple(s.code for s in STATUS_TABLE if not s.judged)
ON_TRACK = tuple(s.code for s in STATUS_TABLE if s.on_track)
LEVEL = {s.code: s.level for s in STATUS_TABLE if s.level is not None}
METHOD_LABELS = {"expected": "期待値方式", "abnf": "A/B/N/F方式（国）"}
# The band words, in the order of the band settings (band_on_track, band_mostly, band_slightly).
BAND_WORDS = ("順調", "概ね順調", "やや遅れ")


def style(status: str | None) -> Status:
    """The row of a status; an unknown or missing one looks like 判定不能."""
    return BY_CODE.get(status or "", UNKNOWN)


def attention_words(method: str) -> str:
    """What 要注意 means under a method, in words: 「遅れ・やや遅れ」 or 「B」."""
    return "B" if method == "abnf" else "遅れ・やや遅れ"


def statuses(method: str) -> tuple[str, ...]:
    return ABNF_STATUSES if method == "abnf" else EXPECTED_STATUSES


def label(status: str | None) -> str:
    if not status:
        return label("判定不能")
    row = BY_CODE.get(status)
    return f"{row.mark} {row.word}" if row else status


LABELS = {s.code: label(s.code) for s in STATUS_TABLE}


def label_expr(column: str = "status") -> pl.Expr:
    """`label` for a whole column (vectorised: no Python callbacks inside Polars)."""
    col = pl.col(column)
    return col.replace_strict(LABELS, default=col, return_dtype=pl.Utf8).fill_null(label(None))


def label_with_reason_expr(column: str = "status", reason: str = "status_reason") -> pl.Expr:
    """「－ 判定不能（実績なし）」: the label, and evaluate's reason where a KPI cannot be judged."""
    return pl.concat_str([label_expr(column),
                          pl.when(pl.col(reason).is_not_null())
                          .then(pl.concat_str([pl.lit("（"), pl.col(reason), pl.lit("）")])).otherwise(pl.lit(""))])


def baseline_note(row: dict, fy) -> str | None:
    """「基準値なし: R4（2022） の実績を起点に判定」 where evaluate let the earliest actual stand in."""
    if row.get("baseline_source") == "earliest_actual":
        return f"基準値なし: {fy(row['baseline_fy'])} の実績を起点に判定"
    return None


def method_explanation(method: str, bands: tuple[float, float, float] | None = None,
                       almost_tolerance: float | None = None) -> str:
    if method == "abnf":
        return ("A/B/N/F方式: 達成率（(実績−基準)/(目標−基準)）が計画期間の経過割合以上ならA、未満ならB、"
                "実績がなければN、定量的な目標がなければF。")
    on, mostly, slightly = bands or SETTINGS.default_bands()
    tolerance = SETTINGS.default("almost_tolerance") if almost_tolerance is None else almost_tolerance
    return (f"期待値方式: 評価年度の期待値（その年度の目標値、なければ基準値から最終目標値への直線）に対する進捗率 r = "
            f"(実績−基準)/(期待値−基準) で判定。最終目標を満たせば達成、r≥{on:g} 順調、r≥{mostly:g} 概ね順調、"
            f"r≥{slightly:g} やや遅れ、それ未満は遅れ。基準値がなければ最も早い実績を起点にし、毎年の目標は"
            f"その年度の目標値と比べる。「ほぼ」の目標は {tolerance * 100:g}% 届かなくても達成とみなす。"
            f"実績がない・比較対象がない場合は判定不能（理由を表示）。")


def ink_on(color: str) -> str:
    """Black or white text, whichever reads better on `color` (#rrggbb)."""
    hex_ = color.lstrip("#")
    r, g, b = (int(hex_[i:i + 2], 16) for i in (0, 2, 4))
    return "#000000" if (0.299 * r + 0.587 * g + 0.114 * b) > 140 else "#ffffff"


def text_color(status: str | None) -> str:
    """Black or white, whichever reads better on the status colour."""
    return ink_on(style(status).color)


def badge_html(status: str | None, size: str = "1rem") -> str:
    """The status as a coloured chip that also carries its mark and word (never colour alone).

    Only the fixed statuses above get a chip; anything else (a recorded evaluation is imported text)
    shows as 判定不能, so no data text ever reaches this HTML."""
    row = style(status)
    return (f'<span class="kpi-status" style="background:{row.color};color:{text_color(row.code)};'
            f'padding:0.15em 0.6em;border-radius:0.4em;font-weight:700;font-size:{size};'
            f'white-space:nowrap">{label(row.code)}</span>')


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
