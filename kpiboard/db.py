"""DuckDB over the store, and the named queries in `queries/*.sql`.

A Database reads one snapshot of the store: each table is a view `AT (VERSION => n)` of the DuckLake table, so
every query of a page run (or an export) sees the same data even while an import commits, and `as_of` shows the
data as it was on a date. The app opens one per data version, so an import shows up without a restart.
Queries are files, parameters are bound with `$name` and never formatted into SQL text.
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import duckdb
import polars as pl

from . import schema, settings, store, verdicts

QUERIES_DIR = store.PACKAGE_ROOT / "queries"

# The settings of the progress rules (kpiboard/settings.py) are the defaults of their $parameters.
SETTINGS = settings.SETTINGS


@lru_cache(maxsize=None)
def query_text(name: str) -> str:
    path = QUERIES_DIR / f"{name}.sql"
    if not path.exists():
        raise KeyError(f"query not found: {name}")
    return path.read_text(encoding="utf-8")


class Database:
    """One snapshot of a store: `.query(name, **params)` runs a named query of queries/ on it. The snapshot is
    attached read-only (DuckLake's SNAPSHOT_VERSION) and the tables are found through each cursor's search path,
    so every query of a Database reads the same version; views derived from the tables (queries/<view>.sql) live
    in a schema of their own next to it. Cheap to open (nothing is copied); `close` is for symmetry."""

    def __init__(self, directory: Path | None = None, version=None, as_of=None):
        self.directory = Path(directory) if directory else store.data_dir()
        if as_of is not None:
            version = store.version_as_of(self.directory, as_of)
        self.version = int(version) if version not in (None, "") else int(store.data_version(self.directory))
        self._search_path = _snapshot_schemas(self.directory, self.version)

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A cursor whose unqualified table names are this snapshot's tables."""
        self._search_path = _snapshot_schemas(self.directory, self.version)  # again: it may have been detached
        cur = store.cursor()
        cur.execute(f"SET search_path = '{self._search_path}'")
        return cur

    def query(self, name: str, **params) -> pl.DataFrame:
        return run(name, self, **params)

    def verdicts_signature(self, cursor) -> dict | None:
        """What this snapshot's kept verdicts were judged with (kpiboard.verdicts), None when it has none."""
        # The key is written in the transaction that writes the table, so a snapshot with one has the other.
        if not hasattr(self, "_verdicts"):
            self._verdicts = None
            if self.version:
                row = cursor.execute(f"SELECT value FROM {store.META_TABLE} WHERE key = ?", [verdicts.META_KEY]).fetchone()
                self._verdicts = json.loads(row[0]) if row else None
        return self._verdicts

    def close(self) -> None:
        pass

    def __enter__(self) -> "Database":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def connect(directory: Path | None = None, version: int | None = None) -> Database:
    """A Database (kept under this name for the callers that read one query at a time)."""
    return Database(directory, version)


DERIVED_VIEWS = ("kpi_context", "observation_history")  # queries/<name>.sql over the tables, shared by queries

_made: set[str] = set()  # derived schemas made in this process


def _snapshot_schemas(directory: Path, version: int) -> str:
    """Attach the snapshot (once per process) and make its schema of derived views; returns the search path."""
    loc = store.location(directory)
    alias = store.attached(loc, version=version) if version else None
    derived = f"d_{alias or 'empty'}"
    # The derived schema first: it holds stand-ins for tables (or columns) the snapshot does not have yet.
    path = f"memory.{derived},{alias}.main" if alias else f"memory.{derived}"
    with store._lock:
        if derived in _made and _schema_exists(derived):
            return path
        if store._instance is None:
            store._instance = store.new_connection()
        cur = store._instance.cursor()
        try:
            cur.execute(f'CREATE SCHEMA IF NOT EXISTS memory."{derived}"')
            cur.execute(f"SET search_path = '{path}'")
            present = store.columns_of(cur, alias, version) if alias else {}
            for table, spec in schema.TABLES.items():
                if table not in present:  # a table the store did not have yet at that snapshot reads as empty
                    cur.execute(f'CREATE OR REPLACE VIEW memory."{derived}"."{table}" AS SELECT '
                                + ", ".join(f"CAST(NULL AS {_sql_type(t)}) AS {c}" for c, t in spec["columns"].items())
                                + " WHERE false")
                elif missing := [c for c in spec["columns"] if c not in present[table]]:
                    # a column added to the schema after this snapshot was written reads as NULL
                    cur.execute(f'CREATE OR REPLACE VIEW memory."{derived}"."{table}" AS SELECT *, '
                                + ", ".join(f'CAST(NULL AS {_sql_type(spec["columns"][c])}) AS "{c}"' for c in missing)
                                + f' FROM {alias}."{table}"')
            # What imports changed is the change feed of `observations` (DuckLake's table_changes), no table of its own.
            start = _feed_start(cur, alias, int(version)) if "observations" in present else None
            feed = (f"SELECT * FROM {alias}.table_changes('observations', {start}, {int(version)})"
                    if start is not None and start <= int(version) else
                    "SELECT NULL::BIGINT AS snapshot_id, NULL::VARCHAR AS change_type, * FROM observations WHERE false")
            cur.execute(f'CREATE OR REPLACE VIEW memory."{derived}".observation_changes AS {feed}')
            snaps = (f"SELECT * FROM {alias}.snapshots()" if alias else
                     "SELECT NULL::BIGINT AS snapshot_id, NULL::TIMESTAMPTZ AS snapshot_time, NULL::VARCHAR AS author, "
                     "NULL::VARCHAR AS commit_message, NULL::VARCHAR AS commit_extra_info WHERE false")
            cur.execute(f'CREATE OR REPLACE VIEW memory."{derived}".store_snapshots AS {snaps}')
            for view in DERIVED_VIEWS:
                cur.execute(f'CREATE OR REPLACE VIEW memory."{derived}"."{view}" AS {query_text(view)}')
        finally:
            cur.close()
        _made.add(derived)
    return path


def _feed_start(cur, alias: str, version: int) -> int:
    """The first snapshot of the change feed worth reading: the one after the last generated write (store.BULK_WRITE,
    or python -m kpiboard synth before it was marked), which replaced every row — reading past it would read its
    64 million inserts on every history question."""
    row = cur.execute(f"""SELECT max(snapshot_id) FROM {alias}.snapshots() WHERE snapshot_id <= {version} AND (
                          json_extract_string(commit_extra_info, '$.{store.BULK_WRITE}') = 'true'
                          OR json_extract_string(commit_extra_info, '$.built_from') = 'python -m kpiboard synth')
                          """).fetchone()
    return int(row[0]) + 1 if row and row[0] is not None else 0


def _schema_exists(name: str) -> bool:
    return bool(store._instance.execute("SELECT 1 FROM duckdb_schemas() WHERE database_name = 'memory' "
                                        "AND schema_name = ?", [name]).fetchall())


def _sql_type(dtype) -> str:
    return {pl.Utf8: "VARCHAR", pl.Int32: "INTEGER", pl.Float64: "DOUBLE", pl.Boolean: "BOOLEAN"}[dtype]


@lru_cache(maxsize=None)
def _param_names(name: str) -> frozenset[str]:
    """The `$name`s of a query as DuckDB's own parser reads them (a `$word` in a comment or string is not one).
    A named query is one statement."""
    statements = duckdb.extract_statements(query_text(name))
    if len(statements) != 1:
        raise ValueError(f"query {name} must be one statement (found {len(statements)})")
    return frozenset(statements[0].named_parameters)


OVER_EVALUATE = "-- over: evaluate"  # the first line of a query that reads `evaluated` (evaluate's rows)


def over_evaluate(name: str) -> bool:
    return query_text(name).startswith(OVER_EVALUATE)


def _all_param_names(name: str) -> frozenset[str]:
    """A query's parameters; one over evaluate takes evaluate's too (its filters and settings)."""
    return _param_names(name) | (_param_names("evaluate") if over_evaluate(name) else frozenset())


def default_params(name: str) -> dict:
    """Every `$param` a query uses, with None or the declared setting as its default."""
    return {n: (SETTINGS.default(n) if n in SETTINGS else None) for n in _all_param_names(name)}


def _statement(name: str, database: Database, cursor, bound: dict) -> tuple[str, dict]:
    """The SQL to run and its parameters: evaluate is answered from the kept verdicts when it asks for exactly
    those (kpiboard/verdicts.py); a query over evaluate reads them (or evaluate's live rows) as `evaluated`."""
    if "plans_from" in bound and bound["plans_from"] is None:
        if bound.get("plan") is not None:
            bound.update(plan_ranges(cursor, bound["plan"]))
        elif bound.get("entity_ids") is not None:
            bound.update(entity_ranges(cursor, bound["entity_ids"]))
        elif bound.get("kpi_ids") is not None:
            bound.update(kpi_ranges(cursor, bound["kpi_ids"]))
    if name != "evaluate" and not over_evaluate(name):
        return query_text(name), bound
    source = verdicts.QUERY if verdicts.kept_params(bound, database.verdicts_signature(cursor)) else "evaluate"
    if name == "evaluate":
        return query_text(source), {k: bound.get(k) for k in _param_names(source)}
    sql, names = over_evaluate_sql(name, source)
    return sql, {k: bound.get(k) for k in names}


def over_evaluate_sql(name: str, source: str = "evaluate") -> tuple[str, frozenset[str]]:
    """A query over evaluate with `evaluated` as the rows of `source` (evaluate.sql, or the kept verdicts), and
    the parameters the whole statement takes."""
    sql = f"WITH evaluated AS (\n{query_text(source)}\n)\nSELECT * FROM (\n{query_text(name)}\n)"
    return sql, _param_names(source) | _param_names(name)


RANGES = ("plans_from", "plans_to", "kpis_from", "kpis_to")


def plan_ranges(cursor, plan) -> dict:
    """For the one plan `plan` names (its id, else its name): the plan_id range and the range of its kpi_ids that
    let a query read only its rows (evaluate's $plans_from … $kpis_to); all None when it names none or several."""
    none = dict.fromkeys(RANGES)
    if plan is None:
        return none
    found = cursor.execute("SELECT plan_id FROM plans WHERE plan_id = $p UNION SELECT plan_id FROM plans WHERE name = $p "
                           "AND NOT EXISTS (SELECT 1 FROM plans WHERE plan_id = $p)", {"p": plan}).fetchall()
    if len(found) != 1:
        return none
    return batch_ranges(cursor, found[0][0], found[0][0])


def entity_ranges(cursor, entity_ids: list[str]) -> dict:
    """The plan_id range of these entities' plans: all a query must read when their plans lie together (the
    prefectures of the synthetic national data); all None when they have none."""
    first, last = cursor.execute("SELECT min(plan_id), max(plan_id) FROM plans WHERE list_contains($ids, entity_id)",
                                 {"ids": list(entity_ids)}).fetchone()
    return batch_ranges(cursor, first, last) if first is not None else dict.fromkeys(RANGES)


def kpi_ranges(cursor, kpi_ids: list[str]) -> dict:
    """The ranges of these KPIs: their plans' plan_ids and their own kpi_ids, lowest to highest (a page of KPIs
    of one plan reads that plan's rows alone)."""
    first, last, low, high = cursor.execute(
        "SELECT min(plan_id), max(plan_id), min(kpi_id), max(kpi_id) FROM kpis WHERE kpi_id IN (SELECT unnest($ids))",
        {"ids": list(kpi_ids)}).fetchone()
    if first is None:
        return {"plans_from": "", "plans_to": "", "kpis_from": "", "kpis_to": ""}  # none of them: read nothing
    return {"plans_from": first, "plans_to": last, "kpis_from": low, "kpis_to": high}


def batch_ranges(cursor, first: str, last: str) -> dict:
    """The ranges of the plans first … last (plan_id order): their kpi_ids' lowest and highest."""
    low, high = cursor.execute("SELECT min(kpi_id), max(kpi_id) FROM kpis WHERE plan_id BETWEEN $a AND $b",
                               {"a": first, "b": last}).fetchone()
    if low is None:  # no KPIs: an empty range still reads nothing else
        low = high = ""
    return {"plans_from": first, "plans_to": last, "kpis_from": low, "kpis_to": high}


def _bind(name: str, params: dict) -> dict:
    bound = default_params(name)
    unknown = set(params) - set(bound)
    if unknown:
        raise TypeError(f"query {name} has no parameters {sorted(unknown)}")
    # None for a setting means "its default", so callers can pass options straight through.
    bound.update({k: list(v) if isinstance(v, tuple) else v  # tuples (hashable, for caches) bind as lists
                  for k, v in params.items() if not (v is None and k in SETTINGS)})
    return bound


def statement(name: str, database: Database, cursor, **params) -> tuple[str, dict]:
    """The SQL and bound parameters run() would execute for a named query (for a statement built around it:
    CREATE TABLE … AS, a batched read)."""
    return _statement(name, database, cursor, _bind(name, params))


def run(name: str, database: Database, **params) -> pl.DataFrame:
    """Run the named query on a Database with parameters bound; unknown parameters are an error. A cursor per
    call: the app's script threads share one Database per data version. evaluate is answered from the verdicts
    kept at the last write when it asks for exactly those (kpiboard/verdicts.py), else judged live."""
    return run_over(name, database, None, **params)


def run_over(name: str, database: Database, outer: str | None, **params) -> pl.DataFrame:
    """run, with the query's rows read through `outer` (SQL over a relation named q): a count, or a few columns
    of every row (the データ page's list of kpi_ids) without carrying the rest."""
    cursor = database.cursor()
    try:
        sql, bound = statement(name, database, cursor, **params)
        if outer is not None:
            sql = f"WITH q AS (\n{sql}\n)\n{outer}"
        # execute, not .sql(): a relation's .pl() was 15 times slower on 1.8 M rows (76 s against 5 s)
        return cursor.execute(sql, bound).pl()
    finally:
        cursor.close()


def batches(name: str, database: Database, rows: int = 100_000, **params):
    """The named query's rows as Polars frames of at most `rows` each, read as they come (a download streams
    every row without holding them all)."""
    cursor = database.cursor()
    try:
        sql, bound = statement(name, database, cursor, **params)
        reader = cursor.execute(sql, bound).fetch_record_batch(rows)
        for batch in reader:
            yield pl.from_arrow(batch)
    finally:
        cursor.close()
