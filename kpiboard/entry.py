"""実績入力: a year's actuals typed into a grid, read by the importer like any KPI sheet.

The grid becomes a CSV in the importer's wide layout (kpi_id, 「2024年度実績」, 「2024年度見込み」), so a typed
cell is read, checked and stored exactly as the same cell of a データ取込 file, and the write is an import
(all or nothing, in the store's history with its author). The verdicts a preview would bring are judged by
queries/evaluate.sql over the tables the preview plans to write; nothing here decides a verdict.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from pathlib import Path

import polars as pl

from . import db, schema, status, store
from . import format as fmt
from .importer import STATUS_JA

# Grid column labels; ACTUAL and ESTIMATE are the editable ones.
AREA, ITEM, NAME, UNIT, TARGET, STORED = "分野", "項目", "指標名", "単位", "目標値", "現在の実績"
ACTUAL, ESTIMATE = "実績値", "見込み"
READ_ONLY = (AREA, ITEM, NAME, UNIT, TARGET, STORED)
# Pixel widths of the grid's columns (the grid is as wide as they are: a cell sits where a browser test expects it);
# 1,130 px in all fit the main column at 1600 px with the sidebar open, so 見込み is not cut off.
COLUMN_WIDTHS = {AREA: 130, ITEM: 70, NAME: 330, UNIT: 60, TARGET: 170, STORED: 110, ACTUAL: 130, ESTIMATE: 130}
# evaluate.sql reads these tables and nothing else
EVALUATE_INPUTS = ("entities", "plans", "areas", "kpis", "observations", "kpi_evaluations")


def file_name(plan_id: str, fiscal_year: int) -> str:
    return f"実績入力_{plan_id}_{fiscal_year}年度.csv"


def headers(fiscal_year: int) -> dict[str, str]:
    """Grid column → the importer's header for it (eras.parse_year_header reads 「2024年度実績」)."""
    return {ACTUAL: f"{fiscal_year}年度実績", ESTIMATE: f"{fiscal_year}年度見込み"}


def _text(value) -> str:
    # a cleared cell comes back as None (or NaN from pandas)
    if value is None or value != value:
        return ""
    return str(value).strip()


def actuals_file(plan_id: str, fiscal_year: int, rows: Iterable[Mapping]) -> tuple[str, bytes]:
    """(file name, CSV bytes) of the grid's rows: each a mapping with kpi_id, 実績値 and 見込み.
    Every row is written, typed or not, in grid order: 「〃」 then means the row above, as in the sheet."""
    head = headers(fiscal_year)
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\r\n")
    out.writerow(["kpi_id", head[ACTUAL], head[ESTIMATE]])
    for row in rows:
        out.writerow([row["kpi_id"], _text(row.get(ACTUAL)), _text(row.get(ESTIMATE))])
    return file_name(plan_id, fiscal_year), buf.getvalue().encode("utf-8")


def typed(rows: Iterable[Mapping]) -> bool:
    """Whether any row has something typed in."""
    return any(_text(r.get(ACTUAL)) or _text(r.get(ESTIMATE)) for r in rows)


def fiscal_years(observed: Iterable[int], period: tuple[int | None, int | None], current: int) -> list[int]:
    """The years a plan's actuals may be entered for: its period and the years it has figures for, up to the
    current fiscal year, without gaps (newest first)."""
    years = {int(y) for y in observed if y is not None}
    years |= {int(y) for y in period if y is not None}
    years.add(current)
    low, high = min(years), max(max(years), current)
    return list(range(high, low - 1, -1))


def default_year(years: list[int], current: int) -> int:
    """Last fiscal year's actuals are the ones compiled now; else the nearest year offered."""
    wanted = current - 1
    return wanted if wanted in years else min(years, key=lambda y: (abs(y - wanted), -y))


def grid(kpis: pl.DataFrame, observations: pl.DataFrame, fiscal_year: int, western: bool = False) -> pl.DataFrame:
    """One row per KPI (data_kpis' order): kpi_id, the read-only columns and the empty editable ones.
    目標値: that year's target as written, else the final target with its year; 現在の実績: the year's stored
    actual as written."""
    obs = observations.select("kpi_id", "value_kind", "fiscal_year", "original_text", "value", "unit", "part")
    shown = pl.coalesce(pl.col("original_text").str.strip_chars().replace("", None), fmt.value("value", pl.col("unit")))
    obs = obs.with_columns(shown.alias("text")).sort("kpi_id", "fiscal_year", "part", nulls_last=True)
    targets = obs.filter(pl.col("value_kind") == "target")
    this_year = (targets.filter(pl.col("fiscal_year") == fiscal_year).group_by("kpi_id", maintain_order=True)
                 .agg(pl.col("text").str.join("、").alias("year_target")))
    final = (targets.filter(pl.col("fiscal_year") == pl.col("fiscal_year").max().over("kpi_id"))
             .group_by("kpi_id", maintain_order=True)
             .agg(pl.col("text").str.join("、").alias("final_target"), pl.col("fiscal_year").first().alias("final_fy")))
    actual = (obs.filter((pl.col("value_kind") == "actual") & (pl.col("fiscal_year") == fiscal_year))
              .group_by("kpi_id", maintain_order=True).agg(pl.col("text").str.join("、").alias("stored")))
    final_text = pl.concat_str([pl.col("final_target"), pl.lit(" ／ "), fmt.fiscal_year("final_fy", western)])
    return (kpis.select("kpi_id", "area_name", "item_code", "kpi_name", "unit")
            .join(this_year, on="kpi_id", how="left", maintain_order="left")
            .join(final, on="kpi_id", how="left", maintain_order="left")
            .join(actual, on="kpi_id", how="left", maintain_order="left")
            .select("kpi_id", pl.col("area_name").fill_null("").alias(AREA),
                    pl.col("item_code").fill_null("").alias(ITEM), pl.col("kpi_name").alias(NAME),
                    pl.col("unit").fill_null("").alias(UNIT),
                    pl.coalesce("year_target", final_text, pl.lit("")).alias(TARGET),
                    pl.col("stored").fill_null("").alias(STORED), pl.lit("").alias(ACTUAL), pl.lit("").alias(ESTIMATE)))


def issues_table(issues, rows: list[Mapping], kpi_names: Mapping[str, str], fiscal_year: int) -> pl.DataFrame:
    """The importer's errors or warnings by KPI: 指標名, 列, 入力, 内容 (its Japanese message). `rows`: those given to
    actuals_file, whose record r (the header is 1) is rows[r - 2]."""
    back = {v: k for k, v in headers(fiscal_year).items()}
    out = []
    for issue in issues:
        row = rows[issue.row - 2] if issue.row and 2 <= issue.row < len(rows) + 2 else {}
        column = back.get(issue.column, issue.column)
        out.append({NAME: kpi_names.get(row.get("kpi_id", ""), row.get("kpi_id", "")), "列": column,
                    "入力": _text(row.get(column)) if column in (ACTUAL, ESTIMATE) else "", "内容": issue.message})
    return pl.DataFrame(out, schema={NAME: pl.Utf8, "列": pl.Utf8, "入力": pl.Utf8, "内容": pl.Utf8})


def values_table(result, kpi_names: Mapping[str, str]) -> pl.DataFrame:
    """Each value the preview read: KPI, kind, as typed, as read (basic units), new/updated/unchanged, the old one."""
    rows = [{"kpi_id": o["kpi_id"], "kind": o["value_kind"], "typed": o["original_text"], "value": o["value"],
             "unit": o["unit"] or "", "note": o["note"] or "", "status": o["status"],
             "old": o["old_original_text"] or ""} for o in result.observations]
    frame = pl.DataFrame(rows, schema={"kpi_id": pl.Utf8, "kind": pl.Utf8, "typed": pl.Utf8, "value": pl.Float64,
                                       "unit": pl.Utf8, "note": pl.Utf8, "status": pl.Utf8, "old": pl.Utf8})
    read = pl.when(pl.col("value").is_null() & (pl.col("note") != "")).then(pl.col("note")) \
        .otherwise(fmt.value("value", pl.col("unit")))
    return frame.select(pl.col("kpi_id").replace_strict(dict(kpi_names), default=pl.col("kpi_id")).alias(NAME),
                        pl.col("kind").replace_strict(schema.VALUE_KIND_JA, default=pl.col("kind")).alias("種別"),
                        pl.col("typed").alias("入力"), read.alias("読み取った値"),
                        pl.col("status").replace_strict(STATUS_JA, default=pl.col("status")).alias("状態"),
                        pl.col("old").alias("以前の値"))


def planned_verdicts(preview, plan_id: str, **params) -> pl.DataFrame:
    """evaluate.sql's rows for `plan_id` over the tables a dry run (keep_plan=True) would write, the others as
    stored at the snapshot it was planned on. Empty without a plan (errors, or nothing changes).
    params: evaluate's own (eval_year, method, the bands)."""
    plan = preview.plan
    if plan is None:
        return pl.DataFrame()
    scopes = dict(plan.scopes or {})
    kpi_ids = scopes.get("observations", ("kpi_id", []))[1]
    scopes.setdefault("kpi_evaluations", ("kpi_id", kpi_ids))  # a verdict recorded for the plan's KPIs
    stored = [t for t in EVALUATE_INPUTS if t not in plan.tables]
    tables = dict(store.read_tables(Path(plan.directory), stored, plan.version,
                                    {t: scopes[t] for t in stored if t in scopes})) if stored else {}
    tables.update({t: plan.tables[t] for t in EVALUATE_INPUTS if t in plan.tables})
    bound = db.default_params("evaluate")
    bound.update({k: v for k, v in params.items() if v is not None}, plan=plan_id)
    con = store.new_connection()  # its own in-memory database: the frames are its tables, the store untouched
    try:
        for name in EVALUATE_INPUTS:
            con.register(name, tables[name])
        return con.execute(db.query_text("evaluate"), bound).pl()
    finally:
        con.close()


def verdict_changes(before: pl.DataFrame, after: pl.DataFrame, kpi_ids: Iterable[str] | None = None) -> pl.DataFrame:
    """The KPIs whose verdict (or reason) differs between two evaluate results of one plan and year: 指標名,
    the verdict before and after with evaluate's reasons. kpi_ids: only
    these (the KPIs just saved), every difference otherwise."""
    cols = ["kpi_id", "kpi_name", "status", "status_reason", "sort_order"]
    if before.is_empty() or after.is_empty():
        return pl.DataFrame(schema={NAME: pl.Utf8, "現在の判定": pl.Utf8, "保存後の判定": pl.Utf8})
    both = before.select(cols).join(after.select("kpi_id", pl.col("status").alias("status_after"),
                                                 pl.col("status_reason").alias("reason_after")),
                                    on="kpi_id", how="inner", maintain_order="left")
    if kpi_ids is not None:
        both = both.filter(pl.col("kpi_id").is_in(list(kpi_ids)))
    else:
        both = both.filter(~pl.col("status").eq_missing(pl.col("status_after"))
                           | ~pl.col("status_reason").eq_missing(pl.col("reason_after")))
    return both.select(pl.col("kpi_name").alias(NAME),
                       status.label_with_reason_expr("status", "status_reason").alias("現在の判定"),
                       status.label_with_reason_expr("status_after", "reason_after").alias("保存後の判定"))
