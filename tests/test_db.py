"""The named-query layer (kpiboard/db.py): parameters as DuckDB parses them, views over the data directory."""
import polars as pl
import pytest

from kpiboard import db, schema, store


def test_a_dollar_word_in_a_comment_is_not_a_parameter(monkeypatch, tmp_path):
    (tmp_path / "commented.sql").write_text("-- costs in $yen are not bound\nSELECT $n AS n, '$text' AS s\n",
                                            encoding="utf-8")
    con = db.connect(store.EMBEDDED_DATA_DIR)  # its views read queries/ (kpi_context.sql)
    monkeypatch.setattr(db, "QUERIES_DIR", tmp_path)
    db.query_text.cache_clear()
    db._param_names.cache_clear()
    try:
        assert db.default_params("commented") == {"n": None}
        assert db.run("commented", con, n=3).row(0) == (3, "$text")
    finally:
        db.query_text.cache_clear()
        db._param_names.cache_clear()


def test_every_named_query_is_one_statement_with_parsed_parameters():
    for path in sorted(db.QUERIES_DIR.glob("*.sql")):
        assert isinstance(db.default_params(path.stem), dict), path.name


def test_a_missing_table_or_column_reads_as_empty_or_null(tmp_path):
    """A store written before a table or a column was added to the schema still answers every query."""
    data = tmp_path / "data"
    store.copy_data_dir(store.EMBEDDED_DATA_DIR, data)
    cur, alias = store._open(data)
    cur.execute("BEGIN")
    cur.execute(f"DROP TABLE {alias}.kpi_evaluations")
    cur.execute(f"ALTER TABLE {alias}.entities DROP COLUMN code")
    cur.execute("COMMIT")
    con = db.connect(data).cursor()
    assert con.sql("SELECT count(*) FROM kpi_evaluations").fetchall() == [(0,)]
    assert set(con.sql("SELECT * FROM kpi_evaluations").columns) == set(schema.TABLES["kpi_evaluations"]["columns"])
    assert con.sql("SELECT count(*) FROM entities WHERE code IS NOT NULL").fetchall() == [(0,)]
    assert db.connect(data).query("evaluate").height == 99


def test_a_database_reads_one_snapshot_and_the_next_one_sees_a_write(tmp_path):
    data = tmp_path / "data"
    store.copy_data_dir(store.EMBEDDED_DATA_DIR, data)
    before = db.connect(data)
    count = before.cursor().sql("SELECT count(*) FROM kpis").fetchall()[0][0]
    store.write_tables(data, {"kpis": store.read_table(data, "kpis").head(3)})
    assert before.cursor().sql("SELECT count(*) FROM kpis").fetchall()[0][0] == count > 3  # its snapshot
    assert db.connect(data).cursor().sql("SELECT count(*) FROM kpis").fetchall()[0][0] == 3


def test_unknown_parameters_are_an_error():
    with pytest.raises(TypeError, match="no parameters"):
        db.run("plans_list", db.connect(store.EMBEDDED_DATA_DIR), nope=1)
