"""The store: every table in DuckLake (a catalog database plus Parquet data files), written in transactions.

Where it is:
- a data directory (`KPIBOARD_DATA_DIR`, else the embedded data/): the catalog is `kpiboard.sqlite` in it (SQLite,
  so the app and the CLI can both write) and the data files are under `files/`;
- a team store: `KPIBOARD_CATALOG=postgres:dbname=… host=… user=…` and `KPIBOARD_DATA_PATH=/shared/path/` (or
  `s3://bucket/prefix/`); it is what `data_dir()` names then, and other directories stay local stores.

An import, an edit or a build is one DuckLake transaction: every table or none, whatever kills the process (the
catalog commit is the only step that publishes anything). Each commit is a snapshot with its author and message,
so history is the snapshots and what a write changed is the change feed; `AT (VERSION => n)` reads the data as it
was. Writers bump the `_meta` row in every commit, so two concurrent writers always conflict and one of them is
retried against the other's result instead of both landing on a stale read.

DuckDB extensions come from the PyPI packages `duckdb-extension-<name>` (same version as duckdb) and are loaded
from their files: nothing is downloaded.
"""
from __future__ import annotations

import atexit
import contextlib
import hashlib
import importlib.util
import json
import os
import shutil
import tempfile
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import duckdb
import polars as pl

from . import schema

PACKAGE_ROOT = Path(__file__).resolve().parent.parent
EMBEDDED_DATA_DIR = PACKAGE_ROOT / "data"
CATALOG_FILE = "kpiboard.sqlite"
FILES_DIR = "files"
META_TABLE = "_meta"  # key → JSON value (built_from, synthetic, last_import …); bumped by every write
WRITE_ATTEMPTS = 8  # a writer that lost a race re-reads and tries again this many times
JST = timezone(timedelta(hours=9))


class StoreError(OSError):
    """The store could not be read or written; the message is Japanese, for the user."""


class StaleData(StoreError):
    """Another writer committed since this write's data was read: re-read, re-plan and try again."""


# ---------------------------------------------------------------- where the store is

@dataclass(frozen=True)
class Location:
    catalog: str  # DuckLake's metadata catalog: "sqlite:/…/kpiboard.sqlite" or "postgres:dbname=…"
    data_path: str  # where its Parquet files live
    directory: Path | None  # a local store's directory (None for a team store)

    @property
    def label(self) -> str:
        return str(self.directory) if self.directory else self.catalog.split(":", 1)[0] + " カタログ"


def data_dir() -> Path:
    """`KPIBOARD_DATA_DIR`, else the embedded data. With `KPIBOARD_CATALOG` set, this path stands for the team
    store (and is only a name)."""
    env = os.environ.get("KPIBOARD_DATA_DIR")
    return Path(env).expanduser().resolve() if env else EMBEDDED_DATA_DIR


def location(directory: Path | str | None = None) -> Location:
    directory = Path(directory).expanduser().resolve() if directory else data_dir()
    team = os.environ.get("KPIBOARD_CATALOG", "").strip()
    if team and directory == data_dir():
        data_path = os.environ.get("KPIBOARD_DATA_PATH", "").strip()
        if not data_path:
            raise StoreError("KPIBOARD_CATALOG を使うときは KPIBOARD_DATA_PATH（共有フォルダまたは s3://…）も指定してください")
        if not (data_path.endswith("/") or data_path.startswith("s3://")):
            data_path += "/"
        return Location(team, data_path, None)
    return Location(f"sqlite:{directory / CATALOG_FILE}", f"{directory / FILES_DIR}/", directory)


def exists(directory: Path | str | None = None) -> bool:
    loc = location(directory)
    return loc.directory is None or (loc.directory / CATALOG_FILE).exists()


# ---------------------------------------------------------------- connections

EXTENSIONS = {"sqlite": "sqlite_scanner", "postgres": "postgres_scanner", "s3": "httpfs"}


def extension_file(name: str) -> str:
    """The extension's binary inside its PyPI package (duckdb-extension-<name>)."""
    spec = importlib.util.find_spec(f"duckdb_extension_{name}")
    if spec is None or spec.origin is None:
        raise StoreError(f"DuckDB の拡張 {name} がありません（pip install -r requirements.txt を実行してください）")
    folder = Path(spec.origin).parent / "extensions" / f"v{duckdb.__version__}"
    found = sorted(folder.glob(f"{name}.duckdb_extension"))
    if not found:
        raise StoreError(f"DuckDB {duckdb.__version__} 用の拡張 {name} がありません（duckdb と "
                         f"duckdb-extension-{name.replace('_', '-')} の版を揃えてください）")
    return str(found[0])


def new_connection() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB that never downloads an extension, with the server's memory and thread limits."""
    from .settings import server_setting

    return duckdb.connect(config={"autoinstall_known_extensions": False, "autoload_known_extensions": False,
                                  "memory_limit": str(server_setting("KPIBOARD_DUCKDB_MEMORY")),
                                  "threads": int(server_setting("KPIBOARD_DUCKDB_THREADS")),
                                  "temp_directory": _spill_directory()})


_spill: str | None = None


def _spill_directory() -> str:
    """This process's own directory for what DuckDB spills past its memory limit: the default (./.tmp of the working
    directory) is shared by every process started there, and two spilling at once read each other's blocks."""
    global _spill
    if _spill is None:
        _spill = tempfile.mkdtemp(prefix="kpiboard-duckdb-")
        atexit.register(shutil.rmtree, _spill, True)
    return _spill


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def attach(con: duckdb.DuckDBPyConnection, loc: Location, alias: str, version: int | None = None) -> None:
    """Attach the store as `alias`; with `version`, read-only at that snapshot (what a Database reads)."""
    if loc.data_path.startswith("s3://"):
        _s3_secret(con)
    options = [f"DATA_PATH {_quote(loc.data_path)}"]
    if loc.directory is not None:
        options.append("OVERRIDE_DATA_PATH true")  # a copied or moved directory keeps working
    if version is not None:
        options += [f"SNAPSHOT_VERSION {int(version)}", "READ_ONLY"]
    con.execute(f"ATTACH {_quote('ducklake:' + loc.catalog)} AS {alias} ({', '.join(options)})")


def _s3_secret(con: duckdb.DuckDBPyConnection) -> None:
    """S3-compatible storage from the usual AWS_* variables (and KPIBOARD_S3_ENDPOINT for MinIO and the like)."""
    parts = ["TYPE s3"]
    for option, env in (("KEY_ID", "AWS_ACCESS_KEY_ID"), ("SECRET", "AWS_SECRET_ACCESS_KEY"), ("REGION", "AWS_REGION")):
        if os.environ.get(env):
            parts.append(f"{option} {_quote(os.environ[env])}")
    endpoint = os.environ.get("KPIBOARD_S3_ENDPOINT", "").strip()
    if endpoint:  # http://minio:9000 → host and port, path-style URLs, TLS only for https
        host = endpoint.split("://", 1)[-1].rstrip("/")
        parts += [f"ENDPOINT {_quote(host)}", "URL_STYLE 'path'", f"USE_SSL {str(not endpoint.startswith('http:')).lower()}"]
    con.execute(f"CREATE OR REPLACE SECRET kpiboard_s3 ({', '.join(parts)})")


# One DuckDB per process: extensions load once (~0.3 s each), and every store (and every snapshot a Database reads)
# is attached to it under its own name; callers work on cursors of it.
_lock = threading.RLock()
_instance: duckdb.DuckDBPyConnection | None = None
_loaded: set[str] = set()
_aliases: OrderedDict[tuple[Location, int | None], str] = OrderedDict()
_MAX_ATTACHED = 24  # tests open many directories and the app many versions; the oldest are detached


def _needs(loc: Location) -> list[str]:
    names = ["ducklake", EXTENSIONS[loc.catalog.split(":", 1)[0]]]
    return names + (["httpfs"] if loc.data_path.startswith("s3://") else [])


def alias_of(loc: Location, version: int | None = None) -> str:
    digest = hashlib.sha1(f"{loc.catalog}\0{loc.data_path}".encode()).hexdigest()[:12]
    return f"lake_{digest}" + (f"_v{int(version)}" if version is not None else "")


def attached(loc: Location, create: bool = False, version: int | None = None) -> str | None:
    """The name the store (at `version`, or writable and newest) is attached under in this process's DuckDB;
    None if a local store does not exist and `create` is false, so reading a missing directory leaves nothing."""
    global _instance
    with _lock:
        key = (loc, None if version is None else int(version))
        alias = _aliases.get(key)
        if alias is not None:
            _aliases.move_to_end(key)
            return alias
        if loc.directory is not None and not (loc.directory / CATALOG_FILE).exists():
            if not create:
                return None
            loc.directory.mkdir(parents=True, exist_ok=True)
        if _instance is None:
            _instance = new_connection()
        for name in _needs(loc):
            if name not in _loaded:
                _instance.load_extension(extension_file(name))
                _loaded.add(name)
        alias = alias_of(loc, version)
        if loc.directory is not None:
            _wal(loc.directory / CATALOG_FILE)
        try:
            attach(_instance, loc, alias, version)
        except duckdb.Error as e:
            raise StoreError(f"データの保存先（{loc.label}）を開けません（{type(e).__name__}）") from e
        _aliases[key] = alias
        while len(_aliases) > _MAX_ATTACHED:
            _detach(_aliases.popitem(last=False)[1])
        return alias


def _wal(path: Path) -> None:
    """The SQLite catalog in WAL mode (a property of the file): readers (the app) and a writer (an import, the CLI)
    then never block each other; two writers still do, and the one that loses is retried."""
    import sqlite3

    with contextlib.closing(sqlite3.connect(path, timeout=30)) as con:
        if con.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
            con.execute("PRAGMA journal_mode=WAL")


def _detach(alias: str) -> None:
    try:
        _instance.execute(f"DETACH {alias}")
        _instance.execute(f'DROP SCHEMA IF EXISTS memory."d_{alias}" CASCADE')
    except duckdb.Error:  # in use by a cursor that has not finished: it goes with the process
        pass


def cursor() -> duckdb.DuckDBPyConnection:
    with _lock:
        if _instance is None:
            raise StoreError("store not attached")
        return _instance.cursor()


def _open(directory, create: bool = False):
    """(cursor, alias) of a store, or (None, None) if there is no store."""
    alias = attached(location(directory), create)
    return (cursor(), alias) if alias else (None, None)


def forget(directory: Path | str | None = None) -> None:
    """Detach a store (every snapshot of it) from this process (a test removing or replacing its directory)."""
    loc = location(directory)
    with _lock:
        for key in [k for k in _aliases if k[0] == loc]:
            _ensured.discard(_aliases[key])
            _detach(_aliases.pop(key))


# ---------------------------------------------------------------- reading

def _sql_type(dtype) -> str:
    return {pl.Utf8: "VARCHAR", pl.Int32: "INTEGER", pl.Float64: "DOUBLE", pl.Boolean: "BOOLEAN"}[dtype]


def _at(version) -> str:
    return f" AT (VERSION => {int(version)})" if version not in (None, "", "0") else ""


def tables_of(cur, alias: str, version=None) -> set[str]:
    """The store's tables now, or at snapshot `version` (from the catalog: a failed lookup would abort the
    transaction)."""
    if version in (None, "", "0"):
        return {r[0] for r in cur.execute("SELECT table_name FROM duckdb_tables() WHERE database_name = ?",
                                          [alias]).fetchall()}
    return set(columns_of(cur, alias, version))


def columns_of(cur, alias: str, version) -> dict[str, set[str]]:
    """Each table's columns at snapshot `version`, in one query of the catalog."""
    meta, v = f"__ducklake_metadata_{alias.split('_v')[0]}", int(version)
    out: dict[str, set[str]] = {}
    for table, column in cur.execute(f"""
            SELECT t.table_name, c.column_name FROM {meta}.ducklake_table t
            LEFT JOIN {meta}.ducklake_column c ON c.table_id = t.table_id AND c.parent_column IS NULL
                 AND c.begin_snapshot <= $v AND (c.end_snapshot IS NULL OR c.end_snapshot > $v)
            WHERE t.begin_snapshot <= $v AND (t.end_snapshot IS NULL OR t.end_snapshot > $v)""", {"v": v}).fetchall():
        out.setdefault(table, set()).update([column] if column else [])
    return out


def read_table(directory: Path | str | None, table: str, version=None) -> pl.DataFrame:
    """A table as it is now (or at snapshot `version`), conformed to the schema; empty if there is none."""
    return read_tables(directory, [table], version)[table]


def read_tables(directory: Path | str | None, tables=None, version=None,
                filters: dict[str, tuple[str, list]] | None = None) -> dict[str, pl.DataFrame]:
    """Several tables from one snapshot (the newest unless `version`), so they agree with each other.
    `filters` {table: (column, values)}: only that table's rows whose column is one of the values."""
    tables = list(tables or schema.TABLES)
    filters = filters or {}
    cur, alias = _open(directory)
    if cur is None:
        return {t: schema.empty_frame(t) for t in tables}
    try:
        cur.execute("BEGIN")  # one transaction: one snapshot for every table
        out, present = {}, tables_of(cur, alias, version)
        for table in tables:
            if table in present and table in filters:
                column, values = filters[table]
                out[table] = schema.conform(table, cur.execute(
                    f'FROM {alias}."{table}"{_at(version)} WHERE "{column}" IN (SELECT unnest(CAST($v AS VARCHAR[])))',
                    {"v": [str(v) for v in values]}).pl())
            elif table in present:
                out[table] = schema.conform(table, cur.sql(f'FROM {alias}."{table}"{_at(version)}').pl())
            else:
                out[table] = schema.empty_frame(table)
        cur.execute("COMMIT")
        return out
    finally:
        cur.close()


def data_version(directory: Path | str | None = None) -> str:
    """The newest snapshot's id ("0" when there is no store): caches key on it, `AT (VERSION => …)` reads it."""
    cur, alias = _open(directory)
    if cur is None:
        return "0"
    try:
        return str(cur.execute(f"SELECT id FROM {alias}.current_snapshot()").fetchone()[0])
    finally:
        cur.close()


def read_manifest(directory: Path | str | None = None) -> dict:
    """What the writes said of the data (built_from, synthetic, last_import …) and its version."""
    cur, alias = _open(directory)
    if cur is None:
        return {}
    try:
        cur.execute("BEGIN")
        version = cur.execute(f"SELECT id FROM {alias}.current_snapshot()").fetchone()[0]
        meta = {}
        if META_TABLE in tables_of(cur, alias):
            meta = _read_meta(cur, alias)
        cur.execute("COMMIT")
    finally:
        cur.close()
    return {**meta, "version": int(version)}


def snapshots(directory: Path | str | None = None) -> pl.DataFrame:
    """Every snapshot, newest first: id, time (JST text), author, message and what the write said of itself."""
    empty = pl.DataFrame(schema={"snapshot_id": pl.Int64, "snapshot_time": pl.Utf8, "author": pl.Utf8,
                                 "commit_message": pl.Utf8, "commit_extra_info": pl.Utf8})
    cur, alias = _open(directory)
    if cur is None:
        return empty
    try:
        return cur.sql(f"""SELECT snapshot_id, strftime(timezone('Asia/Tokyo', snapshot_time), '%Y-%m-%dT%H:%M:%S+09:00')
                                  AS snapshot_time, author, commit_message, commit_extra_info
                           FROM {alias}.snapshots() ORDER BY snapshot_id DESC""").pl()
    finally:
        cur.close()


def version_as_of(directory: Path | str | None, when: date | datetime | str) -> int:
    """The snapshot that was current at the end of `when` (a date: that day in Japan; a datetime: that moment)."""
    if isinstance(when, str):
        when = datetime.fromisoformat(when) if "T" in when or " " in when.strip() else date.fromisoformat(when)
    if isinstance(when, datetime):
        moment = when if when.tzinfo else when.replace(tzinfo=JST)
    else:
        moment = datetime.combine(when + timedelta(days=1), datetime.min.time(), JST)
    cur, alias = _open(directory)
    found = None
    if cur is not None:
        try:
            found = cur.execute(f"SELECT max(snapshot_id) FROM {alias}.snapshots() WHERE snapshot_time < ?",
                                [moment]).fetchone()[0]
        finally:
            cur.close()
    if found is None or found == 0:
        raise StoreError(f"{when} の時点にはまだデータがありません")
    return int(found)


# ---------------------------------------------------------------- writing

_ensured: set[str] = set()  # stores whose tables this process has checked (tables are only ever added)


def _ensure_tables(cur, alias: str) -> set[str]:
    """Every table of the schema (and _meta) exists with every column (a store made before a column was added
    gets it as NULLs). Returns the tables created now (empty: nothing to compare with)."""
    if alias in _ensured:
        return set()
    present, created = tables_of(cur, alias), set()
    for table, spec in {**schema.TABLES, META_TABLE: {"columns": {"key": pl.Utf8, "value": pl.Utf8}}}.items():
        columns = spec["columns"]
        if table not in present:
            cur.execute(f'CREATE TABLE {alias}."{table}" ('
                        + ", ".join(f'"{c}" {_sql_type(t)}' for c, t in columns.items()) + ")")
            created.add(table)
            continue
        have = {r[0] for r in cur.execute(f'DESCRIBE {alias}."{table}"').fetchall()}
        for c, t in columns.items():
            if c not in have:
                cur.execute(f'ALTER TABLE {alias}."{table}" ADD COLUMN "{c}" {_sql_type(t)}')
    return created


def _replace_rows(cur, alias: str, table: str, frame: pl.DataFrame, new_table: bool = False,
                  touched: dict[str, set] | None = None, scope: tuple[str, list] | None = None) -> int:
    """Make the table hold exactly `frame`'s rows by deleting the rows that went and inserting the new ones (not
    by rewriting it): the change feed then says what changed, and writers touching other rows do not collide.
    Rows are compared whole, duplicates counted. A table created in this transaction is only appended to.
    `touched` collects the plan_id / kpi_id / entity_id of every row deleted or inserted (which verdicts to redo).
    `scope` (column, values): only the stored rows whose column is one of these values (or one of the frame's) are
    compared and replaced, the rest stay as they are (an import into one plan of 64 million values)."""
    if new_table and frame.is_empty():
        return 0
    cols = list(schema.TABLES[table]["columns"])
    if new_table:  # nothing to compare with: append in sort order (a synthetic national dataset's 50M rows)
        cur.register("_incoming", frame.to_arrow())
        try:
            order = ", ".join(f'"{c}"' for c in schema.TABLES[table]["sort_by"])
            listed = ", ".join(f'"{c}"' for c in cols)
            return int(cur.execute(f'INSERT INTO {alias}."{table}" SELECT {listed} FROM _incoming'
                                   + (f" ORDER BY {order}" if order else "")).fetchone()[0])
        finally:
            cur.unregister("_incoming")
    listed = ", ".join(f'"{c}"' for c in cols)
    same = " AND ".join(f'o."{c}" IS NOT DISTINCT FROM n."{c}"' for c in cols) + " AND o._n = n._n"
    numbered = f"SELECT {listed}, row_number() OVER (PARTITION BY {listed} ORDER BY _ord) AS _n, _ord"
    stored = f'{alias}."{table}"'
    if scope is not None:
        column, values = scope
        values = pl.Series("v", list(values), dtype=pl.String).append(frame[column].cast(pl.String)).unique()
        cur.register("_scope", values.to_frame().to_arrow())
        stored = f'(SELECT rowid AS _rid, * FROM {stored} WHERE "{column}" IN (SELECT v FROM _scope))'
    rowid = "_rid" if scope is not None else "rowid"
    # _ord: the frame's own order, kept for tables without sort keys (a document's remarks in document order).
    # o: the stored rows, n: the incoming ones, each duplicate numbered (_n) so rows compare as multisets
    stored_and_new = (f'WITH o AS (SELECT {listed}, row_number() OVER (PARTITION BY {listed}) AS _n FROM {stored}), '
                      f"n AS ({numbered} FROM _incoming)")
    cur.register("_incoming", frame.with_row_index("_ord").to_arrow())
    try:
        keys = [c for c in ("plan_id", "kpi_id", "entity_id") if c in cols] if touched is not None else []
        if keys:
            picked = ", ".join(f'"{c}"' for c in keys)
            for row in cur.execute(f"""
                    {stored_and_new}
                    SELECT DISTINCT {picked} FROM o WHERE NOT EXISTS (SELECT 1 FROM n WHERE {same})
                    UNION
                    SELECT DISTINCT {picked} FROM n WHERE NOT EXISTS (SELECT 1 FROM o WHERE {same})""").fetchall():
                for key, value in zip(keys, row):
                    touched.setdefault(key, set()).add(value)
        deleted = cur.execute(f"""
            DELETE FROM {alias}."{table}" WHERE rowid IN (
                WITH o AS (SELECT {rowid} AS _rid, {listed}, row_number() OVER (PARTITION BY {listed}) AS _n
                           FROM {stored}),
                     n AS ({numbered} FROM _incoming)
                SELECT _rid FROM o WHERE NOT EXISTS (SELECT 1 FROM n WHERE {same}))""").fetchone()[0]
        order = ", ".join([*(f'"{c}"' for c in schema.TABLES[table]["sort_by"]), "_ord"])
        inserted = cur.execute(f"""
            INSERT INTO {alias}."{table}"
            {stored_and_new}
            SELECT {listed} FROM n WHERE NOT EXISTS (SELECT 1 FROM o WHERE {same})
            ORDER BY {order}""").fetchone()[0]
    finally:
        cur.unregister("_incoming")
        if scope is not None:
            cur.unregister("_scope")
    return int(deleted) + int(inserted)


def _read_meta(cur, alias: str) -> dict:
    return {k: json.loads(v) for k, v in cur.execute(f"SELECT key, value FROM {alias}.{META_TABLE}").fetchall()}


def _write_meta(cur, alias: str, meta: dict) -> None:
    # Every write rewrites the whole table: two concurrent writers then always conflict, and one is retried.
    cur.execute(f"DELETE FROM {alias}.{META_TABLE}")
    cur.executemany(f"INSERT INTO {alias}.{META_TABLE} VALUES (?, ?)",
                    [[k, json.dumps(v, ensure_ascii=False, default=str)] for k, v in sorted(meta.items())])


_RETRYABLE = ("conflict", "database is locked", "could not serialize", "failed to commit", "deadlock")


def _retryable(error: Exception) -> bool:
    return isinstance(error, duckdb.Error) and any(w in str(error).lower() for w in _RETRYABLE)


def write_tables(directory: Path | str | None, tables: dict[str, pl.DataFrame], manifest_extra: dict | None = None,
                 *, author: str | None = None, message: str | None = None, base_version=None,
                 scopes: dict[str, tuple[str, list]] | None = None) -> dict:
    """One transaction: the given tables hold exactly these rows afterwards, and `manifest_extra` is merged into
    the store's metadata. With `base_version` (the snapshot the tables were read from), raises StaleData if another
    write came first; without it, a lost race is retried. Nothing changed: no snapshot. Returns the metadata.
    `scopes` {table: (column, values)}: that table's frame is only its rows with those values (read_tables' filters),
    and only those are replaced."""
    loc = location(directory)
    alias = attached(loc, create=True)
    frames = {t: schema.conform(t, f) for t, f in tables.items()}
    extra = json.dumps(manifest_extra or {}, ensure_ascii=False, default=str)
    wait = 0.05
    for attempt in range(WRITE_ATTEMPTS):
        cur = cursor()
        try:
            cur.execute("BEGIN")
            current = cur.execute(f"SELECT id FROM {alias}.current_snapshot()").fetchone()[0]
            if base_version is not None and str(current) != str(base_version):
                raise StaleData("取込の確認後に別の書き込みがありました")
            created = _ensure_tables(cur, alias)
            touched: dict[str, set] = {}
            changed = len(created) + sum(_replace_rows(cur, alias, t, f, t in created,
                                                       touched if t in verdicts.INPUTS else None,
                                                       None if t in created else (scopes or {}).get(t))
                                         for t, f in frames.items())
            meta = _read_meta(cur, alias)
            if (not changed and meta.get(verdicts.META_KEY) == verdicts.signature()
                    and all(meta.get(k) == v for k, v in (manifest_extra or {}).items())):
                cur.execute("ROLLBACK")
                return {**meta, "version": int(current)}
            _rejudge(cur, alias, meta, None if created else touched)
            meta.update(json.loads(extra))
            meta["tables"] = sorted(set(meta.get("tables", [])) | set(frames))
            _write_meta(cur, alias, meta)
            _commit_message(cur, alias, author or "", message or "", extra)
            cur.execute("COMMIT")
            _ensured.add(alias)
            return {**meta, "version": data_version(directory)}
        except StaleData:
            _rollback(cur)
            raise
        except Exception as e:
            _rollback(cur)
            if not _retryable(e):
                raise
            if base_version is not None:
                raise StaleData("別の書き込みと重なりました") from e
            if attempt == WRITE_ATTEMPTS - 1:
                raise StoreError(f"{loc.label} への書き込みが別の書き込みと重なり、{WRITE_ATTEMPTS} 回試しても"
                                 "保存できませんでした。データは書き込み前のままです") from e
            time.sleep(wait)
            wait = min(wait * 2, 2.0)
        finally:
            cur.close()
    raise AssertionError("unreachable")


def write_generated(directory: Path | str | None, queries: dict[str, str | None], manifest_extra: dict | None = None,
                    *, author: str | None = None, message: str | None = None) -> dict[str, int]:
    """One transaction, like write_tables, for tables too big to pass through Python (python -m kpiboard synth's
    50 million observations): each table named in `queries` holds exactly the rows of its SQL query afterwards
    (None: no rows). The query runs inside this process's DuckDB and its rows are appended straight into the store,
    in the query's order (generate them in the table's `sort_by` order); its columns are matched to the schema's by
    name and cast to their types, a column it lacks is NULL. Rows are not diffed: a table that already had rows has
    them all deleted first (the change feed then says every row went), so this is for generated data, not imports.
    Tables not named are left as they are. Returns {table: rows written}."""
    unknown = sorted(set(queries) - set(schema.TABLES))
    if unknown:
        raise ValueError(f"unknown tables: {unknown}")
    loc = location(directory)
    alias = attached(loc, create=True)
    extra = json.dumps(manifest_extra or {}, ensure_ascii=False, default=str)
    wait = 0.05
    for attempt in range(WRITE_ATTEMPTS):
        cur = cursor()
        try:
            cur.execute("BEGIN")
            created = _ensure_tables(cur, alias)
            counts = {}
            for table, sql in queries.items():
                if table not in created:
                    cur.execute(f'DELETE FROM {alias}."{table}"')
                counts[table] = 0
                if sql is None:
                    continue
                have = set(cur.sql(f"SELECT * FROM ({sql}) LIMIT 0").columns)
                listed = ", ".join(f"CAST({_g(c) if c in have else 'NULL'} AS {_sql_type(t)})"
                                   for c, t in schema.TABLES[table]["columns"].items())
                counts[table] = int(cur.execute(f'INSERT INTO {alias}."{table}" SELECT {listed} FROM ({sql}) _g')
                                    .fetchone()[0])
            meta = _read_meta(cur, alias)
            _rejudge(cur, alias, meta, None)
            meta.update(json.loads(extra))
            meta["tables"] = sorted(set(meta.get("tables", [])) | set(queries))
            _write_meta(cur, alias, meta)
            _commit_message(cur, alias, author or "", message or "",
                            json.dumps({**json.loads(extra), BULK_WRITE: True}, ensure_ascii=False))
            cur.execute("COMMIT")
            _ensured.add(alias)
            return counts
        except Exception as e:
            _rollback(cur)
            if not _retryable(e):
                raise
            if attempt == WRITE_ATTEMPTS - 1:
                raise StoreError(f"{loc.label} への書き込みが別の書き込みと重なり、{WRITE_ATTEMPTS} 回試しても"
                                 "保存できませんでした。データは書き込み前のままです") from e
            time.sleep(wait)
            wait = min(wait * 2, 2.0)
        finally:
            cur.close()
    raise AssertionError("unreachable")


def _rejudge(cur, alias: str, meta: dict, touched: dict[str, set] | None) -> None:
    """Keep the verdicts (kpiboard.verdicts) true to this transaction's tables: the plans it touched, or every
    KPI (touched None, or verdicts kept by another rule or settings). Records what they were judged with."""
    plans = None
    if touched is not None and meta.get(verdicts.META_KEY) == verdicts.signature():
        plans = verdicts.touched_plans(cur, alias, touched)
    verdicts.materialise(cur, alias, plans)
    meta[verdicts.META_KEY] = verdicts.signature()


def rejudge(directory: Path | str | None = None) -> dict:
    """Judge every KPI again in one write (after the rule or its defaults changed); returns the metadata."""
    loc = location(directory)
    alias = attached(loc, create=True)
    cur = cursor()
    try:
        cur.execute("BEGIN")
        _ensure_tables(cur, alias)
        meta = _read_meta(cur, alias)
        _rejudge(cur, alias, meta, None)
        _write_meta(cur, alias, meta)
        _commit_message(cur, alias, "python -m kpiboard maintenance", "判定を計算し直し", "{}")
        cur.execute("COMMIT")
        return meta
    except Exception:
        _rollback(cur)
        raise
    finally:
        cur.close()


def _g(column: str) -> str:
    return f'_g."{column}"'


# In a generated write's commit info: every row of its tables went and came in it, so the change feed before it (and
# its own 64 million inserts) says nothing about what an import replaced (db: observation_changes starts after it).
BULK_WRITE = "bulk_write"


def _commit_message(cur, alias: str, author: str, message: str, extra: str) -> None:
    """Who wrote the snapshot and what it was (the history shows both)."""
    cur.execute(f"CALL {alias}.set_commit_message(?, ?, extra_info => ?)", [author, message, extra])


def _rollback(cur) -> None:
    try:
        cur.execute("ROLLBACK")
    except duckdb.Error:  # already ended by the failed commit
        pass


# ---------------------------------------------------------------- maintenance

def maintain(directory: Path | str | None = None, *, expire_before: date | None = None) -> dict:
    """Merge small data files, expire snapshots older than `expire_before` (none by default: snapshots are the
    history and what --as-of reads), and delete files no snapshot needs any more. Returns file counts."""
    loc = location(directory)
    cur, alias = _open(directory)
    if cur is None:
        raise StoreError(f"{loc.label} にデータがありません")
    try:
        def files() -> int:
            return cur.execute(f"SELECT count(*) FROM __ducklake_metadata_{alias}.ducklake_data_file "
                               "WHERE end_snapshot IS NULL").fetchone()[0]
        before = files()
        cur.execute(f"CALL ducklake_merge_adjacent_files('{alias}')")
        expired = 0
        if expire_before is not None:
            moment = datetime.combine(expire_before, datetime.min.time(), JST)
            expired = len(cur.execute(f"CALL ducklake_expire_snapshots('{alias}', older_than => ?)", [moment]).fetchall())
        cleaned = len(cur.execute(f"CALL ducklake_cleanup_old_files('{alias}', cleanup_all => true)").fetchall())
        return {"data_files_before": before, "data_files_after": files(), "snapshots_expired": expired,
                "files_deleted": cleaned}
    finally:
        cur.close()


# ---------------------------------------------------------------- tests and tools

def directory_digest(directory: Path) -> str:
    """SHA-256 over every file's name and bytes: tests use it to prove nothing changed."""
    digest = hashlib.sha256()
    for path in sorted(Path(directory).rglob("*")):
        if path.is_file() and not path.name.endswith(("-journal", "-wal", "-shm")):
            digest.update(str(path.relative_to(directory)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def copy_data_dir(source: Path, target: Path) -> None:
    """A copy of a local store (catalog and files); the copy is a store of its own."""
    forget(target)
    shutil.copytree(source, target, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("*-journal", "*-wal", "*-shm"))


from . import verdicts  # noqa: E402  (last: it imports db, which imports this module)
