"""The KGI → KPI → 施策 tree of a plan (committee ask 001: 「グランドデザインの可視化」).

Built from the rows of queries/initiatives_tree.sql (one row per area × KPI × linked initiative) and the
statuses of the evaluate query; the page draws it (charts.tree_dot) and lists it as text.
Levels: the plan's vision (KGI) → areas / strategy pillars → KPIs → initiatives serving each KPI.
"""
from __future__ import annotations

import polars as pl

LEVELS = ("kgi", "area", "kpi", "initiative")
BASIS_LABELS = {"document": "文書に記載", "reading": "読み取り"}
NODE_SCHEMA = {"node_id": pl.Utf8, "parent_id": pl.Utf8, "level": pl.Utf8, "code": pl.Utf8, "label": pl.Utf8,
               "status": pl.Utf8, "basis": pl.Utf8, "kpi_id": pl.Utf8, "initiative_id": pl.Utf8, "detail": pl.Utf8,
               "source": pl.Utf8}


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def build(rows: pl.DataFrame, evaluated: pl.DataFrame | None = None) -> pl.DataFrame:
    """Nodes of the tree, parents before children: node_id, parent_id, level, code, label, status, basis …

    An initiative that serves two KPIs appears under both (its node_id is per KPI); `initiative_id`
    says it is the same initiative.
    """
    if rows.is_empty():
        return pl.DataFrame(schema=NODE_SCHEMA)
    statuses = {}
    if evaluated is not None and not evaluated.is_empty():
        statuses = dict(zip(evaluated["kpi_id"].to_list(), evaluated["status"].to_list()))
    first = rows.row(0, named=True)
    vision = _text(first["vision"])
    nodes = [{"node_id": "kgi", "parent_id": None, "level": "kgi", "code": "", "label": vision or _text(first["plan"]),
              "status": None, "basis": None, "kpi_id": None, "initiative_id": None,
              "detail": f"{_text(first['plan'])}（{_text(first['entity'])}）", "source": None}]
    seen = {"kgi"}
    for r in rows.iter_rows(named=True):
        area_id = f"area:{_text(r['area_code'])}"
        if area_id not in seen:
            seen.add(area_id)
            nodes.append({"node_id": area_id, "parent_id": "kgi", "level": "area", "code": _text(r["area_code"]),
                          "label": _text(r["area_name"]) or _text(r["area_code"]) or "（分野なし）",
                          "status": None, "basis": None, "kpi_id": None, "initiative_id": None, "detail": "",
                          "source": None})
        if r["kpi_id"] is None:
            continue
        kpi_node = f"kpi:{r['kpi_id']}"
        if kpi_node not in seen:
            seen.add(kpi_node)
            nodes.append({"node_id": kpi_node, "parent_id": area_id, "level": "kpi", "code": _text(r["item_code"]),
                          "label": _text(r["kpi_name"]), "status": statuses.get(r["kpi_id"]), "basis": None,
                          "kpi_id": r["kpi_id"], "initiative_id": None, "detail": "", "source": None})
        if r["initiative_id"] is None:
            continue
        ini_node = f"initiative:{r['kpi_id']}:{r['initiative_id']}"
        if ini_node not in seen:
            seen.add(ini_node)
            nodes.append({"node_id": ini_node, "parent_id": kpi_node, "level": "initiative",
                          "code": _text(r["initiative_code"]), "label": _text(r["initiative_title"]),
                          "status": None, "basis": r["basis"], "kpi_id": r["kpi_id"],
                          "initiative_id": r["initiative_id"], "detail": _text(r["department"]),
                          "source": r["link_source"]})
    return pl.DataFrame(nodes, schema=NODE_SCHEMA)


def kpis_without_initiative(rows: pl.DataFrame, evaluated: pl.DataFrame | None = None) -> pl.DataFrame:
    """KPIs of the plan that no initiative serves: area, item_code, kpi_name, status, kpi_id."""
    columns = {"area": pl.Utf8, "item_code": pl.Utf8, "kpi_name": pl.Utf8, "status": pl.Utf8, "kpi_id": pl.Utf8}
    if rows.is_empty():
        return pl.DataFrame(schema=columns)
    linked = rows.group_by("kpi_id", maintain_order=True).agg(pl.col("initiative_id").drop_nulls().len().alias("n"))
    out = (rows.filter(pl.col("kpi_id").is_not_null())
           .unique("kpi_id", keep="first", maintain_order=True)
           .join(linked, on="kpi_id")
           .filter(pl.col("n") == 0))
    status = pl.lit(None, dtype=pl.Utf8)
    if evaluated is not None and not evaluated.is_empty():
        out = out.join(evaluated.select("kpi_id", pl.col("status").alias("_status")), on="kpi_id", how="left")
        status = pl.col("_status")
    return out.select(pl.coalesce("area_name", "area_code").alias("area"), "item_code", "kpi_name",
                      status.alias("status"), "kpi_id")


def initiatives_without_kpi(initiatives: pl.DataFrame) -> pl.DataFrame:
    """Initiatives (rows of initiatives_list) that serve no KPI at all."""
    if initiatives.is_empty():
        return initiatives
    return initiatives.filter(pl.col("kpi_count") == 0)


def outline(nodes: pl.DataFrame) -> list[tuple[int, dict]]:
    """(depth, node) in depth-first order, for an indented text version of the tree."""
    if nodes.is_empty():
        return []
    children: dict[str | None, list[dict]] = {}
    for n in nodes.iter_rows(named=True):
        children.setdefault(n["parent_id"], []).append(n)
    out: list[tuple[int, dict]] = []

    def walk(parent, depth):
        for n in children.get(parent, []):
            out.append((depth, n))
            walk(n["node_id"], depth + 1)

    walk(None, 0)
    return out
