"""The embedded dataset: Parquet equals what the sources say, and the seeds' figures are there."""
import polars as pl
import pytest

from kpiboard import schema, store
from kpiboard.build import build_tables
from helpers import evaluate

DATA = store.EMBEDDED_DATA_DIR


@pytest.fixture(scope="module")
def built():
    return build_tables()


@pytest.fixture(scope="module")
def results():
    return {r["kpi_name"]: r for r in evaluate(DATA).values()}


@pytest.mark.parametrize("table", list(schema.TABLES))
def test_shipped_store_matches_sources(built, table):
    shipped = store.read_table(DATA, table)
    assert shipped.equals(built[table]), f"data/ ({table}) is stale: run python -m kpiboard build"


def test_every_fact_has_a_source(built):
    titles = dict(built["sources"].select("source_id", "title").iter_rows())
    for table in ("kpis", "observations", "reference_values", "initiatives", "initiative_budgets",
                  "initiative_facts", "initiative_roadmap", "policy_categories"):
        frame = built[table]
        assert frame.height > 0, table
        assert frame.filter(pl.col("source").fill_null("") == "").height == 0, table
        for source_id, source in frame.select("source_id", "source").iter_rows():
            assert source.startswith(titles[source_id]), (table, source)


def test_observations_keep_their_original_text(built):
    obs = built["observations"]
    assert obs.filter(pl.col("original_text").fill_null("") == "").height == 0


def test_toyama_growth_strategy(built, results):
    kpis = built["kpis"].filter(pl.col("plan_id") == "toyama-growth")
    assert kpis.height == 11
    assert built["areas"].filter(pl.col("plan_id") == "toyama-growth").height == 6
    assert kpis.filter(pl.col("kind") == "qualitative").height == 3
    assert kpis.filter(pl.col("background").fill_null("") == "").height == 0
    plan = built["plans"].filter(pl.col("plan_id") == "toyama-growth").row(0, named=True)
    assert "幸せ人口1000万" in plan["vision"]
    dci = results["DCI「デジタル公共サービス」スコア"]
    assert (dci["baseline_value"], dci["baseline_fy"], dci["target_value"], dci["target_fy"]) == (16.9, 2021, 20.0, 2026)
    rank = built["observations"].filter(pl.col("kpi_id") == "toyama-growth:4-1")
    assert sorted(rank["value"].to_list()) == [10.0, 12.0]  # 全国12位 → 全国上位 (10位以内)
    refs = built["reference_values"]
    assert {36.1, 39.0, 0.9, 29.0} <= set(refs["value"].to_list())
    targets = built["observations"].filter(pl.col("kpi_id").str.starts_with("toyama-growth:") & (pl.col("value_kind") == "target"))
    assert {15.0, 1.0, 10.0, 2.0, 32.0, 20.0} <= set(targets["value"].to_list())


def test_fukushima_dx_plan(built, results):
    kpis = built["kpis"].filter(pl.col("plan_id") == "fukushima-dx")
    assert kpis.height >= 70
    tax = results["自動車税種別割に係る電子決済利用件数"]
    assert (tax["baseline_value"], tax["target_value"], tax["target_fy"]) == (14442, 43200, 2025)
    paper = next(r for name, r in results.items() if name.startswith("コピー用紙購入量"))
    assert paper["baseline_value"] == 40_000_000 and paper["direction"] == "decrease"
    online = kpis.filter(pl.col("kpi_name").str.contains("行政手続のオンライン利用率"))
    assert online.height >= 4 and online["indicator_id"].n_unique() == 1
    obs = built["observations"]
    two = obs.filter(pl.col("original_text").str.contains("①"))
    assert set(two["value"].to_list()) >= {500.0, 50.0}
    assert obs.filter(pl.col("original_text").str.contains("ほぼ100"))["qualifier"].str.contains("ほぼ").all()
    beef = obs.filter(pl.col("original_text").str.contains("-198"))
    assert beef["value"].to_list() == [-198.0]
    assert obs.filter(pl.col("original_text") == "146.41万")["value"].to_list() == [1_464_100.0]


def test_toyama_action_plan(built):
    inits = built["initiatives"]
    assert inits["code"].to_list() == ["Ⅳ-1-①", "Ⅳ-1-②", "Ⅳ-1-③", "Ⅳ-2-①", "Ⅳ-2-②", "Ⅳ-2-③", "Ⅳ-3-①", "Ⅳ-3-②"]
    budgets = built["initiative_budgets"]
    assert budgets.filter(pl.col("original_text") == "3,980万円")["amount_yen"].to_list() == [39_800_000]
    new_faculty = budgets.filter(pl.col("original_text") == "12億978万円")
    assert new_faculty["amount_yen"].to_list() == [1_209_780_000] and new_faculty["fiscal_year"].to_list() == [2024]
    facts = built["initiative_facts"]
    assert 24.0 in facts["value"].to_list() and 15.0 in facts["value"].to_list()
    assert {200.0, 549.0, 1750.0, 2750.0, 3690.0} <= set(facts["value"].to_list())
    links = built["initiative_kpis"]
    assert links.filter(pl.col("kpi_id").str.starts_with("toyama-growth:6")).height >= 1
    assert built["initiative_roadmap"]["fiscal_year"].is_between(2019, 2024).all()


def test_regional_partnerships(built, results):
    cats = built["policy_categories"]
    assert cats.height == 27
    assert cats.filter(pl.col("category_code") == "アb")["regions_with_kpi"].to_list() == [31]
    assert cats["regions_total"].unique().to_list() == [34]
    regional = built["kpis"].filter(pl.col("plan_id").str.starts_with("region-"))
    assert regional.height == 7
    assert results["圏域内の創業者数（年間）"]["status"] == "達成"
    station = results["主要駅の一日あたり乗車人数"]
    assert station["direction"] == "maintain_min" and station["status"] == "達成"
    migrants = built["observations"].filter(pl.col("kpi_id").str.contains("otameshi") & (pl.col("value_kind") == "target"))
    assert migrants.select("period_start_fy", "period_end_fy").row(0) == (2015, 2019)
