"""The tables of a data directory: one place that says their columns and types.

The build, the importer, the synthetic generator and the DuckDB views all read this, so a column is
added once. Each table is a DuckLake table of the store (kpiboard/store.py), written in `sort_by` order (what pages filter on).
A table with `source` also has `source_id` (a row of `sources`) and `source_place` (where in that
document); `source` is the readable citation 「title（publisher、date）place」 that pages and exports show.
Imported rows have only `source` (file and row), so the other two stay null for them.
"""
from __future__ import annotations

import polars as pl

DIRECTIONS = ("increase", "decrease", "maintain_min", "maintain_max", "rank", "qualitative")
KINDS = ("quantitative", "qualitative")
VALUE_KINDS = ("baseline", "target", "actual", "estimate")
ENTITY_TYPES = ("prefecture", "municipality", "region", "nation")
VALUE_KIND_JA = {"baseline": "基準値", "target": "目標値", "actual": "実績値", "estimate": "見込み"}
DIRECTION_JA = {
    "increase": "増加",
    "decrease": "減少",
    "maintain_min": "維持（以上）",
    "maintain_max": "維持（以下）",
    "rank": "順位",
    "qualitative": "定性",
}

S, I, F, B = pl.Utf8, pl.Int32, pl.Float64, pl.Boolean

TABLES: dict[str, dict] = {
    "dataset": {
        "columns": {"name": S, "synthetic": B, "data_as_of": S, "description": S},
        "sort_by": [],
    },
    "sources": {
        # One row per source document; every other table's source_id points here (the file name lives
        # only here, the other tables carry the readable citation in `source`).
        "columns": {"source_id": S, "title": S, "publisher": S, "published": S, "url": S, "file": S,
                    "data_as_of": S, "note": S},
        "sort_by": [],
    },
    "entities": {
        "columns": {"entity_id": S, "name": S, "entity_type": S, "code": S, "central_city": S,
                    "synthetic": B, "source": S, "source_id": S, "source_place": S},
        "sort_by": ["entity_type", "code", "entity_id"],
    },
    "plans": {
        "columns": {"plan_id": S, "entity_id": S, "name": S, "plan_type": S, "vision": S,
                    "period_start_fy": I, "period_end_fy": I, "note": S, "synthetic": B,
                    "source": S, "source_id": S, "source_place": S},
        "sort_by": ["entity_id", "plan_id"],
    },
    "areas": {
        "columns": {"plan_id": S, "area_code": S, "area_name": S, "statement": S, "sort_order": I,
                    "source": S, "source_id": S, "source_place": S},
        "sort_by": ["plan_id", "sort_order"],
    },
    "kpis": {
        "columns": {"kpi_id": S, "plan_id": S, "area_code": S, "item_code": S, "measure": S,
                    "kpi_name": S, "indicator_id": S, "unit": S, "direction": S, "kind": S,
                    "cumulative": B, "per_year_target": B, "statement": S, "background": S,
                    "sort_order": I, "note": S, "synthetic": B, "source": S, "source_id": S,
                    "source_place": S},
        "sort_by": ["plan_id", "sort_order", "kpi_id"],
    },
    "observations": {
        "columns": {"kpi_id": S, "value_kind": S, "fiscal_year": I, "year_type": S,
                    "period_start_fy": I, "period_end_fy": I, "year_text": S, "value": F, "unit": S,
                    "qualifier": S, "cumulative_value": F, "original_text": S, "part": I, "note": S,
                    "source": S, "source_id": S, "source_place": S},
        "sort_by": ["kpi_id", "fiscal_year", "value_kind"],
    },
    "reference_values": {
        "columns": {"kpi_id": S, "label": S, "fiscal_year": I, "year_type": S, "year_text": S,
                    "value": F, "unit": S, "qualifier": S, "original_text": S, "note": S,
                    "source": S, "source_id": S, "source_place": S},
        "sort_by": ["kpi_id"],
    },
    "reference_series": {
        # Published figures dated by day (e.g. 総務省's monthly マイナンバーカード交付率 per prefecture), kept as
        # printed; the build derives KPI actuals from them (latest figure in each fiscal year).
        "columns": {"entity_id": S, "indicator": S, "as_of": S, "fiscal_year": I, "value": F, "unit": S,
                    "original_text": S, "note": S, "source": S, "source_id": S, "source_place": S},
        "sort_by": ["indicator", "entity_id", "as_of"],
    },
    "kpi_evaluations": {
        "columns": {"kpi_id": S, "fiscal_year": I, "year_text": S, "status": S, "note": S,
                    "source": S, "source_id": S, "source_place": S},
        "sort_by": ["kpi_id", "fiscal_year"],
    },
    "initiatives": {
        "columns": {"initiative_id": S, "plan_id": S, "code": S, "policy": S, "measure": S, "title": S,
                    "department": S, "current_state": S, "issues": S, "actions_to_date": S,
                    "actions_this_year": S, "page": S, "as_of": S, "sort_order": I,
                    "source": S, "source_id": S, "source_place": S},
        "sort_by": ["plan_id", "sort_order"],
    },
    "initiative_roadmap": {
        "columns": {"initiative_id": S, "fiscal_year": I, "year_text": S, "actor": S, "step": S,
                    "note": S, "year_estimated": B, "source": S, "source_id": S, "source_place": S},
        "sort_by": ["initiative_id", "fiscal_year"],
    },
    "initiative_budgets": {
        "columns": {"initiative_id": S, "fiscal_year": I, "year_text": S, "program": S,
                    "amount_yen": F, "original_text": S, "note": S,
                    "source": S, "source_id": S, "source_place": S},
        "sort_by": ["initiative_id", "fiscal_year"],
    },
    "initiative_facts": {
        "columns": {"initiative_id": S, "label": S, "fiscal_year": I, "year_text": S, "value": F,
                    "unit": S, "original_text": S, "note": S,
                    "source": S, "source_id": S, "source_place": S},
        "sort_by": ["initiative_id"],
    },
    "initiative_kpis": {
        "columns": {"initiative_id": S, "kpi_id": S, "basis": S, "note": S,
                    "source": S, "source_id": S, "source_place": S},
        "sort_by": ["initiative_id", "kpi_id"],
    },
    "measure_starts": {
        # When an initiative (initiative_id: a 施策 of `initiatives`) or a measure (measure: the 施策/取組 as written
        # in kpis.measure, from imported sheets) started: the day (ISO) and its fiscal year (April–March), for the
        # before/after comparison (導入前後の比較). `note` says how the day was read when the text gives less.
        "columns": {"plan_id": S, "initiative_id": S, "measure": S, "started_on": S, "start_fy": I, "note": S,
                    "source": S, "source_id": S, "source_place": S},
        "sort_by": ["plan_id", "initiative_id", "measure"],
    },
    "policy_categories": {
        "columns": {"category_code": S, "group_code": S, "group_label": S, "subgroup_code": S,
                    "subgroup_label": S, "letter": S, "label": S, "regions_with_kpi": I,
                    "regions_total": I, "as_of": S, "sort_order": I, "note": S,
                    "source": S, "source_id": S, "source_place": S},
        "sort_by": ["sort_order"],
    },
    "committee_remarks": {
        "columns": {"meeting": S, "held_on": S, "member": S, "remark": S, "theme": S, "note": S,
                    "source": S, "source_id": S, "source_place": S},
        "sort_by": [],
    },
    "kpi_comments": {
        # The department's own words on a KPI's year (所見, 要因分析, 今後の方向性, メモ), one row per KPI × year ×
        # kind; the latest text wins and earlier ones stay in the store's snapshots. `internal` rows are never
        # published (open data) nor printed in handouts.
        "columns": {"kpi_id": S, "fiscal_year": I, "kind": S, "text": S, "internal": B, "author": S,
                    "written_at": S},
        "sort_by": ["kpi_id", "fiscal_year", "kind"],
    },
    "user_roles": {
        # Who may do what when login ([auth]) is configured: role viewer/editor/admin; an editor's entity_id
        # rows are the entities they may import, edit and comment for ("*" = all). Managed on 権限管理.
        "columns": {"email": S, "role": S, "entity_id": S, "granted_by": S, "granted_at": S},
        "sort_by": ["email", "entity_id"],
    },
    "committee_attendance": {
        "columns": {"meeting": S, "role_group": S, "affiliation": S, "name": S, "attendance": S,
                    "remark": S, "note": S, "source": S, "source_id": S, "source_place": S},
        "sort_by": [],
    },
}


def empty_frame(table: str) -> pl.DataFrame:
    return pl.DataFrame(schema=TABLES[table]["columns"])


def conform(table: str, frame: pl.DataFrame) -> pl.DataFrame:
    """Columns in schema order with schema types; missing columns become nulls."""
    spec = TABLES[table]
    cols = []
    for name, dtype in spec["columns"].items():
        if name in frame.columns:
            cols.append(pl.col(name).cast(dtype, strict=True))
        else:
            cols.append(pl.lit(None, dtype=dtype).alias(name))
    out = frame.select(cols)
    if spec["sort_by"] and out.height:
        # The order from the keys alone, then one column at a time: sorting the whole frame at once held about
        # three copies of 600,000 imported rows (~250 MB); an order that is already right is kept as it is.
        order = out.select(pl.arg_sort_by(spec["sort_by"], nulls_last=True, maintain_order=True)).to_series()
        if not (order == pl.int_range(out.height, eager=True, dtype=order.dtype)).all():
            out = pl.DataFrame([out.get_column(name).gather(order) for name in out.columns])
    return out
