"""The SQL page's sandbox: one read-only SELECT over copies of the tables, nothing else."""
import pytest

from kpiboard import sql_sandbox, store
from kpiboard.sql_sandbox import SandboxError, run_query

DATA = store.EMBEDDED_DATA_DIR


def refused(sql, **kw) -> SandboxError:
    with pytest.raises(SandboxError) as info:
        run_query(sql, DATA, **kw)
    return info.value


def test_select_and_with_run_over_the_tables():
    r = run_query("SELECT count(*) AS n FROM kpis", DATA)
    assert r.frame["n"][0] == 99
    r = run_query("WITH t AS (SELECT * FROM initiatives) SELECT code FROM t ORDER BY sort_order;", DATA)
    assert r.frame["code"].to_list()[0] == "Ⅳ-1-①"
    assert not r.truncated


def test_statuses_come_from_the_evaluate_query():
    r = run_query("SELECT status, count(*) AS n FROM kpi_status WHERE entity_type = 'region' GROUP BY status", DATA)
    assert dict(zip(r.frame["status"], r.frame["n"])) == {"達成": 7}


@pytest.mark.parametrize("sql", [
    "CREATE TABLE x AS SELECT 1",
    "INSERT INTO kpis SELECT * FROM kpis",
    "UPDATE kpis SET kpi_name = 'x'",
    "DELETE FROM kpis",
    "DROP TABLE kpis",
    "COPY kpis TO '/tmp/kpis.csv'",
    "ATTACH '/tmp/other.duckdb' AS other",
    "INSTALL httpfs",
    "LOAD httpfs",
    "PRAGMA version",
    "SET enable_external_access = true",
    "EXPLAIN SELECT 1",
    "EXPORT DATABASE '/tmp/export'",
])
def test_anything_but_select_is_refused(sql):
    error = refused(sql)
    assert error.kind == "forbidden"
    assert "SELECT" in error.message


@pytest.mark.parametrize("sql", [
    "SELECT * FROM read_csv('/etc/passwd')",
    "SELECT * FROM read_text('/etc/hostname')",
    "SELECT * FROM glob('/etc/*')",
    f"SELECT * FROM read_parquet('{DATA / 'kpis.parquet'}')",
    "SELECT * FROM read_json('https://example.com/data.json')",
    "SELECT * FROM 'https://example.com/data.csv'",
])
def test_files_and_network_are_refused(sql):
    error = refused(sql)
    assert error.kind == "forbidden"
    assert "ファイル" in error.message


def test_the_lockdown_holds_even_without_the_statement_check():
    con = sql_sandbox._locked_connection(DATA)
    for sql in ("SET enable_external_access = true", "SET lock_configuration = false",
                "COPY kpis TO '/tmp/kpis_leak.csv'", "LOAD httpfs"):
        with pytest.raises(Exception):
            con.execute(sql)
    assert con.sql("SELECT count(*) FROM plans").fetchall()[0][0] == 9


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


def test_row_limit_cuts_and_says_so():
    r = run_query("SELECT * FROM range(25)", DATA, row_limit=10)
    assert r.frame.height == 10 and r.truncated
    r = run_query("SELECT * FROM range(10)", DATA, row_limit=10)
    assert r.frame.height == 10 and not r.truncated


def test_long_query_hits_the_time_limit():
    error = refused("SELECT sum(range) FROM range(10000000000)", time_limit=0.5)
    assert error.kind == "timeout"
    assert "時間切れ" in error.message


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
