"""Read-only ad-hoc SQL for power users (the SQL page).

Every run gets its own in-memory DuckDB database over a read-only snapshot of the tables (Arrow,
read once per data version), then locked down:
no file or network access (`enable_external_access = false`), no extension loading, no spilling to
disk, and `lock_configuration = true` so a query cannot switch any of that back on. On top of that
only a single SELECT statement is accepted (checked with DuckDB's own parser, not a regex), the run
is interrupted after a time limit and the result is cut at a row limit. Errors come back as
`SandboxError` with a Japanese message.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import duckdb
import polars as pl

from . import db, schema, store

ROW_LIMIT = 10_000
TIME_LIMIT_SECONDS = 5.0
MEMORY_LIMIT = "1GB"
# The statuses of the progress rules as a table, so ad-hoc queries never re-implement them.
STATUS_TABLE = "kpi_status"

TABLE_LABELS = {
    STATUS_TABLE: "KPIごとの進捗判定（期待値方式、各KPIの最新の実績年度）— evaluate クエリの結果",
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
    """A query the sandbox refused or that failed; `message` is Japanese, `detail` is DuckDB's text."""

    def __init__(self, kind: str, message: str, detail: str = ""):
        super().__init__(message)
        self.kind = kind  # empty | syntax | multiple | forbidden | timeout | memory | error
        self.message = message
        self.detail = detail


@dataclass
class SandboxResult:
    frame: pl.DataFrame
    truncated: bool  # more rows than the row limit; `frame` holds the first `row_limit`
    row_limit: int
    seconds: float


def check_statement(sql: str) -> str:
    """The text of the single SELECT statement in `sql`; SandboxError otherwise."""
    if not sql or not sql.strip():
        raise SandboxError("empty", "SQL を入力してください。")
    try:
        statements = duckdb.connect(":memory:").extract_statements(sql)
    except duckdb.Error as e:
        raise SandboxError("syntax", "SQL の構文エラーです。", str(e)) from None
    if not statements:
        raise SandboxError("empty", "SQL を入力してください。")
    if len(statements) > 1:
        raise SandboxError("multiple", f"一度に実行できる SQL 文は1つだけです（{len(statements)}個の文があります）。")
    statement = statements[0]
    if statement.type != duckdb.StatementType.SELECT:
        kind = str(statement.type).rsplit(".", 1)[-1]
        raise SandboxError("forbidden", f"SELECT（WITH … SELECT を含む）以外の文は実行できません（この文の種類: {kind}）。"
                                        "データの変更、設定の変更、ファイルの読み書きはできません。")
    return statement.query


@lru_cache(maxsize=2)
def _snapshot(directory: str, version: str) -> dict:
    """The tables of a data directory as Arrow, read once per data version."""
    path = Path(directory)
    tables = {name: store.read_table(path, name).to_arrow() for name in schema.TABLES}
    tables[STATUS_TABLE] = db.run("evaluate", db.connect(path)).to_arrow()
    return tables


def _locked_connection(directory: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(":memory:", config={
        "autoinstall_known_extensions": False, "autoload_known_extensions": False,
        "allow_community_extensions": False, "temp_directory": "", "max_memory": MEMORY_LIMIT,
        "threads": 2,
    })
    # The snapshot's Arrow tables are scanned in place (no copy), read-only; registered before the
    # lockdown, they stay readable after it while every file, URL and Python variable does not.
    for name, arrow in _snapshot(str(directory), store.data_version(directory)).items():
        con.register(name, arrow)
    con.execute("SET python_enable_replacements = false")  # no scanning of Python variables
    con.execute("SET enable_external_access = false")  # no files, no network, no extensions
    con.execute("SET lock_configuration = true")  # and no way to switch that back on
    return con


def run_query(sql: str, directory: Path | None = None, *, row_limit: int = ROW_LIMIT,
              time_limit: float = TIME_LIMIT_SECONDS) -> SandboxResult:
    """Run one read-only SELECT over the tables of `directory` (default: the current data)."""
    query = check_statement(sql)
    directory = Path(directory) if directory else store.data_dir()
    started = time.perf_counter()
    con = _locked_connection(directory)
    outcome: dict = {}

    def work():
        try:
            outcome["frame"] = con.sql(query).limit(row_limit + 1).pl()
        except BaseException as e:  # handed to the caller's thread
            outcome["error"] = e

    worker = threading.Thread(target=work, daemon=True, name="sql-sandbox")
    worker.start()
    worker.join(time_limit)
    timed_out = worker.is_alive()
    if timed_out:
        con.interrupt()
        worker.join(5)
    if not worker.is_alive():  # never close under a query that is still running
        try:
            con.close()
        except duckdb.Error:
            pass
    if timed_out:
        raise SandboxError("timeout", f"時間切れです（{time_limit:g}秒を超えたため中断しました）。"
                                      "条件を絞るか、集計してから実行してください。")
    if "error" in outcome:
        raise _japanese(outcome["error"]) from None
    frame = outcome["frame"]
    truncated = frame.height > row_limit
    return SandboxResult(frame.head(row_limit), truncated, row_limit, time.perf_counter() - started)


def _japanese(error: BaseException) -> SandboxError:
    detail = str(error)
    if isinstance(error, duckdb.InterruptException):
        return SandboxError("timeout", "時間切れです（実行を中断しました）。", detail)
    if isinstance(error, duckdb.PermissionException) or "configuration has been locked" in detail:
        return SandboxError("forbidden", "ファイル・ネットワークへのアクセス、拡張機能の読み込み、設定の変更はできません。"
                                         "読み込めるのは一覧の表だけです。", detail)
    if isinstance(error, duckdb.ParserException):
        return SandboxError("syntax", "SQL の構文エラーです。", detail)
    if isinstance(error, duckdb.CatalogException):
        return SandboxError("error", "表・列・関数のいずれかが見つかりません。表の一覧で名前を確認してください。", detail)
    if isinstance(error, duckdb.BinderException):
        return SandboxError("error", "列名や型の指定に誤りがあります。", detail)
    if isinstance(error, duckdb.OutOfMemoryException):
        return SandboxError("memory", f"メモリの上限（{MEMORY_LIMIT}）を超えました。条件を絞ってください。", detail)
    return SandboxError("error", "SQL の実行中にエラーが発生しました。", detail)


def table_columns(directory: Path | None = None) -> pl.DataFrame:
    """Every table the sandbox offers with its columns and types (from information_schema)."""
    directory = Path(directory) if directory else store.data_dir()
    con = _locked_connection(directory)
    try:
        frame = con.sql(
            "SELECT table_name, column_name, data_type, ordinal_position FROM information_schema.columns "
            "ORDER BY table_name, ordinal_position").pl()
        counts = {name: con.sql(f'SELECT count(*) FROM "{name}"').fetchall()[0][0]
                  for name in frame["table_name"].unique().to_list()}
    finally:
        con.close()
    return frame.with_columns(
        pl.col("table_name").replace_strict(TABLE_LABELS, default="").alias("table_label"),
        pl.col("table_name").replace_strict(counts, return_dtype=pl.Int64).alias("row_count"),
    )
