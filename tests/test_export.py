"""Exports (issue #5): every format made from the embedded data and from data with actuals, read back
the way a user's software would read it. Outputs go to temporary directories only."""
from __future__ import annotations

import csv
import io
import re
import os
import struct
import subprocess
import sys

import openpyxl
import pytest
from pptx import Presentation

from kpiboard import db, importer, store
from kpiboard.export import ExportError, build_report, compact_sources, export
from kpiboard.export import browser as export_browser
from kpiboard.store import PACKAGE_ROOT
from kpiboard.synth import SynthSpec, write_synthetic
from test_import_helpers import wide_csv

HASHED = re.compile(r"\d{3}_[0-9a-f]{16}\.txt")  # a seed file name: only in the sources table
TOYAMA = "富山県成長戦略"
needs_chromium = pytest.mark.skipif(not export_browser.available(), reason="Chromium がありません")


@pytest.fixture(scope="module")
def toyama():
    return build_report(TOYAMA)


@pytest.fixture(scope="module")
def actuals_dir(tmp_path_factory):
    """A dataset with actuals, so that some KPIs are behind (遅れ / やや遅れ)."""
    d = tmp_path_factory.mktemp("synth")
    write_synthetic(d, SynthSpec(prefectures=2, municipalities=0, kpis_per_entity=12, seed=3))
    return d


@pytest.fixture(scope="module")
def behind(actuals_dir):
    plan = db.run("plans_list", db.connect(actuals_dir))["plan"][0]
    report = build_report(plan, directory=actuals_dir)
    assert report.attention.height > 0, "the fixture must have KPIs needing attention"
    return report


@pytest.fixture(scope="module")
def formula_dir(tmp_path_factory):
    """A KPI named like a spreadsheet formula, with a negative baseline, brought in by the importer."""
    d = tmp_path_factory.mktemp("formula")
    data = wide_csv(["テスト市", "テスト計画", "行政", "1", '=HYPERLINK("http://example.invalid","x")', "人", "増加",
                     "-198", "R3", "0", "R7", "-100"],
                    ["テスト市", "テスト計画", "@SUM(1)", "2", "+cmd|' /C calc'!A0", "件", "増加", "10", "R3", "20", "R7", "15"])
    result = importer.import_files([("formula.csv", data)], d)
    assert result.errors == [] and result.written
    return d


# ---- the report: statuses from evaluate.sql, nothing re-judged --------------------------------

def test_report_takes_statuses_from_the_evaluate_query(behind, actuals_dir):
    direct = db.run("evaluate", db.connect(actuals_dir), plan=behind.plan_id, method="expected")
    assert behind.evaluated["status"].to_list() == direct["status"].to_list()
    assert set(behind.attention["status"]) <= {"遅れ", "やや遅れ"}
    assert behind.status_counts()["遅れ"] + behind.status_counts()["やや遅れ"] == behind.attention.height


def test_report_of_toyama_has_six_pillars_and_says_why_nothing_needs_attention(toyama):
    assert [a.name for a in toyama.areas][0] == "真の幸せ（ウェルビーイング）戦略" and len(toyama.areas) == 6
    assert toyama.evaluated.height == 11 and toyama.attention.is_empty()
    # the one judged KPI is the DCI score with its published FY2022 actual; the others say why not
    assert toyama.attention_note == "要注意の指標はありません（判定できない 10 件を除く: 実績なし 7 件、定性・評価の記録なし 3 件）。"
    assert toyama.source_files[0] == "富山県成長戦略のＫＰＩ（成果指標）について（富山県）"
    assert not any(HASHED.search(f) for f in toyama.source_files)


def test_bands_change_the_statuses(actuals_dir, behind):
    strict = build_report(behind.plan_id, directory=actuals_dir, bands=(1.5, 1.4, 1.3))
    assert strict.status_counts()["遅れ"] > behind.status_counts()["遅れ"]
    assert "r ≥ 1.5 順調" in strict.bands_text


def test_unknown_plan_lists_the_plans():
    with pytest.raises(ExportError) as err:
        build_report("存在しない計画")
    assert "存在しない計画" in str(err.value) and TOYAMA in str(err.value)


def test_compact_sources_names_a_file_once():
    text = compact_sources(["a.txt 節1 KPIⅰ", "a.txt 節1 KPIⅱ", "b.csv 表2"])
    assert text == "a.txt 節1 KPIⅰ／KPIⅱ；b.csv 表2"


# ---- xlsx / csv -------------------------------------------------------------------------------

def test_xlsx_has_numbers_as_numbers_and_says_method_and_sources(toyama):
    book = openpyxl.load_workbook(io.BytesIO(export(toyama, "xlsx")))
    assert book.sheetnames == ["説明", "判定結果", "観測値", "出典"]
    notes = {r[0].value: r[1].value for r in book["説明"].iter_rows()}
    assert notes["判定方式"] == "期待値方式" and "r ≥ 0.8 概ね順調" in notes["判定基準"]
    sheet = book["判定結果"]
    header = [c.value for c in sheet[1]]
    rows = [dict(zip(header, [c.value for c in r])) for r in sheet.iter_rows(min_row=2)]
    assert len(rows) == 11 and {r["判定"] for r in rows} == {"判定不能", "達成"}
    rank = next(r for r in rows if r["指標名"] == "製造業における付加価値率の全国順位")
    assert rank["基準値"] == 12 and isinstance(rank["基準値"], (int, float)) and rank["基準年度"] == 2020
    assert all(r["出典"].startswith("富山県成長戦略のＫＰＩ（成果指標）について（富山県）") for r in rows)
    assert [c.value for c in book["出典"][2]][0] == "富山県成長戦略のＫＰＩ（成果指標）について（富山県）"


def test_formula_text_stays_inert_and_negative_numbers_stay_numbers(formula_dir):
    report = build_report("テスト計画", directory=formula_dir)
    book = openpyxl.load_workbook(io.BytesIO(export(report, "xlsx")))
    sheet = book["判定結果"]
    header = [c.value for c in sheet[1]]
    cells = {sheet.cell(r, header.index("項目") + 1).value: [c for c in sheet[r]] for r in range(2, sheet.max_row + 1)}
    name = cells["1"][header.index("指標名")]
    assert name.data_type == "s" and name.value == "'" + '=HYPERLINK("http://example.invalid","x")'
    assert cells["2"][header.index("指標名")].value.startswith("'+cmd")
    assert cells["2"][header.index("分野")].value == "'@SUM(1)"
    baseline = cells["1"][header.index("基準値")]
    assert baseline.data_type == "n" and baseline.value == -198
    assert cells["1"][header.index("実績値")].value == -100
    # no cell of any sheet is a formula
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f", (ws.title, c.coordinate, c.value)
    # the observations sheet keeps the original text, neutralised, beside the number
    obs = book["観測値"]
    oh = [c.value for c in obs[1]]
    base = next(r for r in obs.iter_rows(min_row=2, values_only=True) if r[oh.index("値")] == -198)
    assert base[oh.index("原文")] == "'-198"

    raw = export(report, "csv")
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    first = next(r for r in rows if r["項目"] == "1")
    assert first["指標名"] == "'" + '=HYPERLINK("http://example.invalid","x")'
    assert float(first["基準値"]) == -198 and not first["基準値"].startswith("'")
    assert next(r for r in rows if r["項目"] == "2")["指標名"].startswith("'+")
    assert first["判定方式"] == "期待値方式" and first["出典"]


# ---- html (static checks; the browser test opens it) -------------------------------------------

def test_html_is_self_contained(toyama):
    text = export(toyama, "html").decode("utf-8")
    head, _, rest = text.partition("</script></head>")  # the inline plotly.js bundle ends the head
    assert head.count("<script") == 1 and "<script>" in head and len(head) > 1_000_000
    for remote in ("<script src", "http://", "https://", "@import", "<link"):
        assert remote not in rest, remote
    assert TOYAMA in text and "要注意の指標はありません（判定できない 10 件を除く: 実績なし 7 件、定性・評価の記録なし 3 件）" in text
    assert "富山県成長戦略のＫＰＩ（成果指標）について（富山県）" in text and not HASHED.search(text) and "期待値方式" in text


def test_html_escapes_names_from_the_data(tmp_path):
    from helpers import make_data_dir

    make_data_dir(tmp_path, [{"kpi_id": "k1", "kpi_name": "</script><script>alert(1)</script>",
                              "obs": [("baseline", 2020, 10), ("target", 2025, 20), ("actual", 2023, 11)]}])
    text = export(build_report("テスト計画", directory=tmp_path), "html").decode("utf-8")
    assert "<script>alert(1)" not in text


# ---- pptx -------------------------------------------------------------------------------------

def _slide_texts(slide) -> list[str]:
    out = []
    for shape in slide.shapes:
        if shape.has_text_frame:
            out.append(shape.text_frame.text)
        if shape.has_table:
            out += [c.text for row in shape.table.rows for c in row.cells]
    return out


def test_deck_for_toyama(toyama):
    prs = Presentation(io.BytesIO(export(toyama, "pptx")))
    assert abs(prs.slide_width.inches - 13.333) < 0.01 and abs(prs.slide_height.inches - 7.5) < 0.01  # 16:9
    slides = list(prs.slides)
    # title, summary, six pillars, the "nothing needs attention" slide, closing
    assert len(slides) == 1 + 1 + 6 + 1 + 1
    titles = [s.shapes.title.text if s.shapes.title is not None else "" for s in slides]
    assert titles[1] == "進捗の概要" and titles[2] == "分野 1/6　真の幸せ（ウェルビーイング）戦略"
    assert titles[-1] == "判定方法・判定基準・出典"
    assert TOYAMA in " ".join(_slide_texts(slides[0])) and "期待値方式" in " ".join(_slide_texts(slides[0]))
    assert "要注意の指標はありません（判定できない 10 件を除く: 実績なし 7 件、定性・評価の記録なし 3 件）。" in _slide_texts(slides[-2])
    # a real (editable) table on each pillar slide, with the KPI and its status
    pillar = slides[5]
    tables = [s for s in pillar.shapes if s.has_table]
    assert len(tables) == 1
    cells = [c.text for row in tables[0].table.rows for c in row.cells]
    assert "製造業における付加価値率の全国順位" in cells and "－ 判定不能" in cells and "12位\nR2" in cells  # short years in the slide table
    # native charts only (editable, never a clipped picture); a pillar with no 達成率 says why instead
    assert any(s.has_chart for s in slides[1].shapes)
    assert not any(s.shape_type == 13 for slide in slides for s in slide.shapes)
    assert not any(s.has_chart for s in pillar.shapes)
    assert any("達成率を計算できる指標がないため、グラフはありません（実績なし" in t for t in _slide_texts(pillar))
    # sources on every slide; the Japanese font set as the east-asian font of the runs
    for n, slide in enumerate(slides, start=1):
        text = " ".join(_slide_texts(slide))
        assert "出典" in text and f"{n} / {len(slides)}" in text, n
    run = slides[1].shapes.title.text_frame.paragraphs[0].runs[0]
    ea = run.font._rPr.find("{http://schemas.openxmlformats.org/drawingml/2006/main}ea")
    assert ea is not None and ea.get("typeface")


def test_deck_with_actuals_has_a_slide_per_kpi_needing_attention(behind):
    prs = Presentation(io.BytesIO(export(behind, "pptx")))
    titles = [s.shapes.title.text for s in prs.slides if s.shapes.title is not None]
    attention = [t for t in titles if t.startswith("要注意 ")]
    assert len(attention) == behind.attention.height
    first = next(s for s in prs.slides if s.shapes.title is not None and s.shapes.title.text.startswith("要注意 1/"))
    assert any(s.has_chart for s in first.shapes)  # the trajectory, as a native line chart
    facts = [c.text for s in first.shapes if s.has_table for row in s.table.rows for c in row.cells]
    assert behind.attention["status"][0] in " ".join(facts)
    assert "合成データ" in " ".join(_slide_texts(prs.slides[0]))


# ---- png --------------------------------------------------------------------------------------

@needs_chromium
def test_png_is_presentation_sized(toyama):
    data = export(toyama, "png")
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert width >= 1920 and height >= 1080


# ---- cli --------------------------------------------------------------------------------------

def _cli(*args, env=None):
    return subprocess.run([sys.executable, "-m", "kpiboard", "export", *args], cwd=PACKAGE_ROOT, capture_output=True,
                          text=True, env={**os.environ, **(env or {})}, timeout=300)


def test_cli_writes_csv_and_xlsx(tmp_path):
    for fmt in ("csv", "xlsx"):
        out = _cli("--plan", TOYAMA, "--format", fmt, "--out", str(tmp_path / f"x.{fmt}"))
        assert out.returncode == 0, out.stderr
    assert (tmp_path / "x.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert openpyxl.load_workbook(tmp_path / "x.xlsx")["判定結果"].max_row == 12


def test_cli_unknown_plan_is_a_japanese_error_listing_plans(tmp_path):
    digest = store.directory_digest(store.EMBEDDED_DATA_DIR)
    out = _cli("--plan", "存在しない計画", "--format", "csv", "--out", str(tmp_path / "x.csv"))
    assert out.returncode == 1 and "存在しない計画" in out.stderr and TOYAMA in out.stderr
    assert not (tmp_path / "x.csv").exists()
    assert store.directory_digest(store.EMBEDDED_DATA_DIR) == digest


@needs_chromium
def test_cli_png_folder_writes_every_chart(tmp_path, actuals_dir):
    plan = db.run("plans_list", db.connect(actuals_dir))["plan"][0]
    out = _cli("--plan", plan, "--format", "png", "--out", str(tmp_path / "charts") + "/",
               env={"KPIBOARD_DATA_DIR": str(actuals_dir)})
    assert out.returncode == 0, out.stderr
    names = sorted(p.name for p in (tmp_path / "charts").iterdir())
    assert names[0] == "01_summary.png" and any("area" in n for n in names) and any("kpi" in n for n in names)


# ---- the expected path in every export is the rule's (evaluate.sql over the years), never a straight line

@pytest.fixture(scope="module")
def interim_report(tmp_path_factory):
    """The audit's KPI: 100 (2020), interim target 120 (2023), 200 (2025); actual 110 in 2023 → やや遅れ."""
    from helpers import make_data_dir
    d = make_data_dir(tmp_path_factory.mktemp("interim"), [{"kpi_id": "k1", "kpi_name": "利用者数", "unit": "人", "obs": [
        ("baseline", 2020, 100.0), ("target", 2023, 120.0), ("target", 2025, 200.0), ("actual", 2023, 110.0)]}])
    report = build_report("テスト計画", directory=d)
    assert report.attention["kpi_id"].to_list() == ["k1"]
    return report


def _expected_path(fig) -> dict[int, float]:
    trace = next(t for t in fig.data if t.name == "期待される推移")
    return dict(zip(trace.x, trace.y))


def test_report_carries_the_rules_expected_path(interim_report):
    # a straight line from 100 (2020) to 200 (2025) would pass 160 in 2023
    assert dict(interim_report.expected_path("k1"))[2023] == pytest.approx(120)


def _html_paths(text: str) -> list[dict[int, float]]:
    import json
    paths = []
    for m in re.finditer(r'Plotly\.newPlot\(\s*"[^"]+",\s*(\[.*?\])\s*,\s*\{', text, re.S):
        for trace in json.loads(m.group(1)):
            if trace.get("name") == "期待される推移":
                paths.append(dict(zip(trace["x"], trace["y"])))
    return paths


@pytest.mark.parametrize("for_print", [False, True], ids=["html", "pdf"])
def test_html_and_pdf_draw_the_rules_expected_path(interim_report, for_print):
    from kpiboard.export import html
    paths = _html_paths(html.document(interim_report, for_print=for_print)[0])  # the PDF is printed from this
    assert paths and all(p[2023] == pytest.approx(120) for p in paths)


def test_pptx_draws_the_rules_expected_path(interim_report):
    prs = Presentation(io.BytesIO(export(interim_report, "pptx")))
    paths = []
    for slide in prs.slides:
        for shape in slide.shapes:
            if shape.has_chart and shape.chart.chart_type is not None:
                plot = shape.chart.plots[0]
                for series in plot.series:
                    if series.name == "期待される推移":
                        paths.append(dict(zip(plot.categories, series.values)))
    assert paths and all(p["R5（2023）"] == pytest.approx(120) for p in paths)


def _runs(prs):
    for slide in prs.slides:
        for shape in slide.shapes:
            if shape.has_table:
                for row in shape.table.rows:
                    for cell in row.cells:
                        for para in cell.text_frame.paragraphs:
                            yield from (run for run in para.runs if run.text.strip())


def test_deck_is_legible_on_a_projector_and_notes_carry_sources_and_method(behind):
    prs = Presentation(io.BytesIO(export(behind, "pptx")))
    sizes = [run.font.size.pt for run in _runs(prs)]
    assert sizes and min(sizes) >= 14
    for slide in prs.slides:
        notes = slide.notes_slide.notes_text_frame.text
        assert notes.startswith("出典:") and "判定方式: 期待値方式" in notes and "判定基準:" in notes
    for slide in prs.slides:
        for shape in slide.shapes:
            if shape.has_chart:
                assert shape.chart.font.size.pt >= 14


@needs_chromium
def test_a3_progress_sheet_is_a3_landscape_with_embedded_truetype_fonts(toyama, tmp_path):
    pdf = tmp_path / toyama.filename("a3")
    pdf.write_bytes(export(toyama, "a3"))
    assert pdf.name.endswith("_進捗管理表A3.pdf")
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    width, height = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info).groups())
    assert (round(width), round(height)) == (1191, 843)  # A3, landscape
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    assert fonts and all("CID TrueType" in line and " yes yes " in line for line in fonts)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "KPI 進捗管理表" in text and "所見" in text and "製造業における付加価値率の全国順位" in text


def test_pdf_without_the_truetype_font_is_refused_in_japanese(toyama, monkeypatch):
    from kpiboard.export import browser as export_browser

    assert export_browser.print_font_installed() is True  # this machine has it (scripts/test.sh installs it)
    assert export_browser.print_font_installed("No Such Font KPI") is False
    monkeypatch.setattr(export_browser, "print_font_installed", lambda family="IPAexGothic": False)
    with pytest.raises(ExportError, match="IPAex ゴシック"):
        export(toyama, "pdf")
