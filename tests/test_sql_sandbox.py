"""The SQL page's sandbox: one read-only SELECT over copies of the tables, in a capped worker process."""
import os
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest

from kpiboard import sql_sandbox, sql_worker, store
from kpiboard.sql_sandbox import SandboxError, run_query

DATA = store.EMBEDDED_DATA_DIR


def refused(sql, directory=DATA, **kw) -> SandboxError:
    with pytest.raises(SandboxError) as info:
        run_query(sql, directory, **kw)
    return info.value


def server_paths() -> list[str]:
    """Paths of this machine a message or a result must never show. (The snapshot's own database file, a random
    temporary name, is listed by duckdb_databases() and allowed_paths: DuckDB adds an open database there itself.
    Reading it as a file is still refused, below.)"""
    return [str(DATA), str(store.PACKAGE_ROOT), os.path.expanduser("~"), sys.prefix, "/etc/passwd"]


def assert_no_paths(text: str) -> None:
    for path in server_paths():
        assert path not in text, (path, text)
    assert "Traceback" not in text


def rss_bytes() -> int:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmRSS:"))


@pytest.fixture()
def workers_used(monkeypatch):
    """The worker processes the runs of a test used, in order."""
    used = []
    take = sql_sandbox._workers.take

    def spy():
        proc = take()
        used.append(proc)
        return proc

    monkeypatch.setattr(sql_sandbox._workers, "take", spy)
    return used


# ---------------------------------------------------------------- what it runs

def test_select_and_with_run_over_the_tables():
    r = run_query("SELECT count(*) AS n FROM kpis", DATA)
    assert r.frame["n"][0] == 99
    r = run_query("WITH t AS (SELECT * FROM initiatives) SELECT code FROM t ORDER BY sort_order;", DATA)
    assert r.frame["code"].to_list()[0] == "Ⅳ-1-①"
    assert not r.truncated


def test_statuses_come_from_the_evaluate_query():
    r = run_query("SELECT status, count(*) AS n FROM kpi_status WHERE entity_type = 'region' GROUP BY status", DATA)
    assert dict(zip(r.frame["status"], r.frame["n"])) == {"達成": 7}


def test_each_query_gets_a_process_of_its_own_that_is_gone_afterwards(workers_used):
    run_query("SELECT 1", DATA)
    refused("SELECT * FROM read_csv('/etc/passwd')")
    assert len(workers_used) == 2 and workers_used[0].pid != workers_used[1].pid
    assert all(p.poll() is not None for p in workers_used)
    assert os.getpid() not in (p.pid for p in workers_used)


def test_a_new_data_version_gets_a_new_snapshot(tmp_path):
    store.copy_data_dir(DATA, tmp_path)
    assert run_query("SELECT count(*) AS n FROM plans", tmp_path).frame["n"][0] == 9
    plans = store.read_table(tmp_path, "plans").head(4)
    store.write_tables(tmp_path, {"plans": plans})
    assert run_query("SELECT count(*) AS n FROM plans", tmp_path).frame["n"][0] == 4


def test_types_polars_cannot_read_arrive_as_text():
    r = run_query("SELECT INTERVAL 3 DAY AS i, union_value(k := 'x') AS u, '101'::BIT AS b, 1::HUGEINT AS h", DATA)
    assert r.frame.row(0)[:3] == ("3 days", "x", "101")


# ---------------------------------------------------------------- statements and access

@pytest.mark.parametrize("sql", [
    "CREATE TABLE x AS SELECT 1",
    "INSERT INTO kpis SELECT * FROM kpis",
    "UPDATE kpis SET kpi_name = 'x'",
    "DELETE FROM kpis",
    "DROP TABLE kpis",
    "COPY kpis TO '/tmp/kpis.csv'",
    "COPY (SELECT 1) TO '/tmp/one.parquet' (FORMAT parquet)",
    "ATTACH '/tmp/other.duckdb' AS other",
    "DETACH memory",
    "INSTALL httpfs",
    "LOAD httpfs",
    "PRAGMA version",
    "SET enable_external_access = true",
    "SET memory_limit = '100GB'",
    "RESET lock_configuration",
    "CALL pragma_version()",
    "EXPLAIN SELECT 1",
    "EXPORT DATABASE '/tmp/export'",
    "IMPORT DATABASE '/tmp/export'",
    "CREATE SECRET s (TYPE s3, KEY_ID 'x', SECRET 'y')",
    "CHECKPOINT",
    "VACUUM",
])
def test_anything_but_select_is_refused(sql):
    error = refused(sql)
    assert error.kind == "forbidden"
    assert "SELECT" in error.message
    assert_no_paths(error.message + error.detail)


@pytest.mark.parametrize("sql", [
    "SELECT * FROM read_csv('/etc/passwd')",
    "SELECT * FROM read_text('/etc/hostname')",
    "SELECT * FROM read_blob('/etc/passwd')",
    "SELECT * FROM sniff_csv('/etc/passwd')",
    "SELECT * FROM parquet_metadata('/etc/passwd')",
    "SELECT * FROM glob('/etc/*')",
    f"SELECT * FROM read_parquet('{DATA / 'kpis.parquet'}')",
    "SELECT * FROM read_json('https://example.com/data.json')",
    "SELECT * FROM 'https://example.com/data.csv'",
    "SELECT * FROM duckdb_extensions()",
])
def test_files_and_network_are_refused(sql):
    error = refused(sql)
    assert error.kind == "forbidden"
    assert "ファイル" in error.message
    assert_no_paths(error.message + error.detail)


def test_no_file_beside_the_snapshot_can_be_read():
    """The snapshot's database file is the one path DuckDB keeps open to a query (it reads its tables from it; the
    file holds those tables and nothing else, user_roles left out): every other file, even beside it, is refused."""
    snapshot = sql_sandbox.snapshot_dir(DATA)
    (snapshot / "beside.csv").write_text("a\n1\n")
    for sql in (f"SELECT * FROM read_csv('{snapshot / 'beside.csv'}')", f"SELECT * FROM read_blob('{snapshot}/*')",
                f"SELECT * FROM read_text('{snapshot.parent}/*/*')"):
        error = refused(sql)
        assert error.kind == "forbidden", sql
        assert_no_paths(error.message + error.detail)
    tables = run_query("SELECT table_name FROM information_schema.tables", DATA).frame["table_name"].to_list()
    assert "user_roles" not in tables and "kpis" in tables


def test_the_lockdown_holds_even_without_the_statement_check():
    con = sql_worker.locked_connection(str(sql_sandbox.snapshot_dir(DATA)))
    for sql in ("SET enable_external_access = true", "SET lock_configuration = false",
                "COPY kpis TO '/tmp/kpis_leak.csv'", "LOAD httpfs", "ATTACH '/tmp/leak.duckdb'",
                "SET allowed_directories = ['/']"):
        # refused by the lockdown (a locked setting, no file access), not by a typo or a missing table
        with pytest.raises((duckdb.InvalidInputException, duckdb.PermissionException)):
            con.execute(sql)
    assert con.sql("SELECT count(*) FROM plans").fetchall()[0][0] == 9
    assert not os.path.exists("/tmp/kpis_leak.csv")


@pytest.mark.parametrize("sql", [
    "SELECT * FROM duckdb_settings()",
    "SELECT current_setting('secret_directory'), current_setting('extension_directory'), "
    "current_setting('home_directory'), current_setting('temp_directory'), current_setting('file_search_path')",
    "SELECT * FROM duckdb_databases()",
    "SELECT * FROM duckdb_tables()",
    "SELECT * FROM duckdb_views()",
    "SELECT * FROM duckdb_secrets()",
    "SELECT * FROM pragma_database_size()",
    "SELECT * FROM duckdb_temporary_files()",
])
def test_settings_and_catalog_show_no_server_paths(sql):
    frame = run_query(sql, DATA).frame
    text = str(frame.to_dicts())
    assert_no_paths(text)
    assert ".parquet" not in text.lower()  # no file names either


@pytest.mark.parametrize("sql", ["SELECT getenv('HOME')", "SELECT current_setting('no_such_setting')",
                                 "SELECT * FROM '/etc/passwd'"])
def test_environment_unknown_settings_and_file_names_as_tables_are_not_there(sql):
    error = refused(sql)
    assert error.kind == "error"
    assert_no_paths(error.message + error.detail)


def test_several_statements_are_refused():
    error = refused("SELECT 1; SELECT 2")
    assert error.kind == "multiple"
    assert "1つだけ" in error.message


def test_syntax_error_and_unknown_column_in_japanese():
    assert refused("SELEC 1").message == "SQL の構文エラーです。"
    error = refused("SELECT no_such_column FROM kpis")
    assert "列名" in error.message and "no_such_column" in error.detail


def test_empty_input():
    assert refused("  -- nothing here\n").kind == "empty"
    assert refused("   ").kind == "empty"


# ---------------------------------------------------------------- limits

def test_a_long_text_is_refused_before_any_worker_sees_it(monkeypatch):
    monkeypatch.setattr(sql_sandbox._workers, "take", lambda: pytest.fail("a worker was asked"))
    text = "SELECT 1 AS x" + " " * 600_000
    started = time.perf_counter()
    error = refused(text)
    assert time.perf_counter() - started < 0.1
    assert error.kind == "too_long" and "長すぎます" in error.message and "20,000" in error.message


def test_a_text_at_the_limit_still_runs():
    text = "SELECT 1 AS x"
    text += " " * (sql_sandbox.MAX_QUERY_CHARS - len(text))
    assert run_query(text, DATA).frame["x"][0] == 1


def test_row_limit_cuts_and_says_so():
    r = run_query("SELECT * FROM range(25)", DATA, row_limit=10)
    assert r.frame.height == 10 and r.truncated and r.cut == "rows"
    r = run_query("SELECT * FROM range(10)", DATA, row_limit=10)
    assert r.frame.height == 10 and not r.truncated


def test_a_200_mb_result_is_cut_to_the_byte_limit():
    r = run_query("SELECT repeat('x', 20000) AS s FROM range(10000)", DATA)  # 200 MB of text
    assert r.cut == "bytes" and r.truncated
    assert 0 < r.frame.height < 10_000
    assert r.frame.estimated_size() <= sql_sandbox.RESULT_BYTE_LIMIT


def test_a_row_bigger_than_the_byte_limit_is_refused():
    error = refused("SELECT repeat('x', 30000000) AS s")
    assert error.kind == "too_large" and "結果が大きすぎます" in error.message


def test_huge_cross_join_without_aggregate_is_only_read_up_to_the_row_limit():
    started = time.perf_counter()
    r = run_query("SELECT * FROM range(1000000) a, range(1000000) b", DATA)
    assert r.cut == "rows" and r.frame.height == sql_sandbox.ROW_LIMIT
    assert time.perf_counter() - started < sql_sandbox.TIME_LIMIT_SECONDS


@pytest.mark.parametrize("sql", [
    "SELECT sum(range) FROM range(10000000000)",
    "SELECT count(*) FROM range(1000000) a, range(1000000) b",
    "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r",
    "SELECT length(list_reverse(range(80000000)))",
])
def test_long_queries_are_killed_at_the_time_limit(sql, workers_used):
    started = time.perf_counter()
    error = refused(sql, time_limit=1.0)
    elapsed = time.perf_counter() - started
    assert error.kind in ("timeout", "memory"), error.message
    if error.kind == "timeout":
        assert "時間切れ" in error.message and elapsed < 1.0 + sql_sandbox.KILL_GRACE_SECONDS + 2.5
    assert workers_used[-1].poll() is not None  # killed, not left running


@pytest.mark.parametrize("sql", [
    "SELECT length(range(300000000))",
    "SELECT repeat('x', 1000000000)",
    "SELECT list(range(400000000))",
    "SELECT list(range) FROM range(200000000)",
    "SELECT string_agg(repeat('x', 1000), '') FROM range(2000000)",
    "WITH RECURSIVE r(n, s) AS (SELECT 1, 'x' UNION ALL SELECT n + 1, s || s FROM r WHERE n < 40) "
    "SELECT max(length(s)) FROM r",
    "SELECT length(repeat(repeat('x', 40000), 100000))",
])
def test_memory_attacks_stop_at_the_cap_and_the_server_does_not_grow(sql):
    before = rss_bytes()
    error = refused(sql)
    assert error.kind in ("memory", "timeout"), error.message
    assert "メモリの上限" in error.message or "時間切れ" in error.message
    assert_no_paths(error.message + error.detail)
    assert rss_bytes() - before < 200 * 1024 ** 2


def test_the_worker_runs_under_its_address_space_cap_without_the_servers_environment(workers_used, monkeypatch):
    monkeypatch.setenv("KPIBOARD_TEST_SECRET", "s3cr3t")
    sql_sandbox._workers.close()  # no spare started before the secret was set
    outcome, environ = {}, b""

    def work():
        try:
            run_query("SELECT sum(range) FROM range(10000000000)", DATA)
        except SandboxError as e:
            outcome["error"] = e

    thread = threading.Thread(target=work)
    thread.start()
    deadline = time.time() + 20
    limit = None
    while time.time() < deadline and limit is None:
        time.sleep(0.2)
        if workers_used:
            try:
                lines = Path(f"/proc/{workers_used[0].pid}/limits").read_text().splitlines()
            except OSError:
                continue
            row = next(line for line in lines if line.startswith("Max address space"))
            if row.split()[3] != "unlimited":
                limit = int(row.split()[3])
                environ = Path(f"/proc/{workers_used[0].pid}/environ").read_bytes()
    thread.join()
    assert limit is not None
    assert limit <= 2 * 1024 ** 3  # the idle worker (~0.3 GB) plus MEMORY_BUDGET
    assert resource.getrlimit(resource.RLIMIT_AS)[0] == resource.RLIM_INFINITY  # the server itself uncapped
    assert outcome["error"].kind == "timeout"
    assert b"PYTHONPATH" in environ and b"s3cr3t" not in environ


def test_a_worker_that_dies_is_a_japanese_message(monkeypatch):
    def dying():
        return subprocess.Popen([sys.executable, "-c", "import os, sys; sys.stdout.write('R'); sys.stdout.flush(); "
                                 "sys.stdin.read(); os.kill(os.getpid(), 9)"],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, start_new_session=True)

    monkeypatch.setattr(sql_sandbox._workers, "take", dying)
    error = refused("SELECT 1")
    assert error.kind == "memory" and "異常終了" in error.message


def test_a_worker_that_never_starts_is_a_japanese_message(monkeypatch):
    monkeypatch.setattr(sql_sandbox, "STARTUP_SECONDS", 0.5)
    monkeypatch.setattr(sql_sandbox._workers, "take", lambda: subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(30)"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        start_new_session=True))
    error = refused("SELECT 1")
    assert error.kind == "error" and "起動できません" in error.message


def test_too_many_queries_at_once_wait_then_are_told_so(monkeypatch):
    monkeypatch.setattr(sql_sandbox, "_slots", threading.BoundedSemaphore(1))
    monkeypatch.setattr(sql_sandbox, "QUEUE_SECONDS", 0.2)
    sql_sandbox._slots.acquire()
    error = refused("SELECT 1")
    assert error.kind == "busy" and "混み合っています" in error.message


def test_a_deeply_nested_query_is_an_error_not_a_crash():
    error = refused("SELECT " + "(" * 5000 + "1" + ")" * 5000)
    assert error.kind in ("syntax", "error", "memory")


# ---------------------------------------------------------------- messages

@pytest.mark.parametrize("detail,kept", [
    ('Cannot access file "/etc/passwd" - disabled', 'Cannot access file "<…>" - disabled'),
    ("IO Error: No files found that match the pattern \"/srv/data/kpis.parquet\"", None),
    ("LINE 1: SELECT a/b, (x)/2, 1/0 FROM t", "LINE 1: SELECT a/b, (x)/2, 1/0 FROM t"),
    ("see ~/.duckdb/extensions and ./local/file.csv", None),
])
def test_scrub_removes_paths_but_not_division(detail, kept):
    text = sql_sandbox.scrub(detail)
    assert "/etc" not in text and "/srv" not in text and ".duckdb/" not in text and "local/file" not in text
    if kept is not None:
        assert text == kept


def test_refusal_messages_name_no_files_or_settings():
    for sql in ("SELECT * FROM read_csv('/etc/passwd')", "SELECT length(range(300000000))", "SELEC 1",
                "SELECT * FROM no_such_table", "ATTACH '/etc/passwd'"):
        error = refused(sql)
        assert_no_paths(error.message + error.detail)
        assert "memory_limit" not in error.message + error.detail
        assert any("\u3040" <= ch <= "\u30ff" for ch in error.message)  # Japanese


def test_a_run_changes_nothing_on_disk():
    before = store.directory_digest(DATA)
    run_query("SELECT * FROM observations", DATA)
    refused("DELETE FROM observations")
    assert store.directory_digest(DATA) == before


def test_table_list_has_every_table_with_columns_and_labels():
    cols = sql_sandbox.table_columns(DATA)
    tables = set(cols["table_name"])
    assert {"kpis", "observations", "initiative_budgets", "kpi_status"} <= tables
    budgets = cols.filter(cols["table_name"] == "initiative_budgets")
    assert "amount_yen" in budgets["column_name"].to_list()
    assert budgets["table_label"][0] == "施策の予算（年度別・事業別）"
    assert budgets["row_count"][0] == 16


@pytest.fixture(scope="module")
def synthetic_dir(tmp_path_factory):
    from kpiboard.synth import SynthSpec, write_synthetic

    d = tmp_path_factory.mktemp("synth")
    write_synthetic(d, SynthSpec(prefectures=2, municipalities=5, kpis_per_entity=6))
    return d


@pytest.mark.parametrize("title,sql", sql_sandbox.EXAMPLES, ids=[t for t, _ in sql_sandbox.EXAMPLES])
def test_every_example_query_runs_and_finds_rows_in_some_dataset(title, sql, synthetic_dir):
    heights = [run_query(sql, d).frame.height for d in (DATA, synthetic_dir)]
    assert max(heights) > 0


def test_budget_example_counts_a_shared_programme_once():
    sql = dict(sql_sandbox.EXAMPLES)["予算の年度別合計"]
    totals = dict(run_query(sql, DATA).frame.select("年度", "合計_円").iter_rows())
    # FY2024: 4,842万円 (サービス連携プラットフォーム) is listed under two initiatives, counted once.
    assert totals[2024] == 39_800_000 + 48_420_000 + 1_600_000 + 11_110_000 + 1_209_780_000 + 59_090_000 + 9_500_000 + 1_000_000


def test_the_roles_table_is_not_readable_from_the_sql_page(tmp_path):
    """Who may edit what, and their emails, is not for every viewer's ad-hoc SQL; the change history is."""
    import polars as pl

    data = tmp_path / "d"
    store.copy_data_dir(DATA, data)
    store.write_tables(data, {"user_roles": pl.DataFrame([{"email": "secret@example.org", "role": "editor",
                                                           "entity_id": "*"}])})
    error = refused("SELECT * FROM user_roles", data)
    assert "secret@example.org" not in error.message + error.detail
    assert run_query("SELECT count(*) AS n FROM observation_history", data).frame["n"][0] == 0
