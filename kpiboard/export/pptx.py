"""The briefing deck (16:9): title, status summary, one slide per area, one per KPI needing attention,
and a closing slide with method, bands and sources. Tables and charts are native (editable in PowerPoint,
legible on a projector: table text 14 pt or more, long tables split across slides); a chart with nothing to
draw is replaced by a sentence saying why. Every slide's speaker notes carry its sources and the method.

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
from .report import ATTENTION_LIMIT, Progress, Report, kpi_label, rate_text, status_rows, value_text

# Meiryo UI ships with every Windows (where committee decks are opened); elsewhere PowerPoint and
# LibreOffice substitute the system's Japanese font (Noto Sans CJK JP on Debian).
FONT = "Meiryo UI"
W, H = Inches(13.333), Inches(7.5)
MARGIN = Inches(0.45)
INK, MUTED, ACCENT, RULE = RGBColor(0x1F, 0x29, 0x37), RGBColor(0x55, 0x5F, 0x6B), RGBColor(0x00, 0x5A, 0x9C), RGBColor(0xD0, 0xD7, 0xDE)
HEADER_FILL, ZEBRA = RGBColor(0xDD, 0xEB, 0xF7), RGBColor(0xF6, 0xF8, 0xFA)
ROWS_PER_SLIDE = 5  # at 14 pt a row takes two or three lines: five rows fill the space under the title
TABLE_FONT = 14  # the smallest text in a table (projected at the back of a committee room)
# Inches at 14 pt; years in the value cells are written short (R8), so 「－ 判定不能」 and the values fit one line
TABLE_COLUMNS = [("項目", 0.6), ("指標名", 2.6), ("基準値", 1.2), ("目標値", 1.2), ("実績値", 1.2), ("達成率", 0.9),
                 ("判定", 1.3)]
TABLE_WIDTH = 9.0


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
    def __init__(self, report: Report):
        self.report = report
        self.prs = Presentation()
        self.prs.slide_width, self.prs.slide_height = W, H
        props = self.prs.core_properties
        props.title = report.title
        props.subject = f"{report.entity} {report.plan} 評価年度 {report.eval_year_label} {report.method_label}"
        props.language = "ja-JP"
        props.author = "KPI board"
        self.footers: list[tuple] = []

    def slide(self, title: str | None, sources: list[str] | str, commentary: str = ""):
        layout = self.prs.slide_layouts[5 if title is not None else 6]
        slide = self.prs.slides.add_slide(layout)
        if title is not None:
            t = slide.shapes.title
            t.left, t.top, t.width, t.height = MARGIN, Inches(0.25), W - 2 * MARGIN, Inches(0.8)
            fill_text(t.text_frame, [(title, 26, True, INK)], anchor=MSO_ANCHOR.MIDDLE)
            line = slide.shapes.add_connector(1, MARGIN, Inches(1.08), W - MARGIN, Inches(1.08))
            line.line.color.rgb = ACCENT
            line.line.width = Pt(2)
        self.footers.append((slide, sources, commentary))
        return slide

    def finish(self) -> bytes:
        """Footers last: they carry 'n / N' and the sources of each slide's figures."""
        r = self.report
        total = len(self.footers)
        for n, (slide, sources, commentary) in enumerate(self.footers, start=1):
            src = sources if isinstance(sources, str) else r.compact_sources(sources, 190)
            # The presenter's notes: every source of the slide in full, and how the verdicts were made.
            listed = sources if isinstance(sources, str) else "\n".join(f"・{x}" for x in sources) or "―"
            slide.notes_slide.notes_text_frame.text = (
                f"出典:\n{listed}\n\n判定方式: {r.method_label}（評価年度: {r.eval_year_label}）\n{r.method_text}\n"
                f"判定基準: {r.bands_text}" + (f"\n\n担当課の所見など:\n{commentary}" if commentary else ""))
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


def _short_year(text: str) -> str:
    """「R8（2026）」 → 「R8」 in a narrow cell (the title slide and notes give the full form)."""
    return text.split("（")[0]


def _table(slide, rows: list[dict], left, top, width_in: float, font: float = TABLE_FONT):
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
            "基準値": [(row["基準値"], font), (_short_year(row["基準年度"]), font)],
            "目標値": [(row["目標値"], font), (_short_year(row["目標年度"]), font)],
            "実績値": [(row["実績値"], font), (_short_year(row["実績年度"]), font)],
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
                 [("【注意】" + r.synthetic_note, 16, True, RGBColor(0xD5, 0x5E, 0x00))])


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
        chart.font.size = Pt(14)
        chart.font.name = FONT
        _set_ea(chart.font._rPr)
        chart.value_axis.has_major_gridlines = True
        chart.value_axis.major_unit = max(1, round(max(a.rows.height for a in r.areas) / 8))
        chart.value_axis.has_title = True
        chart.value_axis.axis_title.text_frame.text = "KPI数"
        for run in chart.value_axis.axis_title.text_frame.paragraphs[0].runs:
            style_run(run, 14)
        chart.plots[0].gap_width = 60
        chart.plots[0].overlap = 100
        for series, st in zip(chart.plots[0].series, counts):
            series.format.fill.solid()
            series.format.fill.fore_color.rgb = _hex(status.STATUS_STYLE[st]["color"])


def _needing(r: Report) -> str:
    return status.attention_words(r.method)


def _native_chart(slide, kind, data, left, top, width, height, *, legend: bool = True, percent_axis: bool = False):
    """A chart PowerPoint can edit, in the deck's font at projector size."""
    chart = slide.shapes.add_chart(kind, left, top, width, height, data).chart
    chart.font.size = Pt(14)
    chart.font.name = FONT
    _set_ea(chart.font._rPr)
    chart.has_legend = legend
    if legend:
        chart.legend.position = XL_LEGEND_POSITION.BOTTOM
        chart.legend.include_in_layout = False
    chart.value_axis.has_major_gridlines = True
    if percent_axis:
        chart.value_axis.minimum_scale = 0
        chart.value_axis.tick_labels.number_format = '0"%"'
        chart.value_axis.tick_labels.number_format_is_linked = False
    return chart


def _why_no_chart(rows: pl.DataFrame) -> str:
    """Why an area has no 達成率 to draw, in evaluate.sql's words (実績なし, 定性・評価の記録なし …)."""
    why = (rows.filter(pl.col("achievement_rate").is_null())
           .group_by(pl.coalesce("status_reason", status.label_expr("status")).alias("why")).len()
           .sort(["len", "why"], descending=[True, False]))
    counts = "、".join(f"{w} {n} 件" for w, n in why.iter_rows())
    return "この分野には達成率を計算できる指標がないため、グラフはありません" + (f"（{counts}）。" if counts else "。")


def _area_chart(slide, report: Report, rows: pl.DataFrame, left, top, width, height) -> None:
    """達成率 per KPI as native bars coloured by verdict, or a sentence saying why there are none."""
    rated = rows.filter(pl.col("achievement_rate").is_not_null())
    if rated.is_empty():
        text_box(slide, left, top + Inches(0.6), width, Inches(1.4), [(_why_no_chart(rows), 16, False, MUTED)],
                 anchor=MSO_ANCHOR.MIDDLE)
        return
    ordered = list(rated.iter_rows(named=True))[::-1]  # bar charts draw the first category at the bottom
    data = CategoryChartData()
    data.categories = [kpi_label(r, 14) for r in ordered]
    data.add_series("達成率", [round(r["achievement_rate"] * 100, 1) for r in ordered])
    chart = _native_chart(slide, XL_CHART_TYPE.BAR_CLUSTERED, data, left, top, width, height, legend=False,
                          percent_axis=True)
    chart.has_title = True
    chart.chart_title.text_frame.text = "指標別の達成率（%）"
    for run in chart.chart_title.text_frame.paragraphs[0].runs:
        style_run(run, 14, True)
    plot = chart.plots[0]
    plot.gap_width = 60
    plot.has_data_labels = True
    plot.data_labels.number_format = '0.0"%"'
    plot.data_labels.number_format_is_linked = False
    plot.data_labels.font.size = Pt(14)
    for point, r in zip(plot.series[0].points, ordered):
        point.format.fill.solid()
        point.format.fill.fore_color.rgb = _hex(status.style(r["status"]).color)


def _area_slides(deck: Deck, progress: Progress | None, done: float, share: float) -> None:
    r = deck.report
    for i, area in enumerate(r.areas, start=1):
        if progress:
            progress(done + share * (i - 1) / max(len(r.areas), 1), f"分野のスライド: {area.name}")
        rows = status_rows(r, area.rows)
        chunks = [rows[k:k + ROWS_PER_SLIDE] for k in range(0, len(rows), ROWS_PER_SLIDE)] or [[]]
        for c, chunk in enumerate(chunks):
            part = f"（{c + 1}/{len(chunks)}）" if len(chunks) > 1 else ""
            sub = area.rows.slice(c * ROWS_PER_SLIDE, ROWS_PER_SLIDE)
            s = deck.slide(f"分野 {i}/{len(r.areas)}　{area.name}{part}", r.sources_of(sub, [area.source]),
                           _commentary(sub))
            top = Inches(1.25)
            if area.statement:
                statement = area.statement.replace("\n", " ")
                if len(statement) > 90:
                    statement = statement[:89] + "…"
                text_box(s, MARGIN, top, W - 2 * MARGIN, Inches(0.5), [(statement, 14, False, MUTED)])
                top = Inches(1.85)
            if chunk:
                _table(s, chunk, MARGIN, top, TABLE_WIDTH)
            if sub.height:
                left = MARGIN + Inches(TABLE_WIDTH + 0.2)
                _area_chart(s, r, sub, left, top, W - MARGIN - left, H - top - Inches(0.8))


def _trajectory_chart(slide, report: Report, row: dict, left, top, width, height) -> None:
    """The KPI's actuals and targets by fiscal year with the expected path evaluate.sql judged against, as a
    native line chart; without any figure to draw, a sentence."""
    obs = report.observations_of(row["kpi_id"]).filter(pl.col("value").is_not_null() & pl.col("fiscal_year").is_not_null())
    path = dict(report.expected_path(row["kpi_id"]))
    series = {kind: dict(zip(sub["fiscal_year"].to_list(), sub["value"].to_list()))
              for kind, sub in ((k, obs.filter(pl.col("value_kind") == k)) for k in ("baseline", "actual", "target"))}
    years = sorted(set(path) | set().union(*(d.keys() for d in series.values())))
    if not years:
        text_box(slide, left, top + Inches(1.5), width, Inches(1.2),
                 [("数値の記録がないため、推移のグラフはありません。", 16, False, MUTED)], anchor=MSO_ANCHOR.MIDDLE)
        return
    years = list(range(years[0], years[-1] + 1))
    data = CategoryChartData()
    data.categories = [report.fy(y) for y in years]
    actual = {**series["baseline"], **series["actual"]}  # the line starts at the baseline
    for name, values in (("実績値（基準値から）", actual), ("目標値", series["target"]), ("期待される推移", path)):
        if values:
            data.add_series(name, [values.get(y) for y in years])
    chart = _native_chart(slide, XL_CHART_TYPE.LINE_MARKERS, data, left, top, width, height)
    chart.has_title = True
    unit = row.get("unit") or ""
    chart.chart_title.text_frame.text = f"推移（{unit}）" if unit else "推移"
    for run in chart.chart_title.text_frame.paragraphs[0].runs:
        style_run(run, 14, True)
    colors = {"実績値（基準値から）": "#0072B2", "目標値": "#009E73", "期待される推移": "#555555"}
    for plot_series in chart.plots[0].series:
        color = _hex(colors.get(plot_series.name, "#000000"))
        plot_series.format.line.color.rgb = color
        plot_series.format.line.width = Pt(3 if plot_series.name.startswith("実績") else 2)
        plot_series.marker.format.fill.solid()
        plot_series.marker.format.fill.fore_color.rgb = color
        plot_series.smooth = False
        if plot_series.name == "期待される推移":
            plot_series.format.line.dash_style = 4  # MSO_LINE.DASH


def _attention_slides(deck: Deck, progress: Progress | None, done: float, share: float) -> None:
    r = deck.report
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
        s = deck.slide(f"要注意 {i}/{att.height}　{kpi_label(row, 40)}", r.sources_of(shown.slice(i - 1, 1)),
                       _commentary(shown.slice(i - 1, 1)))
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
        shape = s.shapes.add_table(len(facts), 2, MARGIN, Inches(1.3), Inches(4.4), Inches(0.5 * len(facts)))
        table = shape.table
        table.first_row = False
        table.horz_banding = False
        table.columns[0].width, table.columns[1].width = Inches(1.3), Inches(3.1)
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
                fill_text(cell.text_frame, [(text, TABLE_FONT, c == 0 or name == "判定", color)], anchor=MSO_ANCHOR.MIDDLE)
        left = MARGIN + Inches(4.6)
        _trajectory_chart(s, r, row, left, Inches(1.25), W - MARGIN - left, H - Inches(2.05))
    if att.height > shown.height:
        s = deck.slide("要注意の指標（続き）", r.sources_of(att.slice(ATTENTION_LIMIT)))
        names = "、".join(kpi_label(x, 30) for x in att.slice(ATTENTION_LIMIT).iter_rows(named=True))
        text_box(s, MARGIN, Inches(1.4), W - 2 * MARGIN, Inches(4.5),
                 [(f"ほか {att.height - shown.height} 件（一覧は xlsx / CSV の判定結果にあります）", 18, True, INK),
                  (names[:900], 14, False, MUTED)])


def _commentary(rows: pl.DataFrame) -> str:
    """The department's words on these KPIs' evaluated year (handouts carry only those not marked internal)."""
    if "commentary" not in rows.columns:
        return ""
    return "\n".join(f"・{kpi_label(x)}\n{x['commentary']}" for x in rows.iter_rows(named=True) if x["commentary"])


def _commentary_slides(deck: Deck) -> None:
    """所見・今後の方向性: every KPI with commentary, a 14 pt table continued over slides (nothing shrunk)."""
    r = deck.report
    if "commentary" not in r.evaluated.columns:
        return
    rows = r.evaluated.filter(pl.col("commentary") != "")
    if rows.is_empty():
        return
    per_slide = 3  # a 所見 runs to several lines at 14 pt
    chunks = [rows.slice(k, per_slide) for k in range(0, rows.height, per_slide)]
    for c, chunk in enumerate(chunks):
        part = f"（{c + 1}/{len(chunks)}）" if len(chunks) > 1 else ""
        s = deck.slide(f"担当課の所見・今後の方向性{part}", r.sources_of(chunk), _commentary(chunk))
        shape = s.shapes.add_table(chunk.height + 1, 3, MARGIN, Inches(1.3), W - 2 * MARGIN, Inches(0.5 * (chunk.height + 1)))
        table = shape.table
        table.horz_banding = False
        widths = (3.2, 1.3, W / Inches(1) - 2 * MARGIN / Inches(1) - 4.5)
        for k, w in enumerate(widths):
            table.columns[k].width = Inches(w)
        for k, name in enumerate(("指標", "判定", "所見・要因分析・今後の方向性")):
            cell = table.cell(0, k)
            cell.fill.solid()
            cell.fill.fore_color.rgb = HEADER_FILL
            fill_text(cell.text_frame, [(name, TABLE_FONT, True, INK)], anchor=MSO_ANCHOR.MIDDLE)
        for i, row in enumerate(chunk.iter_rows(named=True), start=1):
            bg = status.style(row["status"]).color
            texts = [(kpi_label(row), INK, RGBColor(0xFF, 0xFF, 0xFF)), (status.label(row["status"]), _on(bg), _hex(bg)),
                     (row["commentary"], INK, RGBColor(0xFF, 0xFF, 0xFF))]
            for k, (text, color, fill) in enumerate(texts):
                cell = table.cell(i, k)
                cell.fill.solid()
                cell.fill.fore_color.rgb = fill
                fill_text(cell.text_frame, [(line, TABLE_FONT, k == 1, color) for line in text.split("\n")],
                          anchor=MSO_ANCHOR.TOP)


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


def render(report: Report, progress: Progress | None = None) -> bytes:
    """The deck as .pptx bytes (native tables and charts: no browser needed)."""
    def step(x: float, msg: str) -> None:
        if progress:
            progress(min(x, 1.0), msg)

    deck = Deck(report)
    step(0.0, "表紙と概要")
    _title_slide(deck)
    _summary_slide(deck)
    _area_slides(deck, step, 0.05, 0.5)
    _attention_slides(deck, step, 0.55, 0.4)
    _commentary_slides(deck)
    _closing_slide(deck)
    step(0.97, "保存中")
    return deck.finish()
