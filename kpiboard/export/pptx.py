"""The briefing deck (16:9): title, status summary, one slide per area, one per KPI needing attention,
and a closing slide with method, bands and sources. Tables and the summary chart are native (editable
in PowerPoint); trajectories and area charts are pictures drawn by kpiboard/charts.py.

Every run carries the Japanese font as its east-asian font (a:ea) as well as its latin font:
python-pptx sets only the latin one, and PowerPoint picks the glyphs for 漢字・かな from a:ea.
"""
from __future__ import annotations

import io

import polars as pl
from lxml import etree
from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.oxml.ns import qn
from pptx.util import Inches, Pt

from .. import status
from .report import (ATTENTION_LIMIT, Progress, Report, kpi_label, rate_text, status_rows,
               value_text)
from .browser import Chromium

# Meiryo UI ships with every Windows (where committee decks are opened); elsewhere PowerPoint and
# LibreOffice substitute the system's Japanese font (Noto Sans CJK JP on Debian).
FONT = "Meiryo UI"
W, H = Inches(13.333), Inches(7.5)
MARGIN = Inches(0.45)
INK, MUTED, ACCENT, RULE = RGBColor(0x1F, 0x29, 0x37), RGBColor(0x55, 0x5F, 0x6B), RGBColor(0x00, 0x5A, 0x9C), RGBColor(0xD0, 0xD7, 0xDE)
HEADER_FILL, ZEBRA = RGBColor(0xDD, 0xEB, 0xF7), RGBColor(0xF6, 0xF8, 0xFA)
ROWS_PER_SLIDE = 6
TABLE_COLUMNS = [("項目", 0.62), ("指標名", 2.5), ("基準値", 1.1), ("目標値", 1.1), ("実績値", 1.1), ("達成率", 0.78),
                 ("判定", 1.05)]


# ---- text ----------------------------------------------------------------------------------

def _set_ea(rPr, typeface: str = FONT) -> None:
    """Add <a:ea typeface> right after <a:latin> (schema order: latin, ea, cs, sym …)."""
    for old in rPr.findall(qn("a:ea")):
        rPr.remove(old)
    ea = etree.SubElement(rPr, qn("a:ea"))
    ea.set("typeface", typeface)
    latin = rPr.find(qn("a:latin"))
    if latin is not None:
        latin.addnext(ea)
    else:
        rPr.insert(0, ea)
        follow = [c for c in rPr if c.tag in (qn("a:ln"), qn("a:noFill"), qn("a:solidFill"), qn("a:gradFill"),
                                                qn("a:effectLst"), qn("a:highlight"))]
        if follow:
            follow[-1].addnext(ea)


def style_run(run, size: float = 14, bold: bool = False, color: RGBColor = INK) -> None:
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.color.rgb = color
    run.font.name = FONT
    _set_ea(run.font._rPr)


def fill_text(frame, paragraphs, align=PP_ALIGN.LEFT, anchor=MSO_ANCHOR.TOP) -> None:
    """paragraphs: [(text, size, bold, color)] or plain strings. Bold 16pt+ lines are headings and
    get space above them."""
    frame.clear()
    frame.word_wrap = True
    frame.vertical_anchor = anchor
    for i, p in enumerate(paragraphs):
        text, size, bold, color = (p, 14, False, INK) if isinstance(p, str) else (list(p) + [INK])[:4]
        para = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        para.alignment = align
        if i and bold and size >= 16:
            para.space_before = Pt(10)
        run = para.add_run()
        run.text = text
        style_run(run, size, bold, color)


def text_box(slide, left, top, width, height, paragraphs, align=PP_ALIGN.LEFT, anchor=MSO_ANCHOR.TOP):
    box = slide.shapes.add_textbox(left, top, width, height)
    frame = box.text_frame
    frame.margin_left = frame.margin_right = Inches(0.05)
    frame.margin_top = frame.margin_bottom = Inches(0.03)
    fill_text(frame, paragraphs, align, anchor)
    return box


def _hex(color: str) -> RGBColor:
    return RGBColor.from_string(color.lstrip("#").upper())


def _on(color: str) -> RGBColor:
    """Black or white text, whichever reads better on the colour."""
    return _hex(status.ink_on(color))


# ---- the deck --------------------------------------------------------------------------------

class Deck:
    def __init__(self, report: Report, browser: Chromium | None):
        self.report = report
        self.browser = browser
        self.prs = Presentation()
        self.prs.slide_width, self.prs.slide_height = W, H
        props = self.prs.core_properties
        props.title = report.title
        props.subject = f"{report.entity} {report.plan} 評価年度 {report.eval_year_label} {report.method_label}"
        props.language = "ja-JP"
        props.author = "KPI board"
        self.footers: list[tuple] = []

    def slide(self, title: str | None, sources: list[str] | str):
        layout = self.prs.slide_layouts[5 if title is not None else 6]
        slide = self.prs.slides.add_slide(layout)
        if title is not None:
            t = slide.shapes.title
            t.left, t.top, t.width, t.height = MARGIN, Inches(0.25), W - 2 * MARGIN, Inches(0.8)
            fill_text(t.text_frame, [(title, 26, True, INK)], anchor=MSO_ANCHOR.MIDDLE)
            line = slide.shapes.add_connector(1, MARGIN, Inches(1.08), W - MARGIN, Inches(1.08))
            line.line.color.rgb = ACCENT
            line.line.width = Pt(2)
        self.footers.append((slide, sources))
        return slide

    def finish(self) -> bytes:
        """Footers last: they carry 'n / N' and the sources of each slide's figures."""
        r = self.report
        total = len(self.footers)
        for n, (slide, sources) in enumerate(self.footers, start=1):
            src = sources if isinstance(sources, str) else r.compact_sources(sources, 190)
            meta = f"判定: {r.method_label}（{r.eval_year_label}）｜データ時点: {r.data_as_of or '―'}"
            if r.synthetic:
                meta = "合成データ（架空の数値）｜" + meta
            text_box(slide, MARGIN, H - Inches(0.62), W - 2 * MARGIN - Inches(0.9), Inches(0.55),
                     [(f"出典: {src}", 9, False, MUTED), (meta, 9, False, MUTED)], anchor=MSO_ANCHOR.BOTTOM)
            text_box(slide, W - MARGIN - Inches(0.9), H - Inches(0.45), Inches(0.9), Inches(0.35),
                     [(f"{n} / {total}", 10, False, MUTED)], align=PP_ALIGN.RIGHT, anchor=MSO_ANCHOR.BOTTOM)
        buf = io.BytesIO()
        self.prs.save(buf)
        return buf.getvalue()

    def picture(self, slide, fig, left, top, width, height, css_width: int, font_size: int = 16):
        """A chart as a PNG at least 1920 px wide, placed at the given box."""
        from .png import draw

        css_height = int(css_width * height / width)
        scale = max(1.5, 1920 / css_width)
        png = draw(self.browser, fig, css_width, css_height, scale, font_size=font_size)
        return slide.shapes.add_picture(io.BytesIO(png), left, top, width, height)


def _table(slide, rows: list[dict], left, top, width_in: float, font: float = 11):
    cols = TABLE_COLUMNS
    scale = width_in / sum(w for _, w in cols)
    shape = slide.shapes.add_table(len(rows) + 1, len(cols), left, top, Inches(width_in), Inches(0.4 * (len(rows) + 1)))
    table = shape.table
    table.first_row = True
    table.horz_banding = False
    for c, (name, w) in enumerate(cols):
        table.columns[c].width = Inches(w * scale)
        cell = table.cell(0, c)
        cell.fill.solid()
        cell.fill.fore_color.rgb = HEADER_FILL
        fill_text(cell.text_frame, [(name, font, True, INK)], align=PP_ALIGN.CENTER, anchor=MSO_ANCHOR.MIDDLE)
    for r, row in enumerate(rows, start=1):
        values = {
            "項目": [(row["項目"], font)],
            "指標名": [(row["指標名"], font)],
            "基準値": [(row["基準値"], font), (row["基準年度"], font - 2)],
            "目標値": [(row["目標値"], font), (row["目標年度"], font - 2)],
            "実績値": [(row["実績値"], font), (row["実績年度"], font - 2)],
            "達成率": [(row["達成率"], font)],
            "判定": [(row["判定"], font)],
        }
        for c, (name, _) in enumerate(cols):
            cell = table.cell(r, c)
            cell.margin_left = cell.margin_right = Inches(0.05)
            cell.fill.solid()
            color = INK
            if name == "判定":
                bg = status.style(row["status"]).color
                cell.fill.fore_color.rgb = _hex(bg)
                color = _on(bg)
            else:
                cell.fill.fore_color.rgb = ZEBRA if r % 2 == 0 else RGBColor(0xFF, 0xFF, 0xFF)
            numeric = name in ("基準値", "目標値", "実績値", "達成率")
            paras = [(t, s, name == "判定", color if i == 0 else MUTED) for i, (t, s) in enumerate(values[name]) if t]
            fill_text(cell.text_frame, paras or [("", font, False, color)],
                      align=PP_ALIGN.RIGHT if numeric else PP_ALIGN.CENTER if name in ("項目", "判定") else PP_ALIGN.LEFT,
                      anchor=MSO_ANCHOR.MIDDLE)
    return shape


def _title_slide(deck: Deck) -> None:
    r = deck.report
    s = deck.slide(None, [r.plan_source] if r.plan_source else r.sources)
    band = s.shapes.add_shape(1, 0, Inches(2.1), W, Inches(2.2))
    band.fill.solid()
    band.fill.fore_color.rgb = ACCENT
    band.line.fill.background()
    text_box(s, MARGIN + Inches(0.3), Inches(2.25), W - 2 * MARGIN, Inches(1.9),
             [(r.plan, 40, True, RGBColor(0xFF, 0xFF, 0xFF)), ("KPI 進捗状況", 26, False, RGBColor(0xFF, 0xFF, 0xFF))],
             anchor=MSO_ANCHOR.MIDDLE)
    lines = [(f"{r.entity}", 22, True, INK),
             (f"評価年度: {r.eval_year_label}　｜　判定方式: {r.method_label}", 18, False, INK),
             (f"作成日: {r.made_on_label}　｜　データ時点: {r.data_as_of or '―'}", 16, False, MUTED)]
    if r.vision:
        lines.append((f"ビジョン: {r.vision}", 14, False, MUTED))
    text_box(s, MARGIN + Inches(0.3), Inches(4.6), W - 2 * MARGIN, Inches(1.8), lines)
    if r.synthetic:
        text_box(s, MARGIN + Inches(0.3), Inches(1.3), W - 2 * MARGIN, Inches(0.6),
                 [("⚠ " + r.synthetic_note, 16, True, RGBColor(0xD5, 0x5E, 0x00))])


def _summary_slide(deck: Deck) -> None:
    r = deck.report
    s = deck.slide("進捗の概要", r.sources_of(r.evaluated))
    counts = r.status_counts()
    n = len(counts)
    tile_w = Inches(1.95)
    gap = (W - 2 * MARGIN - n * tile_w) / max(n - 1, 1)
    for i, (st, count) in enumerate(counts.items()):
        style = status.STATUS_STYLE[st]
        tile = s.shapes.add_shape(1, MARGIN + int(i * (tile_w + gap)), Inches(1.3), tile_w, Inches(1.15))
        tile.fill.solid()
        tile.fill.fore_color.rgb = _hex(style["color"])
        tile.line.fill.background()
        fill_text(tile.text_frame, [(f"{style['mark']} {status.BY_CODE[st].word if st in status.BY_CODE else st}", 13, True, _on(style["color"])),
                                    (f"{count} 件", 26, True, _on(style["color"]))],
                  align=PP_ALIGN.CENTER, anchor=MSO_ANCHOR.MIDDLE)
    total = r.evaluated.height
    text_box(s, MARGIN, Inches(2.55), W - 2 * MARGIN, Inches(0.45),
             [(f"指標 {total} 件（{len(r.areas)} 分野）。{r.attention_note if r.attention is None or r.attention.is_empty() else f'要注意（{_needing(r)}）の指標 {r.attention.height} 件。'}",
               14, False, INK)])
    if total:
        data = CategoryChartData()
        areas = r.areas[::-1]  # bar charts draw the first category at the bottom: reverse, first area on top
        data.categories = [a.name for a in areas]
        for st in counts:
            data.add_series(status.label(st), [int((a.rows["status"] == st).sum()) for a in areas])
        frame = s.shapes.add_chart(XL_CHART_TYPE.BAR_STACKED, MARGIN, Inches(3.0), W - 2 * MARGIN, Inches(3.75), data)
        chart = frame.chart
        chart.has_legend = True
        chart.legend.position = XL_LEGEND_POSITION.BOTTOM
        chart.legend.include_in_layout = False
        chart.font.size = Pt(12)
        chart.font.name = FONT
        _set_ea(chart.font._rPr)
        chart.value_axis.has_major_gridlines = True
        chart.value_axis.major_unit = max(1, round(max(a.rows.height for a in r.areas) / 8))
        chart.value_axis.has_title = True
        chart.value_axis.axis_title.text_frame.text = "KPI数"
        for run in chart.value_axis.axis_title.text_frame.paragraphs[0].runs:
            style_run(run, 12)
        chart.plots[0].gap_width = 60
        chart.plots[0].overlap = 100
        for series, st in zip(chart.plots[0].series, counts):
            series.format.fill.solid()
            series.format.fill.fore_color.rgb = _hex(status.STATUS_STYLE[st]["color"])


def _needing(r: Report) -> str:
    return status.attention_words(r.method)


def _area_slides(deck: Deck, progress: Progress | None, done: float, share: float) -> None:
    r = deck.report
    from .figures import area_figure

    for i, area in enumerate(r.areas, start=1):
        if progress:
            progress(done + share * (i - 1) / max(len(r.areas), 1), f"分野のスライド: {area.name}")
        rows = status_rows(r, area.rows)
        chunks = [rows[k:k + ROWS_PER_SLIDE] for k in range(0, len(rows), ROWS_PER_SLIDE)] or [[]]
        for c, chunk in enumerate(chunks):
            part = f"（{c + 1}/{len(chunks)}）" if len(chunks) > 1 else ""
            sub = area.rows.slice(c * ROWS_PER_SLIDE, ROWS_PER_SLIDE)
            s = deck.slide(f"分野 {i}/{len(r.areas)}　{area.name}{part}", r.sources_of(sub, [area.source]))
            top = Inches(1.25)
            if area.statement:
                statement = area.statement.replace("\n", " ")
                if len(statement) > 120:
                    statement = statement[:119] + "…"
                text_box(s, MARGIN, top, W - 2 * MARGIN, Inches(0.5), [(statement, 12, False, MUTED)])
                top = Inches(1.8)
            if chunk:
                _table(s, chunk, MARGIN, top, 8.0, font=11)
            if deck.browser is not None and sub.height:
                pic_left = MARGIN + Inches(8.2)
                height = min(H - top - Inches(0.75), Inches(2.3 + 0.7 * sub.height))
                deck.picture(s, area_figure(r, _Sub(area, sub), label_width=12), pic_left, top,
                             W - MARGIN - pic_left, height, css_width=520, font_size=15)


class _Sub:
    """An area restricted to the rows of one slide."""

    def __init__(self, area, rows: pl.DataFrame):
        self.name, self.code, self.statement, self.source, self.rows = area.name, area.code, area.statement, area.source, rows


def _attention_slides(deck: Deck, progress: Progress | None, done: float, share: float) -> None:
    r = deck.report
    from .figures import trajectory

    att = r.attention if r.attention is not None else r.evaluated.clear()
    if att.is_empty():
        s = deck.slide(f"要注意の指標（{_needing(r)}）", r.sources_of(r.evaluated))
        text_box(s, MARGIN, Inches(2.6), W - 2 * MARGIN, Inches(1.2), [(r.attention_note, 26, True, INK)],
                 align=PP_ALIGN.CENTER, anchor=MSO_ANCHOR.MIDDLE)
        counts = "、".join(f"{status.label(k)} {v} 件" for k, v in r.status_counts().items() if v)
        text_box(s, MARGIN, Inches(3.9), W - 2 * MARGIN, Inches(0.8), [(f"判定の内訳: {counts}", 16, False, MUTED)],
                 align=PP_ALIGN.CENTER)
        return
    shown = att.head(ATTENTION_LIMIT)
    for i, row in enumerate(shown.iter_rows(named=True), start=1):
        if progress:
            progress(done + share * (i - 1) / shown.height, f"要注意の指標: {kpi_label(row, 30)}")
        s = deck.slide(f"要注意 {i}/{att.height}　{kpi_label(row, 44)}", r.sources_of(shown.slice(i - 1, 1)))
        unit = row.get("unit") or ""
        facts = [
            ("分野", row["area"] or "―"),
            ("判定", status.label(row["status"])),
            ("基準値", f"{value_text(row['baseline_value'], unit)}（{r.fy(row['baseline_fy'])}）"),
            ("目標値", f"{value_text(row['target_value'], unit)}（{r.fy(row['target_fy'])}）"),
            ("評価年度", r.fy(row["eval_fy"])),
            ("実績値", value_text(row["actual_value"], unit)),
            ("期待値", value_text(row["expected_value"], unit)),
            ("進捗率 r", rate_text(row["progress_ratio"])),
            ("達成率", rate_text(row["achievement_rate"])),
        ]
        shape = s.shapes.add_table(len(facts), 2, MARGIN, Inches(1.3), Inches(3.9), Inches(0.42 * len(facts)))
        table = shape.table
        table.first_row = False
        table.horz_banding = False
        table.columns[0].width, table.columns[1].width = Inches(1.15), Inches(2.75)
        for k, (name, value) in enumerate(facts):
            for c, text in enumerate((name, value)):
                cell = table.cell(k, c)
                cell.fill.solid()
                color = INK
                if c == 0:
                    cell.fill.fore_color.rgb = HEADER_FILL
                elif name == "判定":
                    bg = status.style(row["status"]).color
                    cell.fill.fore_color.rgb = _hex(bg)
                    color = _on(bg)
                else:
                    cell.fill.fore_color.rgb = RGBColor(0xFF, 0xFF, 0xFF)
                fill_text(cell.text_frame, [(text, 12, c == 0 or name == "判定", color)], anchor=MSO_ANCHOR.MIDDLE)
        if deck.browser is not None:
            left = MARGIN + Inches(4.1)
            deck.picture(s, trajectory(r, row), left, Inches(1.25), W - MARGIN - left, H - Inches(2.0),
                         css_width=1000, font_size=16)
    if att.height > shown.height:
        s = deck.slide("要注意の指標（続き）", r.sources_of(att.slice(ATTENTION_LIMIT)))
        names = "、".join(kpi_label(x, 30) for x in att.slice(ATTENTION_LIMIT).iter_rows(named=True))
        text_box(s, MARGIN, Inches(1.4), W - 2 * MARGIN, Inches(4.5),
                 [(f"ほか {att.height - shown.height} 件（一覧は xlsx / CSV の判定結果にあります）", 18, True, INK),
                  (names[:900], 12, False, MUTED)])


def _closing_slide(deck: Deck) -> None:
    r = deck.report
    s = deck.slide("判定方法・判定基準・出典", "下記のとおり")
    lines = [("判定方式", 16, True, ACCENT), (f"{r.method_label}（評価年度: {r.eval_year_label}）", 14, False, INK),
             (r.method_text, 12, False, INK), ("判定基準", 16, True, ACCENT), (r.bands_text, 13, False, INK),
             ("データ", 16, True, ACCENT),
             (f"{r.dataset_name}（データ時点 {r.data_as_of or '―'}）・作成日 {r.made_on_label}・KPI board で作成", 12, False, INK)]
    if r.synthetic:
        lines.append((r.synthetic_note, 13, True, RGBColor(0xD5, 0x5E, 0x00)))
    text_box(s, MARGIN, Inches(1.25), Inches(6.3), H - Inches(2.0), lines)
    src_lines = [("出典（原本資料と該当箇所）", 16, True, ACCENT)]
    budget = 24  # lines that fit at 10pt; the full list is in the xlsx and the PDF
    listed = 0
    all_sections = r.sources_by_file()
    total = sum(max(1, len(v)) for v in all_sections.values())
    for name, sections in all_sections.items():
        if budget <= 1:
            break
        src_lines.append((name, 11, True, INK))
        budget -= 1
        for section in sections:
            if budget <= 0:
                break
            src_lines.append(("・" + section, 10, False, INK))
            budget -= 1
            listed += 1
        if not sections:
            listed += 1
    if listed < total:
        src_lines.append((f"ほか {total - listed} 件（全ての出典は xlsx の「出典」シートと PDF 巻末にあります）", 10, False, MUTED))
    text_box(s, MARGIN + Inches(6.6), Inches(1.25), W - 2 * MARGIN - Inches(6.6), H - Inches(2.0), src_lines)


def render(report: Report, progress: Progress | None = None, *, charts: bool = True) -> bytes:
    """The deck as .pptx bytes. `charts=False` leaves out the picture charts (no browser needed)."""
    def step(x: float, msg: str) -> None:
        if progress:
            progress(min(x, 1.0), msg)

    browser = Chromium() if charts else None
    if browser is not None:
        browser.__enter__()
    try:
        deck = Deck(report, browser)
        step(0.0, "表紙と概要")
        _title_slide(deck)
        _summary_slide(deck)
        _area_slides(deck, step, 0.05, 0.5)
        _attention_slides(deck, step, 0.55, 0.4)
        _closing_slide(deck)
        step(0.97, "保存中")
        return deck.finish()
    finally:
        if browser is not None:
            browser.__exit__(None, None, None)
