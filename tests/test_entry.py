"""実績入力 (kpiboard.entry and pages/enter_actuals.py): the grid becomes an import file the importer previews and
commits; the preview's verdicts are evaluate.sql's over the tables it would write; a bad cell is a Japanese error
naming the KPI and nothing is saved. AppTest seeds the grid's edits through its key (as a user's typing would)."""
import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from helpers import app_test, evaluate
from kpiboard import auth, db, entry, importer, store
from test_auth import AUTH, roles_frame
from test_import_helpers import embedded_copy

PLAN, YEAR = "toyama-growth", 2024
PAGE = "pages/enter_actuals.py"
# three KPIs of 富山県成長戦略 without actuals (判定不能), each typed the way staff write it
TYPED = {"toyama-growth:2-1": ("20", ""), "toyama-growth:5-venture": ("12社", "検討中"),
         "toyama-growth:6-1": ("約40名", "")}
RANK_KPI, RATE_KPI = "toyama-growth:4-1", "toyama-growth:4-2"  # quantitative: a word there is an error


@pytest.fixture()
def data(tmp_path):
    return embedded_copy(tmp_path)


def grid_rows(directory, typed: dict) -> tuple[list[dict], dict]:
    database = db.connect(directory)
    table = entry.grid(db.run("data_kpis", database, plan=PLAN), db.run("data_observations", database, plan=PLAN), YEAR)
    rows = table.select("kpi_id", entry.ACTUAL, entry.ESTIMATE).to_dicts()
    for row in rows:
        if row["kpi_id"] in typed:
            row[entry.ACTUAL], row[entry.ESTIMATE] = typed[row["kpi_id"]]
    return rows, dict(zip(table["kpi_id"], table[entry.NAME]))


def test_grid_shows_each_kpi_with_its_target_and_stored_actual(data):
    database = db.connect(data)
    table = entry.grid(db.run("data_kpis", database, plan=PLAN), db.run("data_observations", database, plan=PLAN), 2022)
    assert table.columns == ["kpi_id", *entry.READ_ONLY, entry.ACTUAL, entry.ESTIMATE]
    assert table.height == 11 and table.null_count().sum_horizontal()[0] == 0  # no 「None」 in the grid
    row = {r["kpi_id"]: r for r in table.to_dicts()}
    assert row["toyama-growth:2-1"][entry.TARGET] == "15組織 ／ R8（2026）"  # only a final target: with its year
    assert row["toyama-growth:6-1"][entry.TARGET] == "32名以上／年"  # a target of that year: as written
    assert row["toyama-growth:6-2"][entry.STORED] == "21.7"
    assert {r[entry.ACTUAL] for r in row.values()} == {""}


def test_actuals_file_previews_commits_and_changes_the_verdicts(data):
    rows, names = grid_rows(data, TYPED)
    name, body = entry.actuals_file(PLAN, YEAR, rows)
    assert name.endswith(".csv") and body.decode("utf-8").splitlines()[0] == "kpi_id,2024年度実績,2024年度見込み"
    before_version = store.data_version(data)
    before = evaluate(data, plan=PLAN, eval_year=YEAR)
    assert {before[k]["status"] for k in TYPED} == {"判定不能"}

    preview = importer.import_files([(name, body)], data, dry_run=True, keep_plan=True, user="山田")
    assert preview.errors == [] and preview.changed
    assert store.data_version(data) == before_version  # a preview stores nothing
    read = entry.values_table(preview, names)
    assert read.height == 4 and set(read["状態"]) == {"新規"}
    assert read.filter(pl.col("入力") == "約40名")["読み取った値"].to_list() == ["40名"]
    assert read.filter(pl.col("種別") == "見込み")["読み取った値"].to_list() == ["検討中"]

    predicted = entry.planned_verdicts(preview, PLAN, eval_year=YEAR, method="expected")
    changes = entry.verdict_changes(db.run("evaluate", db.connect(data), plan=PLAN, eval_year=YEAR), predicted)
    assert set(changes[entry.NAME]) == {names[k] for k in TYPED}
    assert all(v.startswith("－ 判定不能") for v in changes["現在の判定"])

    done = importer.commit(preview, [(name, body)], data, user="山田")
    assert done.written and not done.errors
    after = evaluate(data, plan=PLAN, eval_year=YEAR)
    assert {k: after[k]["actual_value"] for k in TYPED} == {"toyama-growth:2-1": 20.0, "toyama-growth:5-venture": 12.0,
                                                            "toyama-growth:6-1": 40.0}
    assert all(after[k]["status"] != "判定不能" for k in TYPED)
    # what the preview said is what the store now judges (the same query over the same rows)
    assert {r["kpi_id"]: r["status"] for r in predicted.to_dicts()} == {k: r["status"] for k, r in after.items()}
    latest = store.snapshots(data).row(0, named=True)
    assert latest["author"] == "山田" and name in latest["commit_message"]
    assert store.read_manifest(data)["last_import"]["files"] == [name]


def test_a_bad_cell_is_a_japanese_error_naming_the_kpi_and_nothing_is_saved(data):
    rows, names = grid_rows(data, {**TYPED, RANK_KPI: ("abc", ""), RATE_KPI: ("", "1..2")})
    file = entry.actuals_file(PLAN, YEAR, rows)
    before = store.directory_digest(data), store.data_version(data)
    preview = importer.import_files([file], data, dry_run=True, keep_plan=True, user="山田")
    assert len(preview.errors) == 2 and preview.plan is None
    issues = entry.issues_table(preview.errors, rows, names, YEAR).to_dicts()
    assert [(i[entry.NAME], i["列"], i["入力"]) for i in issues] == [
        (names[RANK_KPI], entry.ACTUAL, "abc"), (names[RATE_KPI], entry.ESTIMATE, "1..2")]
    assert "「abc」は数値ではありません" in issues[0]["内容"] and "読み取れません" in issues[1]["内容"]
    assert entry.planned_verdicts(preview, PLAN, eval_year=YEAR).is_empty()
    failed = importer.commit(preview, [file], data, user="山田")  # all or nothing: the good rows are not saved either
    assert failed.errors and not failed.written
    assert (store.directory_digest(data), store.data_version(data)) == before


def test_a_ditto_means_the_row_above_in_the_grid():
    rows = [{"kpi_id": "a", entry.ACTUAL: "5", entry.ESTIMATE: None},
            {"kpi_id": "b", entry.ACTUAL: "〃", entry.ESTIMATE: ""},
            {"kpi_id": "c", entry.ACTUAL: float("nan"), entry.ESTIMATE: " "}]
    assert entry.typed(rows) and not entry.typed(rows[2:])
    assert entry.actuals_file("p", 2024, rows)[1].decode("utf-8").splitlines()[1:] == ["a,5,", "b,〃,", "c,,"]


def test_years_offered_cover_the_plan_and_default_to_last_year():
    years = entry.fiscal_years([2021, 2026, None], (2022, 2026), current=2025)
    assert years == [2026, 2025, 2024, 2023, 2022, 2021]
    assert entry.default_year(years, 2025) == 2024
    assert entry.default_year([2019, 2018], 2025) == 2019


# ------------------------------------------------------------------ the page (AppTest)


def open_page(monkeypatch, directory):
    monkeypatch.setenv("KPIBOARD_DATA_DIR", str(directory))
    at = app_test(PAGE)
    at.selectbox(key="_entry_year_pick").select(str(YEAR)).run()
    assert not at.exception
    return at


def type_into(at, typed: dict):
    """What a user's typing leaves in the editor's state: edited_rows by row position."""
    grid = at.data_editor[0]
    order = list(grid.value.index)
    edits = {order.index(k): {entry.ACTUAL: a, entry.ESTIMATE: e} for k, (a, e) in typed.items()}
    at.session_state[grid.key] = {"edited_rows": edits, "added_rows": [], "deleted_rows": []}
    at.run()
    assert not at.exception
    return at


def frame_with(at, column):
    return next(d.value for d in at.dataframe if column in d.value.columns)


def test_page_previews_saves_and_clears_the_grid(monkeypatch, data):
    at = open_page(monkeypatch, data)
    assert [t.value for t in at.title] == ["実績入力"]
    assert at.selectbox(key="plan").value == PLAN
    grid = at.data_editor[0]
    assert grid.editing_mode == "fixed" and len(grid.value) == 11
    assert list(grid.value.columns) == [*entry.READ_ONLY, entry.ACTUAL, entry.ESTIMATE]

    at.button(key="entry_check").click().run()  # nothing typed yet
    assert any("入力してから" in i.value for i in at.info)
    assert not [b for b in at.button if b.key == "entry_save"]

    before = store.data_version(data)
    type_into(at, TYPED)
    at.text_input(key="entry_user").input("山田").run()
    at.button(key="entry_check").click().run()
    assert not at.exception and not at.error
    assert next(m.value for m in at.metric if m.label == "値 新規") == "4 件"
    changes = frame_with(at, "保存後の判定")
    assert len(changes) == 3 and all(v.startswith("－ 判定不能") for v in changes["現在の判定"])
    assert store.data_version(data) == before
    at.button(key="entry_save").click().run()
    assert not at.exception
    assert any("保存しました" in s.value for s in at.success)
    assert store.data_version(data) != before
    assert store.read_manifest(data)["last_import"]["user"] == "山田"
    saved = frame_with(at, "保存前の判定")
    assert len(saved) == 3 and not any(v.startswith("－ 判定不能") for v in saved["現在の判定"])
    fresh = at.data_editor[0]  # a new grid: the edits are gone, the stored actuals shown
    assert fresh.key != grid.key and set(fresh.value[entry.ACTUAL]) == {""}
    assert fresh.value.loc["toyama-growth:2-1", entry.STORED] == "20"


def test_page_shows_a_bad_cell_and_saves_nothing(monkeypatch, data):
    at = open_page(monkeypatch, data)
    before = store.directory_digest(data)
    type_into(at, {**TYPED, RANK_KPI: ("abc", "")})
    at.button(key="entry_check").click().run()
    assert not at.exception
    assert any("読み取れない値が 1 件" in e.value for e in at.error)
    errors = frame_with(at, "内容")
    assert errors.iloc[0][entry.NAME] == "製造業における付加価値率の全国順位" and "abc" in errors.iloc[0]["内容"]
    assert at.button(key="entry_save").disabled
    assert store.directory_digest(data) == before


def test_an_editor_of_another_entity_is_refused(monkeypatch, data):
    editor = "fukushima@example.org"
    store.write_tables(data, {"user_roles": roles_frame((editor, "editor", "pref-07"))})
    monkeypatch.setenv("KPIBOARD_DATA_DIR", str(data))
    at = AppTest.from_file(str(store.PACKAGE_ROOT / "app.py"), default_timeout=60)
    at.secrets["auth"] = AUTH
    at.user = {"is_logged_in": True, "email": editor, "name": "fukushima"}
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception and at.selectbox(key="plan").value == PLAN
    assert any("編集権限がない" in w.value for w in at.warning)
    at.selectbox(key="_entry_year_pick").select(str(YEAR)).run()
    before = store.data_version(data)
    type_into(at, TYPED)
    at.button(key="entry_check").click().run()
    assert any("担当していない自治体・圏域" in e.value for e in at.error)
    assert "対象: 富山県" in [t.value for t in at.text]
    assert at.button(key="entry_save").disabled
    assert store.data_version(data) == before


def test_a_viewer_is_refused(monkeypatch, data):
    monkeypatch.setenv("KPIBOARD_DATA_DIR", str(data))
    at = AppTest.from_file(str(store.PACKAGE_ROOT / "app.py"), default_timeout=60)
    at.secrets["auth"] = AUTH
    at.user = {"is_logged_in": True, "email": "viewer@example.org", "name": "viewer"}
    at.run()
    at.switch_page(PAGE).run()
    assert [e.value for e in at.error] == [auth.EDITOR_NEEDED] and not at.data_editor
