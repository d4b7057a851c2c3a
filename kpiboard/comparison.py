"""Setting evaluated KPIs side by side: entities with entities, one year with another.

Everything here works on rows of the evaluate query or of the roll-ups over it (entity_rollup,
indicator_by_entity: statuses and counts come from SQL); these functions only rank and cross-tabulate them.
"""
from __future__ import annotations

import polars as pl

from .status import change, statuses


def rank(frame: pl.DataFrame, value: str, *, higher_is_better: bool = True) -> pl.DataFrame:
    """Rows with a value, sorted best first, with `rank` (ties share the better rank)."""
    ranked = frame.filter(pl.col(value).is_not_null())
    ranked = ranked.with_columns(
        pl.col(value).rank(method="min", descending=higher_is_better).cast(pl.Int32).alias("rank"))
    return ranked.sort(["rank", "entity"])


def transitions(before: pl.DataFrame, after: pl.DataFrame, method: str = "expected") -> tuple[pl.DataFrame, pl.DataFrame]:
    """How each KPI's status moved from one evaluation (year A) to another (year B).

    Returns (crosstab: before, after, n — every pair of statuses, zeros included; changes: one row per
    KPI with both statuses and 改善/悪化/変化なし/比較不可).
    """
    keep = ["kpi_id", "entity", "area", "item_code", "kpi_name", "status", "progress_ratio", "actual_value", "eval_fy"]
    a = before.select([c for c in keep if c in before.columns])
    b = after.select("kpi_id", pl.col("status").alias("status_after"), pl.col("progress_ratio").alias("progress_after"),
                     pl.col("actual_value").alias("actual_after"), pl.col("eval_fy").alias("eval_fy_after"))
    joined = a.join(b, on="kpi_id", how="inner").rename({"status": "status_before"})
    joined = joined.with_columns(change("status_before", "status_after").alias("change"))
    order = list(statuses(method))
    grid = pl.DataFrame({"before": [s for s in order for _ in order], "after": [t for _ in order for t in order]})
    counts = joined.group_by(pl.col("status_before").alias("before"), pl.col("status_after").alias("after")).len("n")
    crosstab = grid.join(counts, on=["before", "after"], how="left").with_columns(pl.col("n").fill_null(0))
    rank_of = {s: i for i, s in enumerate(order)}
    changes = joined.with_columns(
        pl.col("change").replace_strict({"悪化": 0, "改善": 1, "比較不可": 2, "変化なし": 3}, default=4,
                                        return_dtype=pl.Int32).alias("_o"),
        pl.col("status_after").replace_strict(rank_of, default=99, return_dtype=pl.Int32).alias("_s"),
    ).sort(["_o", "_s"]).drop("_o", "_s")
    return crosstab, changes


def change_counts(changes: pl.DataFrame) -> dict[str, int]:
    counts = dict(changes.group_by("change").len().iter_rows()) if changes.height else {}
    return {k: int(counts.get(k, 0)) for k in ("改善", "悪化", "変化なし", "比較不可")}
