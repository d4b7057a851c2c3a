"""Verdicts judged when the data changes (kpiboard/verdicts.py): the kept rows are evaluate's own, a write redoes
only the plans it touched, as-of reads the verdicts of then, and one plan's page reads only that plan's rows."""
import json

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from kpiboard import db, status, store, verdicts
from kpiboard.synth import SynthSpec, write_synthetic


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    d = tmp_path_factory.mktemp("verdicts_synth")
    write_synthetic(d, SynthSpec(prefectures=3, municipalities=6, kpis_per_entity=40, first_year=2012))
    return d


def live(database, **params):
    """evaluate.sql itself, bypassing the kept verdicts."""
    cur = database.cursor()
    try:
        return cur.sql(db.query_text("evaluate"), params={**db.default_params("evaluate"), **params}).pl()
    finally:
        cur.close()


def answered_by(monkeypatch) -> list[str]:
    names = []
    text = db.query_text

    def spy(name):
        names.append(name)
        return text(name)
    monkeypatch.setattr(db, "query_text", spy)
    return names


@pytest.mark.parametrize("method", verdicts.METHODS)
def test_kept_verdicts_are_evaluates_own_rows(synthetic, method, monkeypatch):
    database = db.Database(synthetic)
    plans = database.query("plans_list")
    names = answered_by(monkeypatch)
    for filters in ({}, {"plan": plans["plan_id"][0]}, {"plan": plans["plan"][-1]}, {"entity": plans["entity"][2]},
                    {"kpi_id": f"{plans['plan_id'][1]}:k0007"}, {"entity_type": "prefecture"},
                    {"entity_ids": tuple(plans["entity_id"].unique().sort().head(2))},
                    {"kpi_ids": (f"{plans['plan_id'][0]}:k0003", f"{plans['plan_id'][2]}:k0011")}):
        kept = database.query("evaluate", method=method, **filters)
        assert names[-1] == "verdicts", filters
        assert kept.height > 0
        if "kpi_id" in filters:  # one KPI keeps its rank in its plan's list (judged alone, it would be first)
            whole = live(database, method=method, plan=kept["plan_id"][0]).filter(pl.col("kpi_id") == filters["kpi_id"])
            assert_frame_equal(kept, whole)
        else:
            assert_frame_equal(kept, live(database, method=method, **filters))


def test_comparison_rollups_read_the_kept_verdicts(synthetic, monkeypatch):
    """比較's per-entity rows (entity_rollup, indicator_by_entity) from the kept verdicts equal those judged live."""
    database = db.Database(synthetic)
    municipalities = database.query("evaluate", entity_type="municipality")
    shared = municipalities.group_by("indicator_id").agg(pl.col("entity").n_unique().alias("n")).filter(pl.col("n") >= 3)
    indicator = shared.sort("indicator_id")["indicator_id"][0]
    counts = {"on_track": status.ON_TRACK, "undetermined": status.UNDETERMINED}
    asked = [("entity_rollup", {"entity_type": "municipality", **counts}),
             ("entity_rollup", {"entity_ids": tuple(municipalities["entity_id"].unique().sort().head(2)), **counts}),
             ("indicator_by_entity", {"entity_type": "municipality", "indicator_id": indicator})]
    names = answered_by(monkeypatch)
    kept = [database.query(name, **params) for name, params in asked]
    assert names.count("verdicts") == len(asked)  # each read the kept rows
    assert kept[0].height == municipalities["entity_id"].n_unique() and kept[1].height == 2
    assert kept[0]["judged"].sum() > 0
    monkeypatch.setattr(verdicts, "kept_params", lambda *a: False)
    for (name, params), rows in zip(asked, kept):
        assert_frame_equal(rows, database.query(name, **params))
    # each municipality's first KPI of the indicator, in plan order
    of_it = municipalities.filter(pl.col("indicator_id") == indicator).sort("entity", "sort_order", "kpi_id")
    first = of_it.unique("entity", keep="first", maintain_order=True)
    assert kept[2]["kpi_id"].to_list() == first["kpi_id"].to_list() and kept[2].height >= 3


def test_asking_for_what_is_not_kept_is_judged_live(synthetic, monkeypatch):
    database = db.Database(synthetic)
    plan = database.query("plans_list")["plan_id"][3]
    names = answered_by(monkeypatch)
    for params in ({"eval_year": 2020}, {"band_on_track": 0.9}, {"almost_tolerance": 0.1},
                   {"eval_years": [2018, 2019]}):
        rows = database.query("evaluate", plan=plan, **params)
        assert names[-1] == "evaluate", params
        assert_frame_equal(rows, live(database, plan=plan, **params))
    # A plan given by its name is the same plan, read by its range
    name = database.query("plans_list").filter(pl.col("plan_id") == plan)["plan"][0]
    assert_frame_equal(database.query("evaluate", plan=name, eval_year=2020),
                       database.query("evaluate", plan=plan, eval_year=2020))


def test_a_write_redoes_only_the_plans_it_touched_in_the_same_snapshot(synthetic, tmp_path):
    d = tmp_path / "store"
    store.copy_data_dir(synthetic, d)
    before = int(store.data_version(d))
    obs = store.read_table(d, "observations")
    kpi = obs.filter(pl.col("value_kind") == "actual")["kpi_id"][0]
    plan = store.read_table(d, "kpis").filter(pl.col("kpi_id") == kpi)["plan_id"][0]
    # the KPI's actuals all at its target: it is 達成 afterwards
    old = db.Database(d).query("evaluate", kpi_id=kpi).row(0, named=True)
    changed = obs.with_columns(value=pl.when((pl.col("kpi_id") == kpi) & (pl.col("value_kind") == "actual"))
                               .then(pl.lit(old["target_value"])).otherwise(pl.col("value")))
    store.write_tables(d, {"observations": changed}, author="test", message="one KPI")
    after = int(store.data_version(d))
    assert after == before + 1  # data and verdicts in one snapshot

    now = db.Database(d).query("evaluate", kpi_id=kpi).row(0, named=True)
    assert now["status"] == "達成" and old["status"] != "達成"
    cur = store.cursor()
    alias = store.attached(store.location(d))
    redone = cur.execute(f"SELECT DISTINCT plan_id FROM {alias}.table_changes('verdicts', {after}, {after})").fetchall()
    assert redone == [(plan,)]
    # what the committee saw: the snapshot before still judges it as it was
    assert db.Database(d, version=before).query("evaluate", kpi_id=kpi).row(0, named=True)["status"] == old["status"]
    # every plan still agrees with the rule
    database = db.Database(d)
    for method in verdicts.METHODS:
        assert_frame_equal(database.query("evaluate", method=method), live(database, method=method))


def test_a_changed_rule_is_not_read_until_judged_again(synthetic, tmp_path, monkeypatch):
    d = tmp_path / "store"
    store.copy_data_dir(synthetic, d)
    monkeypatch.setattr(verdicts, "signature", lambda: {"rule": "changed", "settings": {}})
    names = answered_by(monkeypatch)
    database = db.Database(d)
    database.query("evaluate")
    assert names[-1] == "evaluate"
    meta = store.rejudge(d)
    assert meta[verdicts.META_KEY] == {"rule": "changed", "settings": {}}
    db.Database(d).query("evaluate")
    assert names[-1] == "verdicts"


def scanned(database, sql: str, params: dict) -> dict[str, int]:
    """Rows each table scan produced in EXPLAIN ANALYZE (DuckLake scans), summed per table."""
    cur = database.cursor()
    try:
        cur.execute("PRAGMA enable_profiling = 'json'")
        cur.execute("SET profiling_output = ''")
        plan = cur.execute("EXPLAIN ANALYZE " + sql, params).fetchall()[0][1]
    finally:
        cur.close()
    found: dict[str, int] = {}

    def walk(node):
        info = node.get("extra_info") or {}
        if "SCAN" in str(node.get("operator_name")) and isinstance(info, dict) and info.get("Table"):
            found[info["Table"]] = found.get(info["Table"], 0) + int(node.get("operator_cardinality", 0))
        for child in node.get("children", []):
            walk(child)
    walk(json.loads(plan))
    return found


def test_one_plan_reads_only_its_rows(synthetic):
    database = db.Database(synthetic)
    plan = database.query("plans_list")["plan_id"][4]
    total = store.read_table(synthetic, "observations").height
    own = store.read_table(synthetic, "observations").filter(pl.col("kpi_id").str.starts_with(plan + ":")).height
    params = {**db.default_params("evaluate"), "plan": plan, **db.plan_ranges(database.cursor(), plan),
              "eval_year": 2020}
    rows = scanned(database, db.query_text("evaluate"), params)
    assert rows["observations"] == own < total / 5  # pruned to the plan's range, not filtered after a full read
    kept = scanned(database, db.query_text("verdicts"),
                   {"method": "expected", "plan": plan, "entity": None, "kpi_id": None, "entity_type": None, "entity_ids": None, "kpi_ids": None,
                    "plans_from": plan, "plans_to": plan})
    assert kept["verdicts"] <= 2 * 40  # the plan's rows of one method (one partition file)


def test_kpi_ids_that_do_not_begin_with_their_plan_are_still_read(tmp_path):
    from helpers import make_data_dir
    d = make_data_dir(tmp_path, [{"kpi_id": "k", "obs": [("baseline", 2020, 10), ("target", 2025, 20),
                                                         ("actual", 2023, 18)]},
                                 {"kpi_id": "a-k2", "obs": [("baseline", 2020, 1), ("target", 2025, 2)]}])
    database = db.Database(d)
    assert db.plan_ranges(database.cursor(), "テスト計画") == {"plans_from": "p1", "plans_to": "p1",
                                                              "kpis_from": "a-k2", "kpis_to": "k"}
    assert set(db.plan_ranges(database.cursor(), "存在しない計画").values()) == {None}
    rows = database.query("evaluate", plan="テスト計画", eval_year=2023)
    assert rows["kpi_id"].to_list() == ["k", "a-k2"] and rows["status"][0] == "順調"


def test_a_full_pass_in_batches_is_one_pass(synthetic, tmp_path, monkeypatch):
    d = tmp_path / "store"
    store.copy_data_dir(synthetic, d)
    monkeypatch.setattr(verdicts, "BATCH_KPIS", 70)  # 40 KPIs a plan: one or two plans a batch
    store.rejudge(d)
    database = db.Database(d)
    for method in verdicts.METHODS:
        assert_frame_equal(database.query("evaluate", method=method), live(database, method=method))
