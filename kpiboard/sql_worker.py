"""The SQL page's worker: one query in a process of its own, started by `sql_sandbox`.

`python -m kpiboard.sql_worker` imports DuckDB and pyarrow (never polars or the app: less address
space to cap), says it is ready, then reads one request from stdin, answers on stdout and exits.
Before it reads any user text it caps itself: address space (`RLIMIT_AS`, the one limit DuckDB's
list and string functions cannot get around), CPU time, no files written, and an alarm that kills it
even if the parent is gone. DuckDB is locked down as well (no files, network, extensions, settings).

Protocol (stdout): b"R" when ready; then a 4-byte big-endian header length, a JSON header and, for
a result, an Arrow IPC stream. Errors carry a `kind` and DuckDB's text; `sql_sandbox` words them.
"""
from __future__ import annotations

import json
import math
import os
import re
import resource
import signal
import struct
import sys

import duckdb
import pyarrow as pa
import pyarrow.ipc

BATCH_ROWS = 1024
UNREADABLE = ("INTERVAL", "UNION", "BIT", "VARINT", "BIGNUM", "TIME WITH TIME ZONE", "TIMETZ")
# Settings that default to paths under the server's home directory; blanked so no query can read them.
PATH_SETTINGS = ("secret_directory", "extension_directory", "home_directory")
# Statements DuckDB 1.5's `extract_statements` does not only parse: it runs a PRAGMA's function to rewrite it
# (`PRAGMA version` comes back as `SELECT * FROM pragma_version()`, type SELECT) and IMPORT DATABASE (a PRAGMA
# inside) reads the export's schema.sql and load.sql. They are refused from the tokens, before DuckDB parses.
REWRITTEN_BY_PARSER = ("PRAGMA", "IMPORT")
# Brackets nested deeper than this are refused before parsing. DuckDB's own max_expression_depth (1000) stops
# nested calls and operators, but 1.5 folds plain parentheses away and would parse thousands of them.
MAX_NESTING = 1000


def limit_self(memory_budget: int, seconds: float) -> None:
    """Cap this process: `memory_budget` bytes of address space above what it maps now, CPU time."""
    mapped = _vm_size()
    resource.setrlimit(resource.RLIMIT_AS, (mapped + memory_budget, mapped + memory_budget))
    cpu = math.ceil(seconds) + 2
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))  # writes no files, whatever DuckDB tries
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    signal.alarm(math.ceil(seconds) + 3)  # dies on its own if the parent cannot kill it


def _vm_size() -> int:
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


SNAPSHOT_FILE = "snapshot.duckdb"  # kpiboard.sql_sandbox.snapshot_dir writes it


def locked_connection(snapshot: str, duckdb_memory: str = "512MB") -> duckdb.DuckDBPyConnection:
    """The snapshot's database file (every table and kpi_status), opened read-only by its name inside `snapshot`
    (so duckdb_databases() shows no server path), then locked. Read in place, not copied: at national scale the
    tables are 64 million values, far more than a worker's memory."""
    os.chdir(snapshot)
    con = duckdb.connect(SNAPSHOT_FILE, read_only=True, config={
        "autoinstall_known_extensions": False, "autoload_known_extensions": False,
        "allow_community_extensions": False, "allow_persistent_secrets": False,
        "temp_directory": "", "max_memory": duckdb_memory, "threads": 1,
    })
    for setting in PATH_SETTINGS:
        try:
            con.execute(f"SET {setting} = ''")
        except duckdb.Error:
            pass
    con.execute("SET python_enable_replacements = false")  # no scanning of Python variables
    con.execute("SET enable_external_access = false")  # no files, no network, no extensions
    con.execute("SET lock_configuration = true")  # and no way to switch that back on
    return con


class Refused(Exception):
    def __init__(self, kind: str, detail: str = "", **extra):
        super().__init__(kind)
        self.kind, self.detail, self.extra = kind, detail, extra


def check_statement(con: duckdb.DuckDBPyConnection, sql: str) -> str:
    """The text of the single SELECT statement in `sql`; Refused otherwise."""
    scanned = scan(sql)
    if scanned is not None:
        firsts, deepest = scanned
        rewritten = [w for w in firsts if w in REWRITTEN_BY_PARSER]
        if rewritten and len(firsts) > 1:
            raise Refused("multiple", count=len(firsts))
        if rewritten:
            raise Refused("forbidden", statement_type=rewritten[0])
        if deepest > MAX_NESTING:
            raise Refused("too_deep", limit=MAX_NESTING)
    try:
        statements = con.extract_statements(sql)
    except duckdb.Error as e:
        if _too_deep(e):
            raise Refused("too_deep", limit=MAX_NESTING) from None
        raise Refused("syntax", str(e)) from None
    if not statements:
        raise Refused("empty")
    if len(statements) > 1:
        raise Refused("multiple", count=len(statements))
    statement = statements[0]
    if statement.type != duckdb.StatementType.SELECT:
        raise Refused("forbidden", statement_type=str(statement.type).rsplit(".", 1)[-1])
    return statement.query


def scan(sql: str) -> tuple[list[str], int] | None:
    """From DuckDB's tokenizer (no parsing, no pragmas run): the first word of each non-empty statement
    (upper case, "" if not a keyword) and the deepest nesting of brackets; None if it cannot tokenize."""
    try:
        tokens = duckdb.tokenize(sql)
    except Exception:  # DuckDB's parser says what is wrong
        return None
    raw = sql.encode("utf-8")  # the positions count bytes
    firsts, first, depth, deepest = [], None, 0, 0
    for position, kind in tokens:
        char = raw[position:position + 1]
        if kind == duckdb.token_type.operator and char == b";":
            if first is not None:
                firsts.append(first)
            first = None
            continue
        if first is None:
            word = re.match(rb"[A-Za-z_]+", raw[position:position + 64]) if kind == duckdb.token_type.keyword else None
            first = word.group().decode("ascii").upper() if word else ""
        if kind == duckdb.token_type.operator:
            if char in (b"(", b"[", b"{"):
                depth += 1
                deepest = max(deepest, depth)
            elif char in (b")", b"]", b"}"):
                depth = max(depth - 1, 0)
    if first is not None:
        firsts.append(first)
    return firsts, deepest


def _too_deep(error: BaseException) -> bool:
    return "max expression depth" in str(error).lower()


def classify(error: BaseException) -> Refused:
    detail = str(error)
    if _too_deep(error):
        return Refused("too_deep", limit=MAX_NESTING)
    if isinstance(error, MemoryError) or isinstance(error, duckdb.OutOfMemoryException):
        return Refused("memory", detail)
    if isinstance(error, duckdb.InterruptException):
        return Refused("timeout", detail)
    if isinstance(error, duckdb.PermissionException) or "configuration has been locked" in detail:
        return Refused("permission", detail)
    if isinstance(error, duckdb.ParserException):
        return Refused("syntax", detail)
    if isinstance(error, duckdb.CatalogException):
        return Refused("catalog", detail)
    if isinstance(error, duckdb.BinderException):
        return Refused("binder", detail)
    if "could not allocate" in detail.lower() or "bad_alloc" in detail:
        return Refused("memory", detail)
    return Refused("error", detail)


def collect(reader, row_limit: int, byte_limit: int) -> tuple[pa.Table, str]:
    """At most `row_limit` rows and about `byte_limit` bytes of the reader; why it stopped, if it did."""
    batches, rows, size, cut = [], 0, 0, ""
    for batch in reader:
        if rows + batch.num_rows > row_limit:
            batch, cut = batch.slice(0, row_limit - rows), "rows"
        if size + batch.nbytes > byte_limit:
            batch, cut = _fit(batch, byte_limit - size), "bytes"
        batches.append(batch)
        rows, size = rows + batch.num_rows, size + batch.nbytes
        if cut:
            break
    return pa.Table.from_batches(batches, schema=reader.schema), cut


def _fit(batch: pa.RecordBatch, budget: int) -> pa.RecordBatch:
    lo, hi = 0, batch.num_rows  # the most leading rows whose buffers fit in `budget`
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if batch.slice(0, mid).nbytes <= budget:
            lo = mid
        else:
            hi = mid - 1
    return batch.slice(0, lo)


def to_ipc(table: pa.Table, byte_limit: int) -> tuple[bytes, int]:
    """The table as an Arrow IPC stream of at most `byte_limit` bytes, and how many rows it kept."""
    while True:
        sink = pa.BufferOutputStream()
        with pyarrow.ipc.new_stream(sink, table.schema) as writer:
            writer.write_table(table)
        data = sink.getvalue().to_pybytes()
        if len(data) <= byte_limit or table.num_rows == 0:
            return data, table.num_rows
        table = table.slice(0, table.num_rows // 2)


def handle(request: dict) -> tuple[dict, bytes]:
    con = locked_connection(request["snapshot"], request.get("duckdb_memory", "512MB"))
    if request.get("op") == "columns":
        return {"ok": True, "cut": ""}, to_ipc(table_columns(con), 1 << 30)[0]
    query = check_statement(con, request["sql"])
    row_limit, byte_limit = int(request["row_limit"]), int(request["byte_limit"])
    reader = displayable(con, query).limit(row_limit + 1).to_arrow_reader(BATCH_ROWS)
    table, cut = collect(reader, row_limit, byte_limit)
    data, kept = to_ipc(table, byte_limit)
    if kept < table.num_rows:
        cut = "bytes"
    if cut == "bytes" and kept == 0:
        raise Refused("too_large")
    return {"ok": True, "cut": cut}, data


def displayable(con: duckdb.DuckDBPyConnection, query: str) -> duckdb.DuckDBPyRelation:
    """The query's relation with names polars can hold (no two alike: `a, a` becomes `a, a_1`) and columns
    of types polars cannot read (intervals, unions …) as text. Columns are taken by position (#1): names repeat."""
    relation = con.sql(query)
    names = unique_names(relation.columns)
    odd = [any(w in str(t).upper() for w in UNREADABLE) for t in relation.types]
    if names == list(relation.columns) and not any(odd):
        return relation
    quoted = ['"' + n.replace('"', '""') + '"' for n in names]
    columns = ", ".join(f"CAST(#{i} AS VARCHAR) AS {q}" if cast else f"#{i} AS {q}"
                        for i, (q, cast) in enumerate(zip(quoted, odd), start=1))
    return con.sql(f"SELECT {columns} FROM (\n{query}\n)")


def unique_names(names: list[str]) -> list[str]:
    """The names with repeats suffixed `_1`, `_2` … (a suffix no other column has); polars needs unique names."""
    taken, result = set(names), []
    seen: set[str] = set()
    for name in names:
        if name in seen:
            k = 1
            while f"{name}_{k}" in taken:
                k += 1
            name = f"{name}_{k}"
            taken.add(name)
        seen.add(name)
        result.append(name)
    return result


def table_columns(con: duckdb.DuckDBPyConnection) -> pa.Table:
    columns = con.sql("SELECT table_name, column_name, data_type, ordinal_position FROM information_schema.columns "
                      "ORDER BY table_name, ordinal_position").to_arrow_table()
    names = sorted(set(columns.column("table_name").to_pylist()))
    counts = {n: con.sql(f'SELECT count(*) FROM "{n}"').fetchall()[0][0] for n in names}
    return columns.append_column("row_count", pa.array([counts[n] for n in columns.column("table_name").to_pylist()],
                                                       pa.int64()))


def main() -> None:
    os.nice(10)  # the server's own threads come first on a busy machine
    out = os.fdopen(os.dup(1), "wb")  # the protocol channel; fd 1 itself goes nowhere
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    out.write(b"R")
    out.flush()
    request = json.loads(sys.stdin.buffer.read().decode("utf-8"))
    limit_self(int(request["memory_budget"]), float(request["time_limit"]))
    try:
        header, data = handle(request)
    except Refused as e:
        header, data = {"ok": False, "kind": e.kind, "detail": e.detail, **e.extra}, b""
    except BaseException as e:  # everything else becomes an answer too, never a traceback
        r = classify(e)
        header, data = {"ok": False, "kind": r.kind, "detail": r.detail}, b""
    blob = json.dumps(header, ensure_ascii=False).encode("utf-8")
    out.write(struct.pack(">I", len(blob)) + blob)
    out.write(data)
    out.flush()


if __name__ == "__main__":
    main()
