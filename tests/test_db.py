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
    data = tmp_path / "data"
    store.copy_data_dir(store.EMBEDDED_DATA_DIR, data)
    store.table_path(data, "kpi_evaluations").unlink()
    old = pl.read_parquet(store.table_path(data, "entities")).drop("code")
    old.write_parquet(store.table_path(data, "entities"))
    con = db.connect(data)
    assert con.sql("SELECT count(*) FROM kpi_evaluations").fetchall() == [(0,)]
    assert set(con.sql("SELECT * FROM kpi_evaluations").columns) == set(schema.TABLES["kpi_evaluations"]["columns"])
    assert con.sql("SELECT count(*) FROM entities WHERE code IS NOT NULL").fetchall() == [(0,)]


def test_views_read_what_is_on_disk_now(tmp_path):
    data = tmp_path / "data"
    store.copy_data_dir(store.EMBEDDED_DATA_DIR, data)
    con = db.connect(data)
    before = con.sql("SELECT count(*) FROM kpis").fetchall()[0][0]
    kpis = pl.read_parquet(store.table_path(data, "kpis"))
    kpis.head(3).write_parquet(store.table_path(data, "kpis"))
    assert before > 3 and con.sql("SELECT count(*) FROM kpis").fetchall()[0][0] == 3


def test_unknown_parameters_are_an_error():
    with pytest.raises(TypeError, match="no parameters"):
        db.run("plans_list", db.connect(store.EMBEDDED_DATA_DIR), nope=1)
