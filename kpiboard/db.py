"""DuckDB over a data directory, and the named queries in `queries/*.sql`.

One database per process; each table is a view over its Parquet file, so a query always reads what
is on disk now (an import shows up without a restart). Queries are files, parameters are bound with
`$name` and never formatted into SQL text.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import duckdb
import polars as pl

from . import schema, settings, store

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
    """One DuckDB database over a data directory: `.query(name, **params)` runs a named query of queries/.
    Callers that read several queries (an export, the CLI) open one and close it when done."""

    def __init__(self, directory: Path | None = None):
        self.directory = Path(directory) if directory else store.data_dir()
        self.connection = connect(self.directory)

    def query(self, name: str, **params) -> pl.DataFrame:
        return run(name, self.connection, **params)

    def close(self) -> None:
        self.connection.close()

    def __enter__(self) -> "Database":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def connect(directory: Path | None = None) -> duckdb.DuckDBPyConnection:
    """A new in-memory database with one view per table of the data directory."""
    directory = Path(directory) if directory else store.data_dir()
    con = duckdb.connect()
    attach_views(con, directory)
    return con


DERIVED_VIEWS = ("kpi_context",)  # queries/<name>.sql over the tables, shared by several queries


def attach_views(con: duckdb.DuckDBPyConnection, directory: Path) -> None:
    """One view per table, built through the relation API (no path spliced into SQL text)."""
    for table, spec in schema.TABLES.items():
        path = store.table_path(directory, table)
        if path.exists():
            relation = con.read_parquet(str(path))
            # A directory written before a column was added reads that column as NULL.
            missing = [f"CAST(NULL AS {_sql_type(t)}) AS {c}" for c, t in spec["columns"].items()
                       if c not in relation.columns]
            if missing:
                relation = relation.project(", ".join(["*", *missing]))
        else:
            relation = con.sql("SELECT " + ", ".join(f"CAST(NULL AS {_sql_type(t)}) AS {c}"
                                                     for c, t in spec["columns"].items()) + " WHERE false")
        relation.create_view(table, replace=True)
    for view in DERIVED_VIEWS:
        con.sql(query_text(view)).create_view(view, replace=True)


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


def default_params(name: str) -> dict:
    """Every `$param` a query uses, with None or the declared setting as its default."""
    return {n: (SETTINGS.default(n) if n in SETTINGS else None) for n in _param_names(name)}


def run(name: str, con: duckdb.DuckDBPyConnection, **params) -> pl.DataFrame:
    """Run the named query on `con` (a Database's connection) with parameters bound; unknown parameters are an
    error. A cursor per call: the app's script threads share one connection per data version."""
    bound = default_params(name)
    unknown = set(params) - set(bound)
    if unknown:
        raise TypeError(f"query {name} has no parameters {sorted(unknown)}")
    # None for a setting means "its default", so callers can pass options straight through.
    bound.update({k: list(v) if isinstance(v, tuple) else v  # tuples (hashable, for caches) bind as lists
                  for k, v in params.items() if not (v is None and k in SETTINGS)})
    cursor = con.cursor()
    try:
        return cursor.sql(query_text(name), params=bound).pl()
    finally:
        cursor.close()
