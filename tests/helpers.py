"""Small data directories for tests, written through the same store as real data."""
from __future__ import annotations

from pathlib import Path

import polars as pl

from kpiboard import db, schema, store


def make_data_dir(directory: Path, kpis: list[dict], plan_start: int | None = None) -> Path:
    """kpis: dicts with kpi_id, direction, optional kind/cumulative/unit, and `obs`:
    [(value_kind, fiscal_year, value, qualifier?, cumulative_value?)]."""
    kpi_rows, obs_rows = [], []
    for order, k in enumerate(kpis):
        direction = k.get("direction", "increase")
        kpi_rows.append({
            "kpi_id": k["kpi_id"], "plan_id": "p1", "area_code": "a1", "item_code": str(order + 1),
            "kpi_name": k.get("kpi_name", k["kpi_id"]), "indicator_id": k["kpi_id"], "unit": k.get("unit", ""),
            "direction": direction, "kind": k.get("kind", "qualitative" if direction == "qualitative" else "quantitative"),
            "cumulative": k.get("cumulative", False), "per_year_target": k.get("per_year_target", False),
            "sort_order": order, "synthetic": False, "source": "test",
        })
        for o in k.get("obs", []):
            kind, fy, value, *rest = o
            obs_rows.append({"kpi_id": k["kpi_id"], "value_kind": kind, "fiscal_year": fy, "value": value,
                             "qualifier": rest[0] if rest else "", "cumulative_value": rest[1] if len(rest) > 1 else None,
                             "original_text": "" if value is None else str(value), "source": "test"})
    evaluations = [{"kpi_id": k["kpi_id"], "fiscal_year": fy, "status": st, "source": "test"}
                   for k in kpis for fy, st in k.get("evaluations", [])]
    tables = {name: schema.empty_frame(name) for name in schema.TABLES}
    tables.update({
        "dataset": pl.DataFrame([{"name": "test", "synthetic": False, "data_as_of": "", "description": ""}]),
        "entities": pl.DataFrame([{"entity_id": "e1", "name": "テスト県", "entity_type": "prefecture", "code": "99",
                                   "synthetic": False, "source": "test"}]),
        "plans": pl.DataFrame([{"plan_id": "p1", "entity_id": "e1", "name": "テスト計画", "plan_type": "test",
                                "period_start_fy": plan_start, "synthetic": False, "source": "test"}],
                              schema_overrides={"period_start_fy": pl.Int32}),
        "areas": pl.DataFrame([{"plan_id": "p1", "area_code": "a1", "area_name": "分野1", "sort_order": 1}]),
        "kpis": pl.DataFrame(kpi_rows),
        "observations": pl.DataFrame(obs_rows, schema_overrides={"value": pl.Float64, "cumulative_value": pl.Float64}),
        "kpi_evaluations": pl.DataFrame(evaluations) if evaluations else schema.empty_frame("kpi_evaluations"),
    })
    store.write_tables(directory, tables)
    return directory


def evaluate(directory: Path, **params) -> dict[str, dict]:
    frame = db.run("evaluate", db.connect(directory), **params)
    return {row["kpi_id"]: row for row in frame.to_dicts()}


def app_test(page: str | None = None, *, settings: dict | None = None, **query):
    """The one AppTest harness: app.py as a user opens it, every run of it without an exception.

    page: a page file app.py registers ("pages/regions.py"), switched to after app.py's first run (on the
    start page, 概要), as a click in the sidebar does; None stays on the start page. (AppTest cannot open
    app.py on another page first: a switch_page before the first run runs the page file without app.py.)
    settings: app-wide settings changed the way a user changes them, through their sidebar widget, before
    the page opens: {"western_years": True} (a toggle), {"band_on_track": 0.8} (a number input).
    query: URL parameters, as in a link (?view=予算&initiative=…), there from app.py's first run on."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(store.PACKAGE_ROOT / "app.py"), default_timeout=60)
    for k, v in query.items():
        at.query_params[k] = v
    _no_exception(at.run())
    for name, value in (settings or {}).items():
        widget = at.toggle(key=name) if isinstance(value, bool) else at.number_input(key=name)
        _no_exception(widget.set_value(value).run())
    if page:
        _no_exception(at.switch_page(page).run())
    return at


def _no_exception(at):
    assert not at.exception, at.exception[0].message
    return at


def load_script():
    """scripts/load.py as a module (the load run and the cold-start test drive the server with it)."""
    import importlib.util
    import sys

    if "load" in sys.modules:
        return sys.modules["load"]
    spec = importlib.util.spec_from_file_location("load", store.PACKAGE_ROOT / "scripts" / "load.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["load"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module
