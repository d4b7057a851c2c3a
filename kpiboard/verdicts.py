"""Verdicts judged when the data changes, not on every click (issue #12).

Every write (import, edit, build, synth) runs queries/evaluate.sql — the one home of the rules — inside its own
transaction and keeps the result as the table `verdicts`: the latest year of each KPI, for both methods, at the
default bands and tolerance. A page then reads its rows (queries/verdicts.sql: one plan's rows, pruned) instead of
judging every KPI again. What is not kept is judged live, for the rows asked for only:

- a chosen 評価年度 or a chart's years (eval_year / eval_years): a KPI × year table for 27 years would be 27 times
  the size, and a page asks for one plan or a few entities at a time;
- bands or a tolerance changed in the sidebar: the defaults are what nearly everyone reads.

The rows are evaluate's own (same columns, same order), so which path answered never shows; one KPI asked for
alone keeps its attention_rank within its plan (judged alone it would be first). The rule's text and
the defaults are recorded with the table (`_meta.verdicts`); when either changes, the kept rows are not read until
the next write or `python -m kpiboard maintenance` judges again.
"""
from __future__ import annotations

import hashlib

from . import db, settings, store

TABLE = "verdicts"
QUERY = "verdicts"  # queries/verdicts.sql: the kept rows, with evaluate's filters
META_KEY = "verdicts"  # _meta: what the kept verdicts were judged with (signature())
METHODS = ("expected", "abnf")
# After a write that touched at most this many plans, only their KPIs are judged again (each pruned to its rows);
# beyond it one pass over everything is quicker.
ONE_BY_ONE = 48
BATCH_KPIS = 100_000  # a full pass judges about this many KPIs at a time
# The tables a verdict reads (evaluate.sql's FROM); a change anywhere else leaves every verdict as it was.
INPUTS = ("entities", "plans", "areas", "kpis", "observations", "kpi_evaluations")
# Layout: one file per method, rows by plan, so one plan's verdicts are a few row groups of one file.
PARTITIONED_BY = ("method",)
SORTED_BY = ("plan_id", "sort_order", "kpi_id")


def signature() -> dict:
    """What the kept verdicts were judged with: the rule's text and the defaults of its settings."""
    return {"rule": hashlib.sha256(db.query_text("evaluate").encode("utf-8")).hexdigest()[:16],
            "settings": {s.name: s.default for s in settings.SETTINGS if s.name != "method"}}


def kept_params(params: dict, recorded: dict | None) -> bool:
    """Whether evaluate with these bound parameters asks exactly for kept rows."""
    if not recorded or recorded != signature():
        return False
    if params.get("eval_year") is not None or params.get("eval_years") is not None:
        return False
    if params.get("method") not in METHODS:
        return False
    return all(params.get(name) == value for name, value in recorded["settings"].items())


def _params(method: str, ranges: dict | None = None) -> dict:
    params = db.default_params("evaluate")
    params.update(method=method, **(ranges or {}))
    return params


def _batches(cur) -> list[dict]:
    """Every plan with KPIs, in plan_id order, cut into runs of about BATCH_KPIS KPIs (each judged in one pass that
    reads only its kpi_id range: memory stays bounded at national scale)."""
    batches, first, last, size = [], None, None, 0
    for plan_id, count in cur.execute("SELECT plan_id, count(*) FROM kpis GROUP BY plan_id ORDER BY plan_id").fetchall():
        if first is not None and size + count > BATCH_KPIS:
            batches.append((first, last))
            first, size = None, 0
        first, last, size = first or plan_id, plan_id, size + count
    if first is not None:
        batches.append((first, last))
    return [db.batch_ranges(cur, a, b) for a, b in batches]


def materialise(cur, alias: str, plans: set[str] | None) -> int:
    """Judge again, inside the caller's transaction: every KPI (`plans` None) or the KPIs of these plans (plans
    removed or emptied lose their rows). Returns the rows written."""
    cur.execute(f"SET search_path = '{alias}.main'")  # evaluate.sql names the tables unqualified
    present = store.tables_of(cur, alias)
    sql = db.query_text("evaluate")
    if TABLE in present:
        have = [r[0] for r in cur.execute(f'DESCRIBE {alias}."{TABLE}"').fetchall()]
        wanted = [r[0] for r in cur.execute(f"DESCRIBE SELECT * FROM ({sql})", _params("expected")).fetchall()]
        if have != wanted:  # the rule's columns changed: the kept table is rebuilt whole
            cur.execute(f'DROP TABLE {alias}."{TABLE}"')
            present.discard(TABLE)
    if TABLE not in present:
        cur.execute(f'CREATE TABLE {alias}."{TABLE}" AS SELECT * FROM ({sql}) LIMIT 0', _params("expected"))
        # Before any row: DuckLake cannot change the layout of a table holding rows inlined in this transaction.
        cur.execute(f'ALTER TABLE {alias}."{TABLE}" SET PARTITIONED BY ({", ".join(PARTITIONED_BY)})')
        cur.execute(f'ALTER TABLE {alias}."{TABLE}" SET SORTED BY ({", ".join(SORTED_BY)})')
        plans = None
    if plans is not None and len(plans) > ONE_BY_ONE:
        plans = None
    if plans is None:
        cur.execute(f'DELETE FROM {alias}."{TABLE}"')
        runs = _batches(cur)
    else:
        if plans:
            cur.execute(f'DELETE FROM {alias}."{TABLE}" WHERE list_contains($plans, plan_id)', {"plans": sorted(plans)})
        runs = [db.batch_ranges(cur, plan, plan) for plan in sorted(plans)]
    order = ", ".join(SORTED_BY)
    written = 0
    for method in METHODS:  # one method after the other: each partition's files are written in plan order
        for ranges in runs:
            written += cur.execute(f'INSERT INTO {alias}."{TABLE}" SELECT * FROM ({sql}) ORDER BY {order}',
                                   _params(method, ranges)).fetchone()[0]
    return int(written)


def touched_plans(cur, alias: str, touched: dict[str, set[str]]) -> set[str]:
    """The plans whose verdicts a write may have changed, from the keys of the rows it deleted or inserted
    (plan_id, kpi_id, entity_id): looked up both in the new tables and in the kept verdicts (a KPI that went)."""
    plans = set(touched.get("plan_id", ()))
    kept = [TABLE] if TABLE in store.tables_of(cur, alias) else []
    for column, table in (("kpi_id", "kpis"), ("entity_id", "plans")):
        keys = sorted(touched.get(column, ()))
        for source in ([table, *kept] if keys else []):
            plans |= {r[0] for r in cur.execute(f'SELECT DISTINCT plan_id FROM {alias}."{source}" '
                                                f'WHERE list_contains($keys, "{column}")', {"keys": keys}).fetchall()}
    return {p for p in plans if p is not None}
