"""Read-only ad-hoc SQL for power users (the SQL page), each query in a capped process of its own.

DuckDB's `max_memory` does not bound list and string functions and `interrupt()` does not stop
them, so a query run inside the server could take all of its memory or a core for good. Here the
server only measures the text and hands it to a fresh worker process (`sql_worker`), which parses
and runs it; the server waits on a pipe and kills the worker when time is up. The limits:

- text: at most MAX_QUERY_CHARS characters, checked before anything parses it;
- time: TIME_LIMIT_SECONDS, after KILL_GRACE_SECONDS more the worker is killed (SIGKILL);
- memory: MEMORY_BUDGET bytes of address space per worker (`RLIMIT_AS`) on top of what the idle
  worker maps (about 0.3 GB); DuckDB's own `max_memory` is lower so big sorts and joins fail with
  DuckDB's message first;
- result: ROW_LIMIT rows and RESULT_BYTE_LIMIT bytes of Arrow IPC (the pipe's payload), cut beyond;
- at most MAX_WORKERS queries run at once in the server; more wait up to QUEUE_SECONDS.

Inside the worker DuckDB is locked down as well: no file or network access, no extensions, no
spilling to disk, no Python variables, `lock_configuration`; only a single SELECT is accepted
(DuckDB's own parser, not a regex; PRAGMA and IMPORT, which DuckDB 1.5's parser rewrites or runs while
parsing, and brackets nested too deep are refused from DuckDB's tokens before that). Workers read the
tables from a snapshot: per data version the server writes every table and `kpi_status` (the evaluate
query) as Parquet into a private temporary directory, so no data goes through pipes and a query sees
one version even while an import writes.
One warm spare worker waits (imports done) so a query does not pay Python's start-up.
Every refusal and failure is a `SandboxError` with a Japanese message and no server paths.
"""
from __future__ import annotations

import atexit
import hashlib
import json
import os
import re
import select
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from . import db, schema, sql_worker, store

MAX_QUERY_CHARS = 20_000
ROW_LIMIT = 10_000
RESULT_BYTE_LIMIT = 20 * 1024 * 1024
TIME_LIMIT_SECONDS = 5.0
KILL_GRACE_SECONDS = 0.5
MEMORY_BUDGET = 1024 ** 3  # per worker, RLIMIT_AS above its idle size
DUCKDB_MEMORY = "512MB"
MAX_WORKERS = 2  # two cores: the server keeps a share of the CPU too
QUEUE_SECONDS = 10.0
STARTUP_SECONDS = 20.0  # a cold worker on a loaded machine
SPARE_WORKERS = 1
# The statuses of the progress rules as a table, so ad-hoc queries never re-implement them.
STATUS_TABLE = "kpi_status"


PRIVATE_TABLES = ("user_roles", "kpi_comments")  # emails; internal commentary

TABLE_LABELS = {
    STATUS_TABLE: "KPIごとの進捗判定（期待値方式、各KPIの最新の実績年度）— アプリの判定と同じルールの結果",
    "dataset": "データセットの説明（合成データかどうか）",
    "entities": "自治体・連携中枢都市圏",
    "plans": "計画",
    "areas": "分野・戦略の柱",
    "kpis": "KPI（成果指標）",
    "observations": "観測値（基準値・目標値・実績値・見込み）",
    "observation_history": "取込で置き換えた値の履歴",
    "reference_values": "参考値（全国平均など）",
    "kpi_evaluations": "定性KPIの記録された評価",
    "initiatives": "施策",
    "initiative_roadmap": "施策のロードマップ（年度別）",
    "initiative_budgets": "施策の予算（年度別・事業別）",
    "initiative_facts": "施策に関する数値（台数・人数など）",
    "initiative_kpis": "施策とKPIの対応",
    "measure_starts": "施策の開始日（導入前後の比較）",
    "policy_categories": "連携中枢都市圏: 政策分野別のKPI設定圏域数",
    "committee_remarks": "会議での発言",
    "committee_attendance": "会議の出席者",
}

# (title, SQL) — shown on the SQL page as starting points.
EXAMPLES: list[tuple[str, str]] = [
    ("分野別の判定件数", """-- 計画・分野ごとに、進捗判定の件数を数える
SELECT plan AS 計画, area AS 分野, status AS 判定, count(*) AS 件数
FROM kpi_status
GROUP BY ALL
ORDER BY 計画, 分野, 判定"""),
    ("予算の年度別合計", """-- 年度ごとの予算合計。同じ事業が複数の施策に載っている場合は1回だけ数える
WITH listed AS (
    SELECT DISTINCT fiscal_year, program, amount_yen FROM initiative_budgets
)
SELECT fiscal_year AS 年度, count(*) AS 事業数, sum(amount_yen) AS 合計_円
FROM listed
GROUP BY fiscal_year
ORDER BY fiscal_year"""),
    ("遅れているKPI", """-- 「やや遅れ」「遅れ」のKPIを、進捗率の低い順に
SELECT entity AS 自治体, plan AS 計画, kpi_name AS 指標, actual_value AS 実績値,
       expected_value AS 期待値, round(progress_ratio, 2) AS 進捗率, status AS 判定, source AS 出典
FROM kpi_status
WHERE status IN ('やや遅れ', '遅れ')
ORDER BY progress_ratio"""),
    ("施策と対応するKPI", """-- 施策ごとに対応するKPI（basis = reading は当方の読み取り）
SELECT i.code AS 施策番号, i.title AS 施策, i.department AS 担当, k.kpi_name AS KPI, ik.basis AS 根拠
FROM initiatives i
LEFT JOIN initiative_kpis ik USING (initiative_id)
LEFT JOIN kpis k USING (kpi_id)
ORDER BY i.sort_order"""),
    ("政策分野別のKPI設定圏域数", """-- 連携中枢都市圏（34圏域）で KPI を設定している圏域の数と割合
SELECT category_code AS 分野, label AS 政策分野, regions_with_kpi AS 設定圏域数,
       round(100.0 * regions_with_kpi / regions_total, 1) AS 割合_パーセント
FROM policy_categories
ORDER BY regions_with_kpi DESC"""),
    ("計画ごとのKPI数と観測値の数", """SELECT p.name AS 計画, count(DISTINCT k.kpi_id) AS KPI数, count(o.kpi_id) AS 観測値の数
FROM plans p
LEFT JOIN kpis k USING (plan_id)
LEFT JOIN observations o USING (kpi_id)
GROUP BY ALL
ORDER BY KPI数 DESC"""),
]


class SandboxError(Exception):
    """A query the sandbox refused or that failed; `message` is Japanese, `detail` DuckDB's text (no paths)."""

    def __init__(self, kind: str, message: str, detail: str = ""):
        super().__init__(kind, message, detail)  # all three in args: pickles (st.cache_data)
        # empty | too_long | syntax | multiple | forbidden | timeout | memory | too_large | busy | error
        self.kind = kind
        self.message = message
        self.detail = detail

    def __str__(self) -> str:
        return self.message


@dataclass
class SandboxResult:
    frame: pl.DataFrame
    truncated: bool  # rows or bytes were cut; `frame` holds the first rows
    row_limit: int
    seconds: float
    cut: str = ""  # "rows" | "bytes" | ""
    byte_limit: int = RESULT_BYTE_LIMIT


def megabytes(n: int) -> str:
    return f"{n / 1024 ** 3:g} GB" if n >= 1024 ** 3 else f"{n / 1024 ** 2:g} MB"


def check_text(sql: str | None) -> str:
    """The text if it may go to a worker: not empty, not too long (nothing parses it here)."""
    if not sql or not sql.strip():
        raise SandboxError("empty", "SQL を入力してください。")
    if len(sql) > MAX_QUERY_CHARS:
        raise SandboxError("too_long", f"SQL 文が長すぎます（最大 {MAX_QUERY_CHARS:,} 文字、入力は {len(sql):,} 文字）。"
                                       "短くしてから実行してください。")
    return sql


def run_query(sql: str, directory: Path | None = None, *, row_limit: int = ROW_LIMIT,
              time_limit: float = TIME_LIMIT_SECONDS, byte_limit: int = RESULT_BYTE_LIMIT,
              memory_budget: int = MEMORY_BUDGET) -> SandboxResult:
    """Run one read-only SELECT over the tables of `directory` (default: the current data)."""
    check_text(sql)
    started = time.perf_counter()
    request = {"sql": sql, "row_limit": row_limit, "byte_limit": byte_limit}
    header, data = _ask(request, directory, time_limit, memory_budget, byte_limit)
    frame = _frame(data)
    cut = header.get("cut", "")
    return SandboxResult(frame, bool(cut), row_limit, time.perf_counter() - started, cut, byte_limit)


def table_columns(directory: Path | None = None) -> pl.DataFrame:
    """Every table the sandbox offers with its columns, types (information_schema) and row counts."""
    _, data = _ask({"op": "columns"}, directory, 30.0, MEMORY_BUDGET, 1 << 30)
    frame = _frame(data)
    return frame.with_columns(
        pl.col("table_name").replace_strict(TABLE_LABELS, default="").alias("table_label"),
        pl.col("row_count").cast(pl.Int64),
    )


def _frame(data: bytes) -> pl.DataFrame:
    try:
        return pl.read_ipc_stream(data)
    except BaseException as e:  # an Arrow type polars cannot hold (it panics: not an Exception)
        if isinstance(e, (KeyboardInterrupt, SystemExit)):
            raise
        raise SandboxError("error", "結果の列の型を表示できません。CAST(列 AS VARCHAR) で文字列にしてください。") from None


# ---------------------------------------------------------------- snapshot of the tables

_snapshot_lock = threading.Lock()
_snapshot_root: Path | None = None
_snapshots: dict[str, list[Path]] = {}  # data directory -> its snapshots, newest last


def snapshot_dir(directory: Path | None = None) -> Path:
    """A private directory with every table and kpi_status as Parquet, one per data version."""
    global _snapshot_root
    directory = (Path(directory) if directory else store.data_dir()).resolve()
    version = store.data_version(directory)
    key = hashlib.sha256(f"{directory}\0{version}".encode()).hexdigest()[:16]
    with _snapshot_lock:
        if _snapshot_root is None:
            _snapshot_root = Path(tempfile.mkdtemp(prefix="kpiboard-sql-"))  # mode 0700
            atexit.register(shutil.rmtree, _snapshot_root, True)
        target = _snapshot_root / key
        if not target.exists():
            staging = _snapshot_root / f".{key}.tmp"
            shutil.rmtree(staging, ignore_errors=True)
            staging.mkdir()
            with db.Database(directory, version) as database:  # one snapshot for every table
                _write_snapshot(database, staging / sql_worker.SNAPSHOT_FILE)
            os.replace(staging, target)
            versions = _snapshots.setdefault(str(directory), [])
            versions.append(target)
            while len(versions) > 2:  # the one before stays for workers still opening it
                shutil.rmtree(versions.pop(0), ignore_errors=True)
        return target


def _write_snapshot(database: db.Database, path: Path) -> None:
    """Every table and kpi_status into one DuckDB file, table by table inside DuckDB (never through Python: 64
    million values stream from the store to the file with bounded memory)."""
    cur = database.cursor()
    alias = f"sandbox_{uuid.uuid4().hex[:12]}"
    try:
        cur.execute(f"ATTACH {store._quote(str(path))} AS {alias}")
        try:
            # user_roles stays out: who may edit what (and their emails) is not for every viewer's SQL
            for name in [*(t for t in schema.TABLES if t not in PRIVATE_TABLES), "observation_history"]:
                cur.execute(f'CREATE TABLE {alias}."{name}" AS FROM "{name}"')
            sql, bound = db.statement("evaluate", database, cur)
            cur.execute(f'CREATE TABLE {alias}."{STATUS_TABLE}" AS {sql}', bound)
        finally:
            cur.execute(f"DETACH {alias}")
    finally:
        cur.close()


# ---------------------------------------------------------------- worker processes

class _Workers:
    """Started `sql_worker` processes; each serves one query and exits, a spare waits warm."""

    def __init__(self, spares: int):
        self.spares = spares
        self._idle: list[subprocess.Popen] = []
        self._lock = threading.Lock()
        atexit.register(self.close)

    @staticmethod
    def start() -> subprocess.Popen:
        # A bare environment: whatever secrets the server's has stay out of reach of a query.
        env = {k: os.environ[k] for k in ("PATH", "HOME", "LANG", "LC_ALL", "TZ") if k in os.environ}
        path = [str(store.PACKAGE_ROOT)] + ([os.environ["PYTHONPATH"]] if os.environ.get("PYTHONPATH") else [])
        env.update({"PYTHONPATH": os.pathsep.join(path),
                    # fewer threads and no big allocator reservations: less address space to cap
                    "ARROW_DEFAULT_MEMORY_POOL": "system", "MALLOC_ARENA_MAX": "1", "OMP_NUM_THREADS": "1",
                    "PYTHONDONTWRITEBYTECODE": "1"})
        return subprocess.Popen([sys.executable, "-m", "kpiboard.sql_worker"], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=store.PACKAGE_ROOT,
                                env=env, close_fds=True, start_new_session=True)

    def take(self) -> subprocess.Popen:
        with self._lock:
            proc = None
            while self._idle and proc is None:
                candidate = self._idle.pop(0)
                if candidate.poll() is None:
                    proc = candidate
                else:
                    _close(candidate)
            proc = proc or self.start()
            while len(self._idle) < self.spares:
                self._idle.append(self.start())
        return proc

    def close(self) -> None:
        with self._lock:
            for proc in self._idle:
                _kill(proc)
            self._idle.clear()


_workers = _Workers(SPARE_WORKERS)
_slots = threading.BoundedSemaphore(MAX_WORKERS)


def _ask(request: dict, directory: Path | None, time_limit: float, memory_budget: int,
         byte_limit: int) -> tuple[dict, bytes]:
    request = {**request, "snapshot": str(snapshot_dir(directory)), "time_limit": time_limit,
               "memory_budget": memory_budget, "duckdb_memory": DUCKDB_MEMORY}
    if not _slots.acquire(timeout=QUEUE_SECONDS):
        raise SandboxError("busy", f"混み合っています（同時に実行できる SQL は {MAX_WORKERS} 件までです）。"
                                   "しばらくしてからもう一度実行してください。")
    try:
        proc = _workers.take()
        try:
            header, data = _exchange(proc, request, time_limit, byte_limit)
        finally:
            _kill(proc)
    finally:
        _slots.release()
    if not header.get("ok"):
        raise _refusal(header, time_limit, memory_budget, byte_limit)
    return header, data


def _exchange(proc: subprocess.Popen, request: dict, time_limit: float, byte_limit: int) -> tuple[dict, bytes]:
    out, inp = proc.stdout.fileno(), proc.stdin.fileno()
    ready = _read(out, time.monotonic() + STARTUP_SECONDS, 1)
    if ready != b"R":
        raise SandboxError("error", "SQL の実行環境を起動できませんでした。しばらくしてからもう一度実行してください。")
    deadline = time.monotonic() + time_limit + KILL_GRACE_SECONDS
    payload = json.dumps(request, ensure_ascii=False).encode("utf-8")
    if not _write(inp, payload, deadline):
        raise _timeout(time_limit)
    proc.stdin.close()
    reply = _read(out, deadline, byte_limit + 1024 * 1024)
    if reply is None:
        raise _timeout(time_limit)
    if len(reply) >= 4:
        size = struct.unpack(">I", reply[:4])[0]
        if 4 + size <= len(reply):
            return json.loads(reply[4:4 + size].decode("utf-8")), reply[4 + size:]
    # No whole answer: the worker died. The kernel's signal says how.
    try:
        code = proc.wait(timeout=2)
    except subprocess.TimeoutExpired:
        code = None
    if code in (-signal.SIGXCPU, -signal.SIGALRM):
        raise _timeout(time_limit)
    return {"ok": False, "kind": "crashed"}, b""


def _read(fd: int, deadline: float, limit: int) -> bytes | None:
    """Bytes from `fd` until end of file, at most `limit`; None when the deadline passes first."""
    chunks, size = [], 0
    while size < limit:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        readable, _, _ = select.select([fd], [], [], left)
        if not readable:
            continue
        chunk = os.read(fd, min(1 << 20, limit - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def _write(fd: int, data: bytes, deadline: float) -> bool:
    os.set_blocking(fd, False)
    view = memoryview(data)
    while view:
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        _, writable, _ = select.select([], [fd], [], left)
        if writable:
            try:
                view = view[os.write(fd, view[:65536]):]
            except BrokenPipeError:
                return True  # the worker died; its answer (none) says so
    return True


def _kill(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # its own session: nothing of it survives
        except ProcessLookupError:
            pass
    _close(proc)


def _close(proc: subprocess.Popen) -> None:
    for pipe in (proc.stdin, proc.stdout):
        try:
            pipe.close()
        except OSError:
            pass
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        pass


# ---------------------------------------------------------------- Japanese messages

def _timeout(time_limit: float) -> SandboxError:
    return SandboxError("timeout", f"時間切れです（{time_limit:g}秒を超えたため中断しました）。"
                                   "条件を絞るか、集計してから実行してください。")


def _refusal(header: dict, time_limit: float, memory_budget: int, byte_limit: int) -> SandboxError:
    kind, detail = header.get("kind", "error"), scrub(header.get("detail", ""))
    memory = (f"メモリの上限（{megabytes(memory_budget)}）を超えたため中断しました。"
              "条件を絞るか、集計してから実行してください。")
    if kind == "empty":
        return SandboxError("empty", "SQL を入力してください。")
    if kind == "syntax":
        return SandboxError("syntax", "SQL の構文エラーです。", detail)
    if kind == "too_deep":  # DuckDB's advice there (SET max_expression_depth) is about a locked setting
        return SandboxError("syntax", f"式の入れ子が深すぎます（括弧・関数・演算の入れ子は {header.get('limit', 1000):,} 段まで）。"
                                      "WITH 句で段階に分けるなどして、入れ子を浅くしてください。")
    if kind == "multiple":
        return SandboxError("multiple", f"一度に実行できる SQL 文は1つだけです（{header.get('count', 2)}個の文があります）。")
    if kind == "forbidden":
        return SandboxError("forbidden", f"SELECT（WITH … SELECT を含む）以外の文は実行できません"
                                         f"（この文の種類: {header.get('statement_type', '?')}）。"
                                         "データの変更、設定の変更、ファイルの読み書きはできません。")
    if kind == "permission":
        return SandboxError("forbidden", "ファイル・ネットワークへのアクセス、拡張機能の読み込み、設定の変更はできません。"
                                         "読み込めるのは一覧の表だけです。", detail)
    if kind == "catalog":
        return SandboxError("error", "表・列・関数のいずれかが見つかりません。表の一覧で名前を確認してください。", detail)
    if kind == "binder":
        return SandboxError("error", "列名や型の指定に誤りがあります。", detail)
    if kind == "memory":  # DuckDB's advice there is about settings nobody here can change
        return SandboxError("memory", memory)
    if kind == "crashed":
        return SandboxError("memory", "実行が異常終了しました。" + memory)
    if kind == "timeout":
        return _timeout(time_limit)
    if kind == "too_large":
        return SandboxError("too_large", f"結果が大きすぎます（1行目だけで {megabytes(byte_limit)} を超えます）。"
                                         "列を絞るか、集計してから実行してください。")
    return SandboxError("error", "SQL の実行中にエラーが発生しました。", detail)


# A slash starting a path or URL part, not division (`a/b`, `(x)/2`).
_PATH = re.compile(r"(?<![\w)\]])(?:~|\.{1,2})?/[\w.\-~%+@=:]+(?:/[\w.\-~%+@=:]*)*")
DETAIL_CHARS = 2_000


def scrub(detail: str) -> str:
    """DuckDB's error text without anything that looks like a file path, and not too long."""
    text = _PATH.sub("<…>", detail or "")
    return text if len(text) <= DETAIL_CHARS else text[:DETAIL_CHARS] + " …"
