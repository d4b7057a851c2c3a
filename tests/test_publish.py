"""The open data package (python -m kpiboard publish): valid Frictionless, faithful to the store, nothing private."""
import io
import json
import os
import re
import subprocess
import sys
import zipfile

import frictionless
import polars as pl
import pytest

from kpiboard import db, publish, schema, store
from kpiboard.store import PACKAGE_ROOT
from kpiboard.synth import SynthSpec, write_synthetic

BOM = b"\xef\xbb\xbf"
EMAIL = re.compile(rb"[\w.+-]+@[\w-]+(\.[\w-]+)+")


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    """A copy of the embedded data (nothing is ever written into the repository's data/)."""
    directory = tmp_path_factory.mktemp("store")
    store.copy_data_dir(store.EMBEDDED_DATA_DIR, directory)
    yield directory
    store.forget(directory)


@pytest.fixture(scope="module")
def package(data_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("published") / "open-data"
    done = publish.publish(out, data_dir)
    return out, done, json.loads((out / "datapackage.json").read_text(encoding="utf-8"))


def _valid(datapackage_json):
    report = frictionless.validate(str(datapackage_json))
    errors = [f"{task.name}: {e.type}: {e.message}" for task in report.tasks for e in task.errors]
    errors += [f"package: {e.type}: {e.message}" for e in report.errors]
    print("\n".join(errors))
    return report.valid


def test_the_package_validates_with_frictionless(package):
    out, _, _ = package
    assert _valid(out / "datapackage.json")


def test_one_csv_and_json_per_table_and_the_summary(package, data_dir):
    out, done, descriptor = package
    names = [r["name"] for r in descriptor["resources"]]
    fixed = [*publish.PUBLISHED, publish.STATUS_TABLE]
    assert names[:len(fixed)] == fixed and names[len(fixed):] in ([], [publish.COMMENTS_TABLE])  # a store's comments
    assert done["path"] == out and list(done["tables"]) == names
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["datapackage.json", *(f"{n}.csv" for n in names), *(f"{n}.json" for n in names)])
    tables = store.read_tables(data_dir, list(publish.PUBLISHED))
    assert {n: done["tables"][n] for n in publish.PUBLISHED} == {n: f.height for n, f in tables.items()}
    for resource in descriptor["resources"]:
        assert (resource["format"], resource["mediatype"], resource["encoding"]) == ("csv", "text/csv", "utf-8-sig")
        assert resource["path"] == f"{resource['name']}.csv" and resource["title"]
        rows = json.loads((out / f"{resource['name']}.json").read_text(encoding="utf-8"))
        assert isinstance(rows, list) and len(rows) == done["tables"][resource["name"]]


def test_every_csv_has_the_bom_and_reopens_with_the_stores_values(package, data_dir):
    out, _, descriptor = package
    for resource in descriptor["resources"]:
        assert (out / resource["path"]).read_bytes().startswith(BOM), resource["path"]
    tables = store.read_tables(data_dir, ["kpis", "observations", "reference_series", "initiative_budgets",
                                          "sources", "dataset"])
    for name, frame in tables.items():
        back = pl.read_csv(out / f"{name}.csv", schema=frame.schema)
        assert back.equals(frame), name  # floats exactly, nulls and empty text kept apart
        assert pl.DataFrame(json.loads((out / f"{name}.json").read_text(encoding="utf-8")),
                            schema=frame.schema).equals(frame), name


def test_kpi_status_is_evaluates_rows(package, data_dir):
    out, _, descriptor = package
    with db.Database(data_dir) as database:
        evaluated = database.query("evaluate")
    back = pl.read_csv(out / "kpi_status.csv", schema=evaluated.schema)
    assert back.equals(evaluated)
    fields = next(r for r in descriptor["resources"] if r["name"] == "kpi_status")["schema"]["fields"]
    assert [f["name"] for f in fields] == evaluated.columns


def test_every_field_has_a_type_and_a_description(package):
    _, _, descriptor = package
    for resource in descriptor["resources"]:
        for field in resource["schema"]["fields"]:
            assert field["type"] in ("string", "integer", "number", "boolean"), (resource["name"], field)
            assert field.get("description", "").strip(), (resource["name"], field["name"])
    kpis = next(r for r in descriptor["resources"] if r["name"] == "kpis")["schema"]
    assert kpis["primaryKey"] == ["kpi_id"]
    assert "qualitative" in next(f for f in kpis["fields"] if f["name"] == "kind")["description"]


def test_licence_sources_and_publisher(package, data_dir):
    _, _, descriptor = package
    assert descriptor["licenses"] == [publish.LICENSE] and descriptor["licenses"][0]["name"] == "CC-BY-4.0"
    assert descriptor["name"] == "kpiboard-open-data" and descriptor["title"] == "KPI board 公開データ"
    sources = store.read_table(data_dir, "sources")
    assert [s["title"] for s in descriptor["sources"]] == sources["title"].to_list()
    with_url = sources.filter(pl.col("url").is_not_null() & (pl.col("url") != ""))
    assert [s["path"] for s in descriptor["sources"] if "path" in s] == with_url["url"].to_list()
    assert descriptor["contributors"] == [{"title": publish.PUBLISHER, "role": "publisher"}]
    assert descriptor["created"] and publish.SYNTHETIC_NOTE not in descriptor["description"]


def test_every_schema_table_is_published_or_withheld_on_purpose():
    assert set(schema.TABLES) - {publish.COMMENTS_TABLE} == set(publish.PUBLISHED) | set(publish.WITHHELD)
    assert not set(publish.PUBLISHED) & set(publish.WITHHELD)


def _add_comments(directory, frame):
    if publish.COMMENTS_TABLE in schema.TABLES:
        store.write_tables(directory, {publish.COMMENTS_TABLE: frame})
        return
    # write_tables writes only the schema's tables (it conforms each frame to kpiboard.schema): the table is made
    # in the store's DuckLake directly, as a store that has it holds it
    alias = store.attached(store.location(directory), create=True)
    cur = store.cursor()
    try:
        cur.register("_comments", frame.to_arrow())
        cur.execute(f"CREATE TABLE {alias}.{publish.COMMENTS_TABLE} AS SELECT * FROM _comments")
    finally:
        cur.close()


def test_private_rows_and_columns_never_go_out(tmp_path):
    directory = tmp_path / "store"
    store.copy_data_dir(store.EMBEDDED_DATA_DIR, directory)
    try:
        store.write_tables(directory, {"user_roles": pl.DataFrame([{
            "email": "editor@pref.example.lg.jp", "role": "editor", "entity_id": "pref-16",
            "granted_by": "admin@pref.example.lg.jp", "granted_at": "2025-01-01"}])})
        _add_comments(directory, pl.DataFrame([
            {"kpi_id": "toyama-growth:6-1", "fiscal_year": 2024, "kind": "所見", "text": "庁内メモ：未公表",
             "internal": True, "author": "staff@pref.example.lg.jp", "written_at": "2025-02-01T10:00:00+09:00"},
            {"kpi_id": "toyama-growth:6-1", "fiscal_year": 2024, "kind": "所見", "text": "順調に推移している",
             "internal": False, "author": "chair@pref.example.lg.jp", "written_at": "2025-02-02T10:00:00+09:00"},
        ], schema_overrides={"fiscal_year": pl.Int32}))
        out = tmp_path / "open-data"
        done = publish.publish(out, directory)
    finally:
        store.forget(directory)
    assert "user_roles" not in done["tables"] and not list(out.glob("user_roles*"))
    for path in out.iterdir():
        assert not EMAIL.search(path.read_bytes()), path.name
    comments = pl.read_csv(out / "kpi_comments.csv")
    assert comments["text"].to_list() == ["順調に推移している"]
    assert "author" not in comments.columns and "internal" not in comments.columns
    assert json.loads((out / "kpi_comments.json").read_text(encoding="utf-8"))[0]["text"] == "順調に推移している"
    assert _valid(out / "datapackage.json")


def _publish_older_store(tmp_path, *statements) -> dict:
    """publish() of a copy of the embedded store changed first by `statements` (`{alias}` is the store's)."""
    directory = tmp_path / "store"
    store.copy_data_dir(store.EMBEDDED_DATA_DIR, directory)
    try:
        alias = store.attached(store.location(directory))
        cur = store.cursor()
        try:
            for statement in statements:
                cur.execute(statement.format(alias=alias))
        finally:
            cur.close()
        return publish.publish(tmp_path / "out", directory)
    finally:
        store.forget(directory)


def test_a_table_the_store_does_not_have_is_left_out(tmp_path):
    # a store older than the tables
    done = _publish_older_store(tmp_path, "DROP TABLE {alias}.policy_categories", "DROP TABLE {alias}.initiatives")
    assert "policy_categories" not in done["tables"] and not (tmp_path / "out" / "policy_categories.csv").exists()
    descriptor = json.loads((tmp_path / "out" / "datapackage.json").read_text(encoding="utf-8"))
    roadmap = next(r for r in descriptor["resources"] if r["name"] == "initiative_roadmap")
    assert "initiatives" not in done["tables"] and "foreignKeys" not in roadmap["schema"]  # no key to a missing table
    assert done["tables"]["kpis"] == 99
    assert _valid(tmp_path / "out" / "datapackage.json")


def test_a_non_empty_folder_is_refused_and_nothing_is_left_behind(data_dir, tmp_path):
    out = tmp_path / "taken"
    out.mkdir()
    (out / "keep.txt").write_text("前からあるファイル", encoding="utf-8")
    with pytest.raises(publish.PublishError, match="空のフォルダではありません"):
        publish.publish(out, data_dir)
    assert [p.name for p in out.iterdir()] == ["keep.txt"]
    empty = tmp_path / "empty"
    empty.mkdir()
    publish.publish(empty, data_dir)  # an empty folder is fine
    assert (empty / "datapackage.json").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty", "taken"]  # no temporary sibling left


def test_a_synthetic_dataset_says_so(tmp_path):
    directory = tmp_path / "synth"
    write_synthetic(directory, SynthSpec(prefectures=2, municipalities=3, kpis_per_entity=2))
    try:
        publish.publish(tmp_path / "out", directory)
    finally:
        store.forget(directory)
    descriptor = json.loads((tmp_path / "out" / "datapackage.json").read_text(encoding="utf-8"))
    assert publish.SYNTHETIC_NOTE in descriptor["description"]
    assert pl.read_csv(tmp_path / "out" / "dataset.csv")["synthetic"].all()
    assert _valid(tmp_path / "out" / "datapackage.json")


def test_the_zip_holds_the_package(data_dir):
    with zipfile.ZipFile(io.BytesIO(publish.package_zip(data_dir))) as archive:
        names = archive.namelist()
        descriptor = json.loads(archive.read("kpiboard-open-data/datapackage.json"))
        assert archive.read("kpiboard-open-data/kpis.csv").startswith(BOM)
    assert {f"kpiboard-open-data/{r['path']}" for r in descriptor["resources"]} <= set(names)


def cli(*args, env=None):
    return subprocess.run([sys.executable, "-m", "kpiboard", *args], cwd=PACKAGE_ROOT, capture_output=True,
                          text=True, env={**os.environ, **(env or {})}, timeout=120)


def test_the_cli_writes_the_package_and_refuses_a_non_empty_folder(data_dir, tmp_path):
    out = tmp_path / "open-data"
    env = {"KPIBOARD_DATA_DIR": str(data_dir)}
    done = cli("publish", "--out", str(out), env=env)
    assert done.returncode == 0, done.stderr
    assert "kpis: 99 行" in done.stdout and str(out) in done.stdout and "書き出しました" in done.stdout
    assert (out / "datapackage.json").exists() and (out / "kpi_status.csv").exists()
    again = cli("publish", "--out", str(out), env=env)
    assert again.returncode == 2
    assert again.stderr.startswith("エラー: ") and "空のフォルダではありません" in again.stderr
    assert cli("publish").returncode == 2  # --out is required


def _strict_json(path):
    """The file as JSON proper: NaN or Infinity (which Python's json reads) is an error."""
    def refuse(token):
        raise ValueError(f"not JSON: {token}")
    return json.loads(path.read_text(encoding="utf-8"), parse_constant=refuse)


def test_the_tables_are_written_by_duckdb_not_read_into_python(data_dir, tmp_path, monkeypatch):
    """At national scale no table fits in memory: publish never reads one into Polars (nor evaluate's rows), and it
    says how far it got as each table is written."""
    def refuse(*args, **kwargs):
        raise AssertionError("a table was read into Python")
    monkeypatch.setattr(store, "read_tables", refuse)
    monkeypatch.setattr(db, "run", refuse)  # Database.query and every named query
    monkeypatch.setattr(pl.DataFrame, "write_csv", refuse)
    monkeypatch.setattr(pl.DataFrame, "write_json", refuse)
    seen = []
    done = publish.publish(tmp_path / "out", data_dir, progress=lambda share, message: seen.append((share, message)))
    assert [m for _, m in seen] == [f"{name}: {rows} 行" for name, rows in done["tables"].items()]
    shares = [s for s, _ in seen]
    assert shares == sorted(shares) and shares[0] > 0 and shares[-1] == 1.0
    assert done["tables"]["observations"] == 413 and done["tables"][publish.STATUS_TABLE] == 99


def test_the_csv_is_rfc_4180_with_crlf_and_the_json_an_array(tmp_path):
    """Text that needs quotes gets them (and only it), the empty text is "" and NULL nothing, booleans true/false,
    every record ends in CRLF (a line break inside a value stays as it is, quoted)."""
    directory = tmp_path / "store"
    store.copy_data_dir(store.EMBEDDED_DATA_DIR, directory)
    remark = {"meeting": "会議,第1回", "held_on": "2024-05-01", "member": '委員"A"', "remark": "一行目\n二行目",
              "theme": "", "note": None, "source": "#出典", "source_id": None, "source_place": " 前に空白"}
    try:
        store.write_tables(directory, {"committee_remarks": pl.DataFrame([remark], schema=schema.TABLES[
            "committee_remarks"]["columns"])})
        out = tmp_path / "out"
        publish.publish(out, directory)
    finally:
        store.forget(directory)
    raw = (out / "committee_remarks.csv").read_bytes()
    header, row = raw[len(BOM):].split(b"\r\n", 1)
    assert header == b"meeting,held_on,member,remark,theme,note,source,source_id,source_place"
    assert row.startswith('"会議,第1回",2024-05-01,"委員""A""","一行目\n二行目","",,'.encode()), row
    assert row.endswith(",, 前に空白\r\n".encode())
    back = pl.read_csv(out / "committee_remarks.csv", schema=schema.TABLES["committee_remarks"]["columns"])
    assert back.to_dicts() == [remark]
    assert _strict_json(out / "committee_remarks.json") == [remark]
    dataset = (out / "dataset.csv").read_bytes()
    assert dataset.startswith(BOM + b"name,synthetic,data_as_of,description\r\n") and b",false," in dataset
    for path in out.glob("*.csv"):  # no bare line feed outside a quoted value
        assert b"\n" not in re.sub(rb'"(?:[^"]|"")*"', b"", path.read_bytes()).replace(b"\r\n", b""), path.name


def test_rows_a_write_appended_go_out_in_the_tables_order(tmp_path):
    """A write appends the rows it changed (DuckLake keeps the rest where they were): the package still lists them
    in the table's order (sort_by, ties as stored), as the store reads them; a value that is not a number (NaN) is
    nan in the CSV and null in the JSON (JSON has no NaN)."""
    directory = tmp_path / "store"
    store.copy_data_dir(store.EMBEDDED_DATA_DIR, directory)
    try:
        observations = store.read_table(directory, "observations")
        first = pl.int_range(pl.len()) == 0
        store.write_tables(directory, {"observations": observations.with_columns(
            pl.when(first).then(float("nan")).otherwise(pl.col("value")).alias("value"))})
        alias = store.attached(store.location(directory))
        cur = store.cursor()
        try:
            stored = cur.execute(f"SELECT kpi_id, fiscal_year, value_kind FROM {alias}.observations").pl()
        finally:
            cur.close()
        assert not stored.equals(stored.sort(["kpi_id", "fiscal_year", "value_kind"], maintain_order=True))
        expected = store.read_table(directory, "observations")
        out = tmp_path / "out"
        publish.publish(out, directory)
    finally:
        store.forget(directory)
    back = pl.read_csv(out / "observations.csv", schema=expected.schema)
    assert back.equals(expected) and back["value"].is_nan()[0]
    rows = _strict_json(out / "observations.json")
    assert rows[0]["value"] is None and [r["kpi_id"] for r in rows] == expected["kpi_id"].to_list()
    for name in ("kpi_status", "observations"):
        _strict_json(out / f"{name}.json")


def test_a_column_the_store_does_not_have_goes_out_empty(tmp_path):
    """A store written before a column was added: the column is published (schema order and type), empty."""
    done = _publish_older_store(tmp_path, "ALTER TABLE {alias}.observations DROP COLUMN part")
    columns = schema.TABLES["observations"]["columns"]
    back = pl.read_csv(tmp_path / "out" / "observations.csv", schema=columns)
    assert back.columns == list(columns) and back["part"].null_count() == back.height == done["tables"]["observations"]
    descriptor = json.loads((tmp_path / "out" / "datapackage.json").read_text(encoding="utf-8"))
    fields = next(r for r in descriptor["resources"] if r["name"] == "observations")["schema"]["fields"]
    assert next(f for f in fields if f["name"] == "part")["type"] == "integer"
    assert _valid(tmp_path / "out" / "datapackage.json")
