"""The データ取込 page (AppTest): upload → preview → 取り込む → what changed; the data shows on other pages
without a restart; broken files are shown and nothing is stored."""
import io

import openpyxl

from kpiboard import importer, store
from kpiboard.importer import TEMPLATE_FILE_NAME, template_xlsx_bytes
from helpers import app_test
from test_import_helpers import embedded_copy, fixture

PAGE = "pages/import_data.py"


def open_page(monkeypatch, data_dir):
    monkeypatch.setenv("KPIBOARD_DATA_DIR", str(data_dir))
    return app_test(PAGE)


def upload(at, *files):
    at.file_uploader(key="import_files").set_value([(n, b, "application/octet-stream") for n, b in files]).run()
    assert not at.exception
    return at


def frame_with(at, column):
    """The table showing `column` (st.dataframe elements carry no key in AppTest)."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def metric(at, label):
    return next(m.value for m in at.metric if m.label == label)


def test_upload_preview_import_and_see_it_on_the_overview(monkeypatch, tmp_path):
    data = embedded_copy(tmp_path)
    before = store.directory_digest(data)
    at = open_page(monkeypatch, data)
    assert any("ファイルを選ぶと" in i.value for i in at.info)
    upload(at, fixture("aoba_plan_wide_cp932.csv"))
    assert metric(at, "指標 新規") == "7 件" and metric(at, "エラー") == "0 件"
    values = frame_with(at, "読み取った値")
    row = values[(values["指標名"] == "観光入込客数") & (values["種別"] == "基準値")].iloc[0]
    assert (row["原文"], row["読み取った値"]) == ("3,737万8千人", "3,737万8,000人")
    assert store.directory_digest(data) == before  # the preview stores nothing

    at.text_input(key="import_user").input("山田")
    at.run()
    at.button(key="import_run").click().run()
    assert not at.exception
    assert any("取り込みました" in s.value for s in at.success)
    assert store.directory_digest(data) != before
    assert store.read_manifest(data)["last_import"]["user"] == "山田"
    # the same session, no restart: the overview lists the new plan
    at.switch_page("pages/overview.py").run()
    assert not at.exception
    assert any("あおば町総合計画" in o for o in at.selectbox(key="plan").options)


def test_import_into_an_empty_directory_shows_up_without_restart(monkeypatch, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    at = open_page(monkeypatch, empty)
    at.switch_page("pages/overview.py").run()
    assert not any("さくら" in o for sb in at.selectbox for o in sb.options)  # empty: the overview has no plan
    at.switch_page(PAGE).run()
    upload(at, fixture("sakura_region_long_utf8.csv"))
    at.button(key="import_run").click().run()
    assert any("取り込みました" in s.value for s in at.success)
    at.switch_page("pages/overview.py").run()
    assert not at.exception
    assert any("さくら連携中枢都市圏ビジョン" in o for o in at.selectbox(key="plan").options)


def test_broken_file_is_listed_and_cannot_be_imported(monkeypatch, tmp_path):
    data = embedded_copy(tmp_path)
    before = store.directory_digest(data)
    at = open_page(monkeypatch, data)
    bad = "自治体,計画,指標名,基準値,基準年度\r\nテスト市,計画,指標,たくさん,R4\r\n".encode("cp932")
    upload(at, ("bad.csv", bad), fixture("sakura_region_long_utf8.csv"))
    assert metric(at, "エラー") == "1 件"
    assert any("エラーが 1 件" in e.value for e in at.error)
    errors = frame_with(at, "内容")
    first = errors.iloc[0]
    assert (first["ファイル"], first["シート"], first["行"], first["列"]) == ("bad.csv", "", 2, "基準値")
    assert "たくさん" in errors.iloc[0]["内容"]
    assert at.button(key="import_run").disabled
    assert store.directory_digest(data) == before


def test_reimport_of_a_changed_value_shows_what_was_replaced(monkeypatch, tmp_path):
    data = embedded_copy(tmp_path)
    importer.import_files([fixture("sakura_region_long_utf8.csv")], data, user="前回")
    at = open_page(monkeypatch, data)
    name, same = fixture("sakura_region_long_utf8.csv")
    upload(at, (name, same))
    assert at.button(key="import_run").disabled  # nothing would change
    changed = same.decode("utf-8").replace('"1,084"', '"1,120"').encode("utf-8")
    upload(at, ("sakura_v2.csv", changed))
    assert metric(at, "値 更新") == "1 件"
    at.button(key="import_run").click().run()
    assert not at.exception
    replaced = frame_with(at, "以前の値（原文）")
    assert replaced.iloc[0]["以前の値（原文）"] == "1,084" and replaced.iloc[0]["新しい値（原文）"] == "1,120"
    assert replaced.iloc[0]["ファイル"] == "sakura_v2.csv"


def test_template_has_an_example_row_and_japanese_instructions():
    data = template_xlsx_bytes()
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["KPI", "説明"]
    header = [c.value for c in book["KPI"][1]]
    assert {"自治体", "計画", "指標名", "基準値", "基準年度", "R5目標", "R5実績", "R6見込み", "方向"} <= set(header)
    text = " ".join(str(c.value) for row in book["説明"].iter_rows() for c in row if c.value)
    assert "現状維持以上" in text and "〃" in text and "20 MB" in text
    # untouched, it stores nothing: the examples are skipped
    untouched = importer.import_files([(TEMPLATE_FILE_NAME, data)], "/nonexistent/never", dry_run=True)
    assert untouched.kpis == [] and any("記入例" in w.message for w in untouched.warnings)
    # filled in (the example marks removed), its example rows import without errors
    book["KPI"]["A2"] = None
    book["KPI"]["A3"] = None
    buf = io.BytesIO()
    book.save(buf)
    filled = importer.import_files([("filled.xlsx", buf.getvalue())], "/nonexistent/never", dry_run=True)
    assert filled.errors == [] and len(filled.kpis) == 2


def test_page_offers_the_template(monkeypatch, tmp_path):
    at = open_page(monkeypatch, embedded_copy(tmp_path))
    assert any(getattr(b, "label", "") == "テンプレート（xlsx）" for b in at.get("download_button"))


def test_cli_import_into_an_empty_directory_shows_up_in_a_running_app(monkeypatch, tmp_path):
    # The app started on an empty directory; the import comes from outside (the CLI), not from the page.
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("KPIBOARD_DATA_DIR", str(empty))
    at = app_test()
    assert not any("さくら" in o for sb in at.selectbox for o in sb.options)
    result = importer.import_files([fixture("sakura_region_long_utf8.csv")], empty, user="cli")
    assert not result.errors
    at.run()
    assert not at.exception
    assert any("さくら連携中枢都市圏ビジョン" in o for o in at.selectbox(key="plan").options)
