"""Gathering a report: everything an export shows, read once through named queries (queries/report_*.sql and
evaluate.sql), so a deck and a spreadsheet made together never disagree."""
from __future__ import annotations

import datetime as _dt
from pathlib import Path

import polars as pl

from .. import citations, comments, db, status, store, trajectory, views
from ..settings import SettingError
from .report import NO_AREA, AreaSection, ExportError, Report


def available_plans(directory: Path | None = None) -> pl.DataFrame:
    with db.Database(directory) as database:
        return database.query("plans_list")


def build_report(plan: str, entity: str | None = None, year: int | None = None, method: str = "expected",
                 bands: tuple[float, float, float] | None = None, *, directory: Path | None = None,
                 made_on: _dt.date | None = None, western_years: bool = False, version=None, as_of=None) -> Report:
    """Everything an export shows, read once from one snapshot (`version`, or the one current at `as_of`, else the
    newest). `plan` is the plan's name (as shown in the app) or id."""
    directory = Path(directory) if directory else store.data_dir()
    try:
        database = db.Database(directory, version, as_of)
    except store.StoreError as e:
        raise ExportError(str(e)) from None
    with database:
        plans = database.query("plans_list")
        match = plans.filter((pl.col("plan") == plan) | (pl.col("plan_id") == plan))
        if entity:
            match = match.filter((pl.col("entity") == entity) | (pl.col("entity_id") == entity))
        if match.is_empty():
            names = "、".join(dict.fromkeys(plans["plan"].to_list())) or "（なし）"
            where = f"（自治体「{entity}」）" if entity else ""
            raise ExportError(f"計画「{plan}」{where}が見つかりません。登録されている計画: {names}")
        if match.height > 1:
            owners = "、".join(match["entity"].to_list())
            raise ExportError(f"計画「{plan}」は複数の自治体にあります（{owners}）。--entity で自治体を指定してください。")
        p = match.row(0, named=True)
        if method not in status.METHOD_LABELS:
            raise ExportError(f"判定方式「{method}」は使えません（expected または abnf）")
        try:  # the one validation of the bands (kpiboard/settings.py), as the sidebar and the CLI use
            bands = db.SETTINGS.bands(bands or None)
        except SettingError as e:
            raise ExportError(str(e)) from None
        rule = dict(plan=p["plan_id"], entity=p["entity_id"], method=method,
                    band_on_track=bands[0], band_mostly=bands[1], band_slightly=bands[2])
        evaluated = database.query("evaluate", eval_year=year, **rule)
        # The charts' expected paths: the same rule at every year of each KPI's line (evaluate.sql).
        paths = trajectory.expected_paths(evaluated.iter_rows(named=True),
                                          lambda years: database.query("evaluate", eval_years=years, **rule))
        # the department's words on each KPI's evaluated year, those marked internal left out of handouts
        evaluated = comments.attach(evaluated, database.query("kpi_comments", plan=p["plan_id"], public_only=True))
        observations = database.query("report_observations", plan=p["plan_id"])
        plan_rows = database.query("report_plan", plan=p["plan_id"])
        dataset = database.query("dataset_info")
        source_heads = citations.heads(database.query("sources_list"))
    plan_info = plan_rows.row(0, named=True) if plan_rows.height else {}
    ds = dataset.row(0, named=True) if dataset.height else {}

    report = Report(
        plan_id=p["plan_id"], plan=p["plan"], entity=p["entity"], plan_type=p.get("plan_type") or "",
        vision=plan_info.get("vision") or "", period_start_fy=p.get("period_start_fy"),
        period_end_fy=p.get("period_end_fy"), plan_source=plan_info.get("source") or "",
        eval_year=year, method=method, bands=bands, made_on=made_on or _dt.date.today(),
        data_as_of=ds.get("data_as_of") or "", dataset_name=ds.get("name") or "",
        synthetic=bool(ds.get("synthetic")) or bool(p.get("synthetic")),
        evaluated=evaluated, observations=observations, western_years=western_years,
        source_heads=source_heads, expected_paths=paths,
    )
    report.areas = _areas(evaluated, plan_rows.filter(pl.col("area_code").is_not_null()))
    report.attention = views.attention(evaluated, limit=None)  # 概要's list, every KPI of it
    return report


def _areas(evaluated: pl.DataFrame, areas: pl.DataFrame) -> list[AreaSection]:
    """The plan's areas in their order, each with its KPIs' rows (KPIs without an area last)."""
    info = {r["area_code"]: r for r in areas.iter_rows(named=True)}
    order = {r["area_code"]: r["area_sort_order"] for r in areas.iter_rows(named=True)}
    keyed = evaluated.with_columns(pl.col("area_code").replace_strict(order, default=None, return_dtype=pl.Int64)
                                   .alias("_area_order"))
    sections = []
    codes = (keyed.select("area_code", "area", "_area_order").unique(maintain_order=True)
             .sort("_area_order", nulls_last=True, maintain_order=True))
    for code, name in zip(codes["area_code"].to_list(), codes["area"].to_list()):
        rows = evaluated.filter(pl.col("area_code").eq_missing(code) & pl.col("area").eq_missing(name))
        a = info.get(code, {})
        sections.append(AreaSection(name=name or NO_AREA, code=code, statement=a.get("area_statement") or "",
                                    source=a.get("area_source") or "", rows=rows))
    return sections
