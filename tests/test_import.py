"""Importing KPI sheets: realistic files in both layouts and all three encodings, messy cells, parsed values,
matching, re-import, history, all-or-nothing writes."""
import json

import polars as pl
import pytest

from kpiboard import db, importer, store
from kpiboard.eras import YearParseError, parse_year_header
from test_import_helpers import csv_bytes, embedded_copy, fixture, plan_xlsx, wide_csv


def obs_of(result, kpi_name):
    return {(o["value_kind"], o["fiscal_year"]): o for o in result.observations if o["kpi_name"] == kpi_name}


def kpi_of(result, kpi_name):
    return next(k for k in result.kpis if k["kpi_name"] == kpi_name)


# ------------------------------------------------------------------------------------------ headers

@pytest.mark.parametrize("header,kind,fy", [
    ("R4目標", "target", 2022), ("令和5年度目標値", "target", 2023), ("目標値（R7）", "target", 2025),
    ("目標値(R7年度)", "target", 2025), ("2023実績", "actual", 2023), ("R5実績値", "actual", 2023),
    ("H30実績", "actual", 2018), ("2024見込み", "estimate", 2024), ("R6見込値", "estimate", 2024),
    ("基準値（R3）", "baseline", 2021), ("現状値(R2)", "actual", 2020), ("Ｒ５\n目標", "target", 2023),
    ("令和元年度実績", "actual", 2019), ("R⑥目標", "target", 2024),
])
def test_year_headers(header, kind, fy):
    got_kind, ref = parse_year_header(header)
    assert (got_kind, ref.fiscal_year) == (kind, fy)


@pytest.mark.parametrize("header", ["目標値", "指標名", "R4", "備考"])
def test_headers_without_year_or_kind_are_not_year_headers(header):
    assert parse_year_header(header) is None


@pytest.mark.parametrize("header", ["令和X年度目標", "R目標", "20233実績"])
def test_unreadable_year_header_names_itself(header):
    with pytest.raises(YearParseError) as err:
        parse_year_header(header)
    assert header in str(err.value)


# ------------------------------------------------------------------------------------------ the wide layout

def test_wide_utf8_bom_plan_document_with_two_row_header(tmp_path):
    r = importer.import_files([fixture("midori_dx_wide_utf8bom.csv")], tmp_path / "d", dry_run=True)
    assert r.errors == []
    assert len(r.kpis) == 8 and {k["entity"] for k in r.kpis} == {"みどり市"}
    # a name broken over two lines in the cell is one name
    online = obs_of(r, "行政手続のオンライン利用率")
    assert online[("target", 2022)]["value"] == 61.0 and online[("target", 2022)]["column"] == "目標値 Ｒ４"
    assert online[("actual", 2023)]["value"] == 66.1
    assert obs_of(r, "電子決済利用件数")[("baseline", 2021)]["value"] == 14442  # full-width digits and comma
    paper = obs_of(r, "コピー用紙購入量（本庁）")
    assert paper[("target", 2025)]["value"] == 12_000_000  # 12百万枚
    telework = obs_of(r, "テレワーク実施率")
    assert (telework[("baseline", 2021)]["value"], telework[("baseline", 2021)]["note"]) == (37.5, "2月1日時点")
    assert ("target", 2022) not in telework  # ― = no value
    assert telework[("actual", 2023)]["value"] is None and telework[("actual", 2023)]["note"] == "検討中"
    overtime = obs_of(r, "時間外勤務時間の対前年度増減")
    assert overtime[("baseline", 2021)]["value"] == -198 and "R3.4~R3.12" in overtime[("baseline", 2021)]["note"]
    assert [overtime[("target", y)]["value"] for y in (2022, 2023, 2024, 2025)] == [-200, -250, -300, -350]
    chatbot = obs_of(r, "AIチャットボットの導入課数")
    assert chatbot[("target", 2022)]["value"] == 5 and chatbot[("target", 2022)]["original_text"] == "〃"
    assert chatbot[("baseline", 2021)]["fiscal_year"] == 2021  # 〃 in 基準年度
    assert kpi_of(r, "AIチャットボットの導入課数")["measure"] == "AIの活用"  # 〃 in 施策
    # what was inferred is reported: the blank 自治体, the direction, the footnote row skipped
    messages = [w.message for w in r.warnings]
    assert any("空欄の「自治体」は上の行と同じ" in m for m in messages)
    assert kpi_of(r, "コピー用紙購入量（本庁）")["direction"] == "decrease"
    inferred = next(w for w in r.warnings if "減少" in w.message)
    assert (inferred.row, inferred.column) == (7, "方向")
    assert any("読み飛ばしました" in m and "12" in m for m in messages)


def test_wide_cp932_with_year_headers_units_and_qualifiers(tmp_path):
    r = importer.import_files([fixture("aoba_plan_wide_cp932.csv")], tmp_path / "d", dry_run=True)
    assert r.errors == []
    visitors = obs_of(r, "観光入込客数")
    assert visitors[("baseline", 2022)]["value"] == 37_378_000  # 3,737万8千人
    assert visitors[("target", 2023)]["value"] == 38_000_000  # 令和5年度目標値
    assert visitors[("target", 2025)]["qualifier"] == "以上"  # 目標値（R7）: 4,000万人以上
    assert visitors[("actual", 2018)]["value"] == 35_120_000  # H30実績
    assert visitors[("estimate", 2024)]["qualifier"] == "見込み"  # 2024見込み
    tax = obs_of(r, "町税収納率")
    assert (tax[("baseline", 2022)]["value"], tax[("baseline", 2022)]["qualifier"]) == (100, "ほぼ")
    keep = tax[("target", 2025)]  # 現状維持以上 = maintain at the baseline value
    assert keep["value"] == 100 and "現状維持" in keep["qualifier"]
    assert kpi_of(r, "町税収納率")["direction"] == "maintain_min"
    assert obs_of(r, "待機児童数")[("target", 2025)]["value"] == 0  # full-width ０
    rank = obs_of(r, "町の魅力度ランキング")
    assert rank[("target", 2025)]["value"] == 10 and kpi_of(r, "町の魅力度ランキング")["direction"] == "rank"
    debt = obs_of(r, "地方債残高")  # 単位 百万円 → yen
    assert debt[("baseline", 2022)]["value"] == 12_345_000_000 and debt[("baseline", 2022)]["unit"] == "円"
    assert kpi_of(r, "地方債残高")["unit"] == "円"
    founders = obs_of(r, "町内創業者数")
    assert founders[("actual", 2023)]["cumulative_value"] == 21 and kpi_of(r, "町内創業者数")["cumulative"]
    qualitative = obs_of(r, "デジタル推進計画の策定")
    assert kpi_of(r, "デジタル推進計画の策定")["direction"] == "qualitative"
    assert qualitative[("target", 2025)]["value"] is None and qualitative[("target", 2025)]["note"] == "策定"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp932"])
def test_all_three_encodings_read_the_same(tmp_path, encoding):
    text = fixture("midori_dx_wide_utf8bom.csv")[1].decode("utf-8-sig")
    r = importer.import_files([("sheet.csv", text.encode(encoding))], tmp_path / "d", dry_run=True)
    assert r.errors == []
    assert obs_of(r, "BPR実施課")[("actual", 2023)]["value"] == 9
    assert obs_of(r, "テレワーク実施率")[("baseline", 2021)]["original_text"] == "37.5%【2月1日時点】"
    assert r.previews[0].encoding == ("utf-8" if encoding == "utf-8" else encoding)


def test_xlsx_with_title_merged_cells_percent_format_and_instructions_sheet(tmp_path):
    r = importer.import_files([("yamanami.xlsx", plan_xlsx())], tmp_path / "d", dry_run=True)
    assert r.errors == []
    assert {k["kpi_name"] for k in r.kpis} == {"移住者数", "転入超過数", "オンライン申請率", "窓口待ち時間", "観光消費額"}
    assert {k["entity"] for k in r.kpis} == {"やまなみ市"}  # merged 自治体 cell
    assert kpi_of(r, "窓口待ち時間")["measure"] == "デジタル化"  # merged 施策 cell
    online = obs_of(r, "オンライン申請率")
    assert online[("baseline", 2021)]["value"] == 48.2 and online[("baseline", 2021)]["original_text"] == "48.2%"
    assert online[("actual", 2023)]["value"] == 58.4
    migrants = obs_of(r, "移住者数")
    assert migrants[("baseline", 2021)]["fiscal_year"] == 2021  # 基準年度 typed as the number 2021
    assert obs_of(r, "転入超過数")[("baseline", 2021)]["value"] == -35  # ▲35
    assert obs_of(r, "観光消費額")[("target", 2025)]["value"] == 10 ** 13
    sources = {o["source"] for o in r.observations if o["kpi_name"] == "移住者数"}
    assert "yamanami.xlsx シート「KPI一覧」 5行目 「R4目標」列" in sources
    assert any("記入例" in w.message and w.row == 4 for w in r.warnings)
    assert not any(k["kpi_name"] == "記入例の指標" for k in r.kpis)


# ------------------------------------------------------------------------------------------ the long layout

def test_long_layout_with_japanese_columns_and_new_region(tmp_path):
    r = importer.import_files([fixture("sakura_region_long_utf8.csv")], tmp_path / "d", dry_run=True)
    assert r.errors == []
    assert any("さくら連携中枢都市圏" in w.message and "新しく登録" in w.message for w in r.warnings)
    riders = obs_of(r, "公共交通の1日あたり乗車人数")
    assert riders[("actual", 2023)]["value"] == 24_432
    assert kpi_of(r, "公共交通の1日あたり乗車人数")["direction"] == "maintain_min"  # 23,400以上 below baseline
    spend = obs_of(r, "圏域の観光消費額")
    assert spend[("baseline", 2018)]["value"] == 31_200_000_000
    assert spend[("actual", 2019)]["value"] == 33_540_000_000  # H27～R1: the span's last year
    assert spend[("estimate", 2023)]["value"] == 1_209_780_000  # 12億978万円
    assert spend[("baseline", 2018)]["source"].startswith("ビジョン p.14（取込: sakura_region_long_utf8.csv 8行目")


def test_long_layout_of_the_embedded_sources_changes_nothing(tmp_path):
    """The embedded data's own observations.csv files are the long layout: re-importing them is a no-op."""
    data = embedded_copy(tmp_path)
    before = store.directory_digest(data)
    for folder in ("000", "002", "004"):
        path = store.EMBEDDED_DATA_DIR / "sources" / folder / "observations.csv"
        r = importer.import_files([(path.name, path.read_bytes())], data)
        assert r.errors == [] and not r.written
        assert {o["status"] for o in r.observations} == {"unchanged"}
    assert store.directory_digest(data) == before


def test_source_id_and_place_are_cited_like_the_build(tmp_path):
    """source_id/source_place → 「title（publisher、date）place」 from the sources table; an unknown id is kept, said once."""
    data = embedded_copy(tmp_path)
    path = store.EMBEDDED_DATA_DIR / "sources" / "000" / "observations.csv"
    r = importer.import_files([(path.name, path.read_bytes())], data, dry_run=True)
    assert r.observations[0]["source"].startswith("富山県成長戦略のＫＰＩ（成果指標）について（富山県）KPIの背景・考え方")
    text = path.read_text("utf-8-sig").replace("toyama-growth-strategy", "no-such-doc")
    r = importer.import_files([(path.name, text.encode("utf-8"))], data, dry_run=True)
    assert r.observations[0]["source"].startswith("no-such-doc KPIの背景・考え方")
    assert [w.message for w in r.warnings if "no-such-doc" in w.message] == [
        "出典ID「no-such-doc」は出典の一覧（sources）にありません。IDをそのまま出典として記録します"]


# ------------------------------------------------------------------------------------------ storing

def test_import_into_an_empty_directory_creates_a_valid_data_directory(tmp_path):
    target = tmp_path / "empty"
    target.mkdir()
    r = importer.import_files([fixture("aoba_plan_wide_cp932.csv")], target, user="tester")
    assert r.written and r.errors == []
    manifest = store.read_manifest(target)
    assert set(manifest["tables"]) == set(store.schema.TABLES)
    plans = db.run("plans_list", db.connect(target))
    assert plans["plan"].to_list() == ["あおば町総合計画（架空のテストデータ）"]
    assert plans["entity_type"].to_list() == ["municipality"]
    rows = db.run("evaluate", db.connect(target))
    assert rows.height == 7
    assert store.read_table(target, "dataset")["synthetic"].to_list() == [False]


def test_reimport_changes_nothing_and_a_new_value_goes_to_history(tmp_path):
    data = embedded_copy(tmp_path)
    first = importer.import_files([fixture("sakura_region_long_utf8.csv")], data, user="佐藤")
    assert first.written
    digest = store.directory_digest(data)
    again = importer.import_files([fixture("sakura_region_long_utf8.csv")], data, user="佐藤")
    assert again.errors == [] and not again.written
    assert {o["status"] for o in again.observations} == {"unchanged"} and {k["status"] for k in again.kpis} == {"unchanged"}
    assert store.directory_digest(data) == digest

    changed = fixture("sakura_region_long_utf8.csv")[1].decode("utf-8").replace('"1,084"', '"1,120"')
    third = importer.import_files([("sakura_r6.csv", changed.encode("utf-8"))], data, user="鈴木")
    assert third.written
    assert [o["status"] for o in third.observations].count("updated") == 1
    updated = next(o for o in third.observations if o["status"] == "updated")
    assert (updated["old_value"], updated["value"]) == (1084, 1120)
    hist = db.Database(data).cursor().sql("FROM observation_history").pl()  # from the store's change feed
    assert hist.height == 1
    h = hist.row(0, named=True)
    assert (h["old_value"], h["new_value"], h["old_original_text"], h["new_original_text"]) == (1084, 1120, "1,084", "1,120")
    assert (h["file_name"], h["user_name"], h["import_id"]) == ("sakura_r6.csv", "鈴木", third.import_id)
    assert h["changed_at"]
    obs = store.read_table(data, "observations").filter(pl.col("kpi_id") == updated["kpi_id"],
                                                          pl.col("value_kind") == "actual")
    assert obs["value"].to_list() == [1120] and obs["source"][0].endswith("sakura_r6.csv 4行目 「値」列）")
    # the named query the page shows
    shown = db.run("import_history", db.connect(data), import_id=third.import_id)
    assert shown["kpi_name"].to_list() == ["圏域内の創業者数"]


def test_matches_existing_kpis_by_plan_item_and_name(tmp_path):
    """A sheet for an embedded plan updates that plan's KPI instead of creating a second one."""
    data = embedded_copy(tmp_path)
    kpis = store.read_table(data, "kpis").filter(pl.col("kpi_id") == "fukushima-dx:gyosei-2(2)").row(0, named=True)
    sheet = wide_csv(["福島県", "福島県デジタル変革（ＤＸ）推進基本方針・デジタル化推進計画", "", kpis["item_code"],
                      kpis["kpi_name"], "件", "", "", "", "", "", "40,000"])
    r = importer.import_files([("fukushima.csv", sheet)], data, user="t")
    assert r.errors == [] and r.written
    assert [k["kpi_id"] for k in r.kpis] == ["fukushima-dx:gyosei-2(2)"] and r.kpis[0]["status"] == "unchanged"
    assert r.created == {"entities": 0, "plans": 0, "areas": 0}
    assert store.read_table(data, "kpis").height == store.read_table(store.EMBEDDED_DATA_DIR, "kpis").height
    row = db.run("evaluate", db.connect(data), kpi_id="fukushima-dx:gyosei-2(2)", eval_year=2023).row(0, named=True)
    assert row["actual_value"] == 40000


def test_new_prefecture_gets_its_code(tmp_path):
    r = importer.import_files([("ishikawa.csv", wide_csv(["石川県", "テスト計画", "", "1", "指標A", "件", "増加", "1", "R4",
                                                             "5", "R7", "2"]))], tmp_path / "d")
    ent = store.read_table(tmp_path / "d", "entities").row(0, named=True)
    assert r.written and (ent["name"], ent["entity_type"], ent["code"]) == ("石川県", "prefecture", "17")
    assert ent["entity_id"].startswith("imp-")


def test_dry_run_stores_nothing(tmp_path):
    data = embedded_copy(tmp_path)
    before = store.directory_digest(data)
    r = importer.import_files([fixture("aoba_plan_wide_cp932.csv")], data, dry_run=True)
    assert r.ok and not r.written and r.counts()["observations_new"] == 36
    assert store.directory_digest(data) == before
    fresh = tmp_path / "never-created"
    importer.import_files([fixture("aoba_plan_wide_cp932.csv")], fresh, dry_run=True)
    assert not fresh.exists()


def test_several_files_are_one_import(tmp_path):
    data = embedded_copy(tmp_path)
    r = importer.import_files([fixture("aoba_plan_wide_cp932.csv"), fixture("sakura_region_long_utf8.csv"),
                               ("yamanami.xlsx", plan_xlsx())], data)
    assert r.written and r.counts()["kpis_new"] == 15
    assert store.read_manifest(data)["last_import"]["files"] == ["aoba_plan_wide_cp932.csv",
                                                                 "sakura_region_long_utf8.csv", "yamanami.xlsx"]


def test_direction_words_and_english(tmp_path):
    for word, direction in [("増加", "increase"), ("上昇", "increase"), ("減少", "decrease"), ("低下", "decrease"),
                            ("維持", "maintain_min"), ("以上", "maintain_min"), ("以下", "maintain_max"),
                            ("順位", "rank"), ("decrease", "decrease"), ("Maintain_Max", "maintain_max"),
                            ("定性", "qualitative")]:
        assert importer.direction_of(word) == direction, word


def test_target_below_baseline_is_decrease_unless_it_says_at_least(tmp_path):
    r = importer.import_files([("d.csv", wide_csv(
        ["テスト市", "計画", "", "1", "ごみ排出量", "t", "", "100", "R4", "80", "R7", ""],
        ["テスト市", "計画", "", "2", "利用者数", "人", "", "100", "R4", "80以上", "R7", ""],
        ["テスト市", "計画", "", "3", "満足度", "%", "", "60", "R4", "60", "R7", ""],
    ))], tmp_path / "d", dry_run=True)
    assert [k["direction"] for k in r.kpis] == ["decrease", "maintain_min", "maintain_min"]
    assert all(k["direction_inferred"] for k in r.kpis)
    assert sum("方向の記入がないため" in w.message for w in r.warnings) == 3


def test_json_shape(tmp_path):
    r = importer.import_files([fixture("sakura_region_long_utf8.csv")], tmp_path / "d", dry_run=True)
    out = json.loads(json.dumps(r.to_json(), ensure_ascii=False))
    assert set(out) == {"kpis", "observations", "warnings", "errors"}
    for o in out["observations"]:
        assert {"entity", "plan", "kpi_name", "fiscal_year", "value_kind", "value", "qualifier", "original_text"} <= set(o)
        assert o["value_kind"] in ("baseline", "target", "actual", "estimate")
    assert {"file", "row", "column", "message"} <= set(out["warnings"][0])


def test_conflicting_values_for_the_same_kpi_year_and_kind_are_an_error(tmp_path):
    header = ["自治体", "計画", "指標名", "R5実績", "2023実績"]
    r = importer.import_files([("dup.csv", csv_bytes([header, ["テスト市", "計画", "指標", "1", "2"]]))], tmp_path / "d")
    assert not r.written
    assert any("同じ内容の列" in e.message and e.column == "2023実績" for e in r.errors)


def test_two_imports_at_once_lose_nothing(tmp_path):
    """Two staff importing at the same moment: each import re-reads the directory under a lock."""
    import threading

    data = embedded_copy(tmp_path)
    results = []
    files = [fixture("aoba_plan_wide_cp932.csv"), fixture("sakura_region_long_utf8.csv")]
    threads = [threading.Thread(target=lambda f=f: results.append(importer.import_files([f], data, user="t")))
               for f in files]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r.written for r in results)
    plans = set(db.run("plans_list", db.connect(data))["plan"])
    assert {"あおば町総合計画（架空のテストデータ）", "さくら連携中枢都市圏ビジョン（架空のテストデータ）"} <= plans


def test_an_import_reads_and_replaces_only_the_plans_it_names(tmp_path, monkeypatch):
    """National scale: a sheet for one plan reads that plan's KPIs and values (not every plan's) and leaves every
    other plan's rows exactly as they were."""
    from kpiboard.synth import SynthSpec, write_synthetic

    d = tmp_path / "data"
    write_synthetic(d, SynthSpec(prefectures=2, municipalities=3, kpis_per_entity=20, first_year=2015))
    database = db.Database(d)
    plans = database.query("plans_list")
    target = plans.row(1, named=True)
    kpi = database.query("data_kpis", plan=target["plan_id"]).filter(pl.col("kind") == "quantitative").row(0, named=True)
    before = store.read_tables(d, ["kpis", "observations"])
    mine = pl.col("kpi_id").str.starts_with(target["plan_id"] + ":")
    read = []
    real = store.read_tables

    def spy(directory, tables=None, version=None, filters=None):
        out = real(directory, tables, version, filters)
        read.extend((t, f.height) for t, f in out.items())
        return out
    monkeypatch.setattr(store, "read_tables", spy)
    sheet = wide_csv([target["entity"], target["plan"], "", kpi["item_code"], kpi["kpi_name"], kpi["unit"], "増加",
                      "1", "R2", "9", "R8", "7"],
                     [target["entity"], target["plan"], "新しい分野", "新1", "新しい指標", "件", "増加", "1", "R3",
                      "5", "R8", "2"])
    result = importer.import_files([("one_plan.csv", sheet)], d, user="tester")
    assert not result.errors and result.written
    observations_read = sum(n for t, n in read if t == "observations")
    assert 0 < observations_read == before["observations"].filter(mine).height  # that plan's values alone
    assert sum(n for t, n in read if t == "kpis") == before["kpis"].filter(mine).height
    after = store.read_tables(d, ["kpis", "observations"])
    for table in ("kpis", "observations"):  # every other plan's rows as they were
        assert after[table].filter(~mine).equals(before[table].filter(~mine)), table
    assert "新しい指標" in after["kpis"].filter(mine)["kpi_name"].to_list()
    assert after["kpis"].filter(mine).height == before["kpis"].filter(mine).height + 1
    changed = after["observations"].filter(pl.col("kpi_id") == kpi["kpi_id"])
    assert changed.filter(pl.col("value_kind") == "actual", pl.col("fiscal_year") == 2023)["value"].to_list() == [7.0]
    # the value it replaced is in the history (the change feed read from after the generated data's write)
    history = db.Database(d).query("import_history")
    replaced = history.filter(pl.col("kpi_id") == kpi["kpi_id"], pl.col("value_kind") == "actual",
                              pl.col("fiscal_year") == 2023)
    assert replaced["new_value"].to_list() == [7.0] and replaced["user_name"].to_list() == ["tester"]
    # the verdicts of that plan were judged again in the same write
    assert db.Database(d).query("evaluate", plan=target["plan_id"]).filter(pl.col("kpi_name") == "新しい指標").height == 1
