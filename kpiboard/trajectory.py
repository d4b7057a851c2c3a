"""Where a KPI has been and where it is heading: the pace so far, the yearly change now needed to
reach the final target, and a straight projection. Used by the 指標 page, its chart and the exports,
so the figures on screen and in the chart agree.

`kpi` is a row of the evaluate query (baseline_value/baseline_fy, target_value/target_fy, actual_value/
eval_fy, direction, cumulative); `observations` are the KPI's rows of the observations table.
These are descriptions of a trajectory, not the progress rules (those live in queries/evaluate.sql).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable

import polars as pl


@dataclass(frozen=True)
class Needed:
    from_value: float
    from_fy: int
    from_kind: str  # 'actual' or 'baseline'
    to_value: float
    to_fy: int
    per_year: float  # change per fiscal year still needed (negative = must fall)
    already_met: bool


def series(kpi: dict, observations: pl.DataFrame, kind: str) -> pl.DataFrame:
    """fiscal_year, value of one value kind; running totals for a cumulative KPI (as the rules judge)."""
    obs = observations.filter((pl.col("value_kind") == kind) & pl.col("fiscal_year").is_not_null())
    value = pl.coalesce("cumulative_value", "value") if kpi.get("cumulative") else pl.col("value")
    return (obs.select("fiscal_year", value.alias("value")).filter(pl.col("value").is_not_null())
            .unique("fiscal_year", keep="last").sort("fiscal_year"))


def _at_least(kpi: dict) -> bool:
    return kpi.get("direction") in ("increase", "maintain_min")


def required_yearly_change(kpi: dict) -> Needed | None:
    """(t − a) / (T − y): the change per year from the latest actual (else the baseline) to the final target.

    None when there is no number to start from, no final target, or the target year has passed.
    """
    if kpi.get("direction") == "qualitative" or kpi.get("kind") == "qualitative":
        return None
    t, tfy = kpi.get("target_value"), kpi.get("target_fy")
    if kpi.get("actual_value") is not None and kpi.get("eval_fy") is not None:
        start, sfy, kind = kpi["actual_value"], kpi["eval_fy"], "actual"
    elif kpi.get("baseline_value") is not None and kpi.get("baseline_fy") is not None:
        start, sfy, kind = kpi["baseline_value"], kpi["baseline_fy"], "baseline"
    else:
        return None
    if t is None or tfy is None or tfy <= sfy:
        return None
    met = start >= t if _at_least(kpi) else start <= t
    per_year = 0.0 if met and kind == "actual" else (t - start) / (tfy - sfy)
    return Needed(float(start), int(sfy), kind, float(t), int(tfy), float(per_year), bool(met and kind == "actual"))


def pace(kpi: dict, observations: pl.DataFrame) -> float | None:
    """The change per year so far: from the baseline to the latest actual, else first to last actual."""
    actual = series(kpi, observations, "actual")
    if actual.is_empty():
        return None
    last_fy, last = actual["fiscal_year"][-1], actual["value"][-1]
    b, y0 = kpi.get("baseline_value"), kpi.get("baseline_fy")
    if b is not None and y0 is not None and last_fy > y0:
        return (last - b) / (last_fy - y0)
    if actual.height >= 2 and last_fy > actual["fiscal_year"][0]:
        return (last - actual["value"][0]) / (last_fy - actual["fiscal_year"][0])
    return None


def projection(kpi: dict, observations: pl.DataFrame, to_fy: int | None = None) -> tuple[int, float, int, float] | None:
    """(from_fy, from_value, to_fy, value) if the pace so far continues to `to_fy` (default: the target year)."""
    actual = series(kpi, observations, "actual")
    speed = pace(kpi, observations)
    end = to_fy or kpi.get("target_fy")
    if speed is None or actual.is_empty() or end is None:
        return None
    last_fy, last = int(actual["fiscal_year"][-1]), float(actual["value"][-1])
    if end <= last_fy:
        return None
    return last_fy, last, int(end), last + speed * (end - last_fy)


def path_years(kpi: dict) -> range:
    """The years a chart draws the expected path over: from the baseline (else the evaluated year) to the
    final target."""
    y0, tfy = kpi.get("baseline_fy"), kpi.get("target_fy")
    if tfy is None:
        return range(0)
    start = y0 if y0 is not None else kpi.get("eval_fy") or tfy
    return range(int(start), int(tfy) + 1)


def expected_paths(kpis: Iterable[dict], evaluate_years: Callable[[tuple[int, ...]], pl.DataFrame]
                   ) -> dict[str, list[tuple[int, float]]]:
    """{kpi_id: [(fiscal year, expected value)]} for rows of the evaluate query, read from the rules:
    `evaluate_years(years)` runs evaluate.sql for those years (one query for all KPIs)."""
    spans = {r["kpi_id"]: path_years(r) for r in kpis}
    years = sorted({y for span in spans.values() for y in span})
    if not years:
        return {}
    rows = evaluate_years(tuple(years)).filter(pl.col("expected_value").is_not_null())
    paths: dict[str, list[tuple[int, float]]] = {}
    for kpi_id, y, e in rows.select("kpi_id", "eval_fy", "expected_value").iter_rows():
        if kpi_id in spans and y in spans[kpi_id]:
            paths.setdefault(kpi_id, []).append((int(y), float(e)))
    return paths
