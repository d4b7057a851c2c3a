"""Sources and the audit's data fixes: readable citations, per-year targets, 累計 flags, plain notes."""
import re

import polars as pl
import pytest

from kpiboard import schema
from kpiboard.build import BuildFailed, build_tables, citation

CITED = [t for t, spec in schema.TABLES.items() if "source" in spec["columns"]]
SEED_FILE = re.compile(r"\d{3}_[0-9a-f]{16}\.txt")


@pytest.fixture(scope="module")
def built():
    return build_tables()


def test_one_row_per_seed(built):
    # Web sources of the reference series (issue 13) are rows too; this checks the seeds' rows.
    docs = built["sources"].filter(pl.col("file").str.contains(f"^{SEED_FILE.pattern}$"))
    assert sorted(docs["file"]) == ["000_2480dbadd6971900.txt", "001_96a573004315d430.txt", "002_9847fcfe6be4bc41.txt",
                                    "003_77605a2b4f9d8825.txt", "004_d32d1ff12dd82349.txt"]
    assert docs["source_id"].n_unique() == docs.height == 5
    assert docs.filter(pl.col("title").fill_null("") == "").is_empty()
    assert docs["file"].str.contains(f"^{SEED_FILE.pattern}$").all()
    # No URL appears in the seeds, so none is given.
    assert docs["url"].fill_null("").eq("").all()
    as_of = dict(docs.select("file", "data_as_of").iter_rows())
    assert as_of["003_77605a2b4f9d8825.txt"] == "2024-11"  # R6.11
    assert as_of["004_d32d1ff12dd82349.txt"] == "2020-03"  # 令和2年3月末時点
    assert as_of["001_96a573004315d430.txt"] == "2023-08-29"


@pytest.mark.parametrize("table", CITED)
def test_every_cited_row_names_a_document(built, table):
    docs = dict(built["sources"].select("source_id", "title").iter_rows())
    frame = built[table]
    assert set(frame["source_id"].to_list()) <= set(docs), table
    for source_id, place, source in frame.select("source_id", "source_place", "source").iter_rows():
        assert source.startswith(docs[source_id] + "（"), (table, source)
        assert not SEED_FILE.search(source), (table, source)
        if place:
            assert place in source


def test_the_file_name_is_only_in_the_sources_table(built):
    for table, frame in built.items():
        if table == "sources":
            continue
        for column, dtype in frame.schema.items():
            if dtype == pl.Utf8:
                assert not frame[column].fill_null("").str.contains(SEED_FILE.pattern).any(), (table, column)


def test_citation_reads_title_publisher_date_place():
    doc = {"title": "議事要旨", "publisher": "富山県成長戦略会議", "published": "2023-08-29"}
    assert citation(doc, "【朝比奈座長】") == "議事要旨（富山県成長戦略会議、2023年8月29日）【朝比奈座長】"
    assert citation({**doc, "published": "2024-11"}, "P41") == "議事要旨（富山県成長戦略会議、2024年11月）P41"
    assert citation({**doc, "published": ""}, "") == "議事要旨（富山県成長戦略会議）"


def test_a_row_resting_on_two_documents_cites_both(built):
    links = built["initiative_kpis"].filter(pl.col("initiative_id") == "toyama-ap:Ⅳ-1-①").row(0, named=True)
    assert links["source_id"] == "toyama-priority-policy-4"
    assert links["source"].startswith("重点政策Ⅳ") and "；富山県成長戦略のＫＰＩ（成果指標）について（富山県）" in links["source"]


def test_imported_rows_keep_null_source_ids():
    frame = pl.DataFrame({"kpi_id": ["k"], "value_kind": ["actual"], "fiscal_year": [2024],
                          "source": ["取込.xlsx 行3"]})
    out = schema.conform("observations", frame)
    assert out["source"].to_list() == ["取込.xlsx 行3"]
    assert out["source_id"].to_list() == [None] and out["source_place"].to_list() == [None]


def test_a_csv_with_a_source_column_or_an_unknown_document_fails(tmp_path):
    (tmp_path / "sources.csv").write_text("source_id,title,publisher,published,url,file,data_as_of,note\n"
                                          "d,資料,県,,,a.txt,,\n", encoding="utf-8")
    (tmp_path / "entities.csv").write_text("entity_id,name,entity_type,code,central_city,source\n"
                                           "e,県,prefecture,01,,a.txt 表\n", encoding="utf-8")
    with pytest.raises(BuildFailed, match="source_id"):
        build_tables(tmp_path)
    (tmp_path / "entities.csv").write_text("entity_id,name,entity_type,code,central_city,source_id,source_place\n"
                                           "e,県,prefecture,01,,nope,表\n", encoding="utf-8")
    with pytest.raises(BuildFailed, match="nope"):
        build_tables(tmp_path)


def _targets(built, kpi_id):
    obs = built["observations"].filter((pl.col("kpi_id") == kpi_id) & (pl.col("value_kind") == "target"))
    return obs.sort("fiscal_year")


@pytest.mark.parametrize("kpi_id, text, value", [("toyama-growth:6-1", "32名以上／年", 32.0),
                                                  ("toyama-growth:4-2", "約２％", 2.0)])
def test_per_year_targets_are_stored_for_every_year_of_the_plan(built, kpi_id, text, value):
    targets = _targets(built, kpi_id)
    assert targets["fiscal_year"].to_list() == [2022, 2023, 2024, 2025, 2026]
    assert set(targets["original_text"]) == {text} and set(targets["value"]) == {value}
    assert targets["note"].str.contains("各年度に同じ目標").all()
    kpi = built["kpis"].filter(pl.col("kpi_id") == kpi_id).row(0, named=True)
    assert kpi["per_year_target"] is True


def test_per_year_flags(built):
    flagged = set(built["kpis"].filter(pl.col("per_year_target"))["kpi_id"])
    assert flagged == {"toyama-growth:6-1", "toyama-growth:4-2", "fukushima-dx:chiiki-5(4)"}


def test_job_challenge_unit_is_the_seeds_mei(built):
    kpi = built["kpis"].filter(pl.col("kpi_id") == "toyama-growth:6-1").row(0, named=True)
    assert kpi["unit"] == "名"
    assert all(u.startswith("名") for u in built["observations"].filter(pl.col("kpi_id") == "toyama-growth:6-1")["unit"])


@pytest.mark.parametrize("kpi_id", ["toyama-growth:2-1", "toyama-growth:5-ipo", "toyama-growth:5-venture",
                                    "fukushima-dx:chiiki-1(2)", "fukushima-dx:chiiki-5(5)"])
def test_running_totals_are_cumulative(built, kpi_id):
    kpi = built["kpis"].filter(pl.col("kpi_id") == kpi_id).row(0, named=True)
    assert kpi["cumulative"] is True
    assert "累計" in kpi["note"]


def test_total_gdp_growth_is_a_reference_not_the_per_capita_baseline(built):
    obs = built["observations"].filter(pl.col("kpi_id") == "toyama-growth:4-2")
    assert obs.filter(pl.col("value_kind") == "baseline").is_empty()
    assert 1.8 not in obs["value"].to_list()
    ref = built["reference_values"].filter((pl.col("kpi_id") == "toyama-growth:4-2") & (pl.col("value") == 1.8))
    assert ref.height == 1
    row = ref.row(0, named=True)
    assert "総額" in row["label"] and row["original_text"] == "約1.8％" and row["fiscal_year"] == 2019
    assert "１人あたりではない" in row["note"]


def test_the_003_plan_is_named_after_its_own_heading(built):
    plan = built["plans"].filter(pl.col("plan_id") == "toyama-ap").row(0, named=True)
    assert "重点政策Ⅳ" in plan["name"] and "成長戦略" not in plan["name"]
    assert "アクションプラン" not in plan["name"] and plan["plan_type"] != "アクションプラン"
    doc = built["sources"].filter(pl.col("source_id") == "toyama-priority-policy-4").row(0, named=True)
    assert doc["title"] == "重点政策Ⅳ デジタル化・産官学連携・市町村連携による「超」効率的な自治体運営"


def test_roadmap_marks_estimated_years_and_holds_only_roadmap_steps(built):
    roadmap = built["initiative_roadmap"]
    assert roadmap["year_estimated"].null_count() == 0
    estimated = roadmap.filter(pl.col("year_estimated"))
    assert estimated["note"].str.contains("推定|仮に").all()
    assert roadmap.filter(~pl.col("year_estimated"))["note"].str.contains("推定").not_().all()
    assert not roadmap["note"].str.contains("表外").any()
    assert roadmap.filter(pl.col("step").str.contains("データ・パレット|供用開始")).is_empty()
    assert roadmap.height == 129


def test_dates_the_text_gives_are_kept(built):
    cats = built["policy_categories"]
    assert cats["note"].str.contains("平成28年8月18日").all()
    assert cats["note"].str.contains("平成28年度中").all() and cats["note"].str.contains("令和2年4月現在").all()
    attendance = built["committee_attendance"]
    assert attendance["note"].str.contains("15:00～17:00").all()
    assert attendance["note"].str.contains("富山県庁４階大会議室").all()


DEVELOPER_WORDS = re.compile(
    r"cumulative|indicator|kpi_id|item_code|PRODUCT\.md|evaluate|maintain_|increase|decrease|\brank\b|"
    r"background|\bunit\b|\bnote\b|\.csv|original_text|source_id|\bstep\b|\bvision\b|\bpolicy\b|\bmeasure\b|"
    r"FY\d{4}|=(true|false)")


@pytest.mark.parametrize("table", [t for t, spec in schema.TABLES.items() if "note" in spec["columns"]])
def test_notes_speak_the_users_language(built, table):
    for note in built[table]["note"].drop_nulls():
        assert not DEVELOPER_WORDS.search(note), (table, note)
