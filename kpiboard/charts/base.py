"""Shared look of every figure: fonts, colours, the title and source layout, safe labels, axis helpers."""
from __future__ import annotations

import html
import math
import re

import plotly.graph_objects as go

from ..eras import format_fiscal_year


FONT_FAMILY = "Noto Sans CJK JP, Noto Sans JP, IPAexGothic, Hiragino Sans, Meiryo, sans-serif"


HIGHLIGHT = "#D55E00"  # Okabe–Ito vermilion: the one entity the audience should follow


MUTED = "#9a9a9a"


# Line styles for several series: colour, dash and marker all differ, so print in grey still tells them apart.
SERIES_COLORS = ["#0072B2", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"]


SERIES_DASHES = ["solid", "dash", "dot", "dashdot", "longdash", "longdashdot"]


# Pale to mid blue: black text stays readable on every cell, and lightness rises with the share in grey print.
SHARE_SCALE = [[0.0, "#fff3b0"], [0.5, "#a6d8c5"], [1.0, "#4f9bd4"]]


SERIES_SYMBOLS = ["circle", "square", "diamond", "triangle-up", "x", "star", "cross", "triangle-down"]


def safe_label(text) -> str:
    """Data as Plotly text: HTML-escaped, and % and $ as entities, so Plotly's HTML subset (<a href>,
    <span style>, <br> …), a %{…} placeholder in a template and a $…$ formula in the data stay as typed.
    Plotly decodes the entities when it draws; wrap the result in our own tags (<b>, <br>) as needed.
    Cut text to length before escaping, never after (an entity must not be split)."""
    return html.escape("" if text is None else str(text), quote=False).replace("%", "&#37;").replace("$", "&#36;")


def plain_text(label: str) -> str:
    """The text a Plotly label shows: our <br>s dropped, safe_label undone (for a caption beside the chart)."""
    return html.unescape(str(label or "").replace("<br>", ""))


def category(value):
    """A category value (axis, hover %{x}/%{y}) as safe text; numbers stay numbers."""
    return safe_label(value) if isinstance(value, str) else value


def source_lines(text: str, width: int = 80) -> list[str]:
    """Lines of at most `width` characters (Japanese has no spaces to break at; plotly does not wrap)."""
    lines = []
    for part in str(text).split("\n"):
        while len(part) > width:
            lines.append(part[:width])
            part = part[width:]
        lines.append(part)
    return lines[:4]


# A title wider than this many Japanese characters (a Latin letter or digit counts about half) is drawn on
# two lines: Plotly never wraps, and a title of a long plan or indicator name ran past the right edge of a
# half-width column (about 650 px at 1600 px; the title is 20 px type).
TITLE_CHARS = 30
TITLE_LINE_PX = 24


def _char_units(ch: str) -> float:
    """A character's width in Japanese characters: a full-width one 1, a Latin letter or digit about 0.6."""
    return 1.0 if ord(ch) > 0x2000 else 0.6


def _text_px(text: str, size: int) -> int:
    """Rough width of a text in pixels at `size` px type."""
    return math.ceil(size * sum(_char_units(ch) for ch in text))


def _fitting(text: str, width: float) -> int:
    """How many of `text`'s first characters fit in `width` Japanese characters."""
    used = 0.0
    for i, ch in enumerate(text):
        used += _char_units(ch)
        if used > width:
            return i
    return len(text)


def title_lines(title: str, width: int = TITLE_CHARS, max_lines: int = 2) -> str:
    """A chart title as Plotly text on at most `max_lines` lines about `width` Japanese characters wide:
    broken before a 「（」 or after a 「：」 when a line has one, else after a 「、」 or a space, else where
    the line is full (as `wrap` does); what is left after the last line is shortened with `shorten`."""
    rest, lines = str(title or ""), []
    while len(lines) < max_lines - 1 and _fitting(rest, width) < len(rest):
        n = _fitting(rest, width)
        head = rest[:n + 1]
        strong = [i for i, ch in enumerate(head) if ch == "（" and i >= n // 3] + \
                 [i + 1 for i, ch in enumerate(head[:n]) if ch in "：:" and i + 1 >= n // 3]
        weak = [i + 1 for i, ch in enumerate(head[:n]) if ch in "、 " and i + 1 >= n // 2]
        cut = max(strong or weak or [n])
        lines.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    lines.append(shorten(rest, _fitting(rest, width)))
    return "<br>".join(safe_label(line) for line in lines)


# Room above the plot: the title's lines, then the legend's rows (Plotly grows a legend above the plot upwards,
# into the title, and knows nothing of the title). Rows are counted for the narrowest place a chart is drawn
# at 1600 px (a 3/5 column, about 650 px); a wider chart keeps a little more room than it needs.
NARROW_CHART_PX = 650
LEGEND_ROW_PX = 22
TOP_PX = 90


def _legend_rows(fig: go.Figure) -> int:
    """How many rows the horizontal legend takes in a chart NARROW_CHART_PX wide (0 without a legend)."""
    traces = [t for t in fig.data if t.showlegend is not False and t.name]
    entries = [t.name for t in traces] + [s.name for s in fig.layout.shapes or () if s.showlegend and s.name]
    if fig.layout.showlegend is False or not entries or (len(entries) == 1 and not fig.layout.showlegend):
        return 0
    y = fig.layout.yaxis
    labels = list(y.ticktext or ()) or [v for t in fig.data if t.type == "bar" and t.orientation == "h"
                                        for v in (t.y or ()) if isinstance(v, str)]
    label_px = max([_text_px(re.sub(r"<[^>]+>", "", plain_text(line)), 14)
                    for v in labels for line in str(v).split("<br>")] + [0])
    plot_px = NARROW_CHART_PX - max(60, label_px + 16) - 30
    widths = [44 + _text_px(plain_text(name), 14) for name in entries]
    if sum(widths) <= plot_px:
        return 1
    # on several rows Plotly puts the entries in columns as wide as the widest entry
    return math.ceil(len(widths) / max(1, plot_px // max(widths)))


def layout(fig: go.Figure, title: str, source: str, height: int = 420) -> go.Figure:
    lines = [safe_label(line) for line in source_lines(f"出典: {source}" if source else "出典: ―")]
    extra = 16 * (len(lines) - 1)
    title_text = title_lines(title)
    title_extra = TITLE_LINE_PX * title_text.count("<br>")
    # the title's last line ends about 30 px + 34 px a line more from the top; then the legend's rows
    top = max(TOP_PX + title_extra, 30 + 34 * title_text.count("<br>") + 12 + LEGEND_ROW_PX * _legend_rows(fig))
    fig.update_layout(
        # Plotly lifts a title of several lines above its anchor (about 0.7 of a line each line more): padded
        # down by a line's height per extra line, so the first line is not cut off at the top (at 30 px too, 発表モード)
        title={"text": title_text, "x": 0, "xanchor": "left", "y": 1, "yref": "container", "yanchor": "top",
               "pad": {"t": 8 + TITLE_LINE_PX * title_text.count("<br>")}},
        font={"family": FONT_FAMILY, "size": 14, "color": "#222"},
        height=height + extra + top - TOP_PX,
        # the left margin keeps what value_axis asked for (room for a unit written above the y axis)
        margin={"l": max(60, fig.layout.margin.l or 0), "r": 30, "t": top, "b": 96 + extra},
        plot_bgcolor="white",
        paper_bgcolor="white",
        legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0, "xanchor": "left", "traceorder": "normal"},
        hoverlabel={"font": {"family": FONT_FAMILY}},
    )
    # Pixel offset from the plot's bottom edge: stays below the axis whatever the figure's height.
    fig.add_annotation(text="<br>".join(lines), name="source", xref="paper", yref="paper",
                       x=0, y=0, yshift=-66, yanchor="top", xanchor="left", showarrow=False, align="left",
                       font={"size": 11, "color": "#444"})
    fig.update_xaxes(showgrid=True, gridcolor="#ddd", linecolor="#444", automargin=True, title_standoff=6)
    fig.update_yaxes(showgrid=True, gridcolor="#ddd", linecolor="#444", automargin=True)
    return fig


def fiscal_year_axis(fig: go.Figure, years, western_years: bool, axis: str = "x") -> None:
    years = sorted({int(y) for y in years if y is not None})
    if not years:
        return
    update = fig.update_xaxes if axis == "x" else fig.update_yaxes
    # R6<br>（2024）: two short lines stay horizontal where one long label would be turned sideways
    update(tickmode="array", tickvals=years, tickangle=0, tickfont={"size": 14 if len(years) <= 8 else 11},
           ticktext=[format_fiscal_year(y, western_only=western_years).replace("（", "<br>（") for y in years])


# d3 formats (Plotly's tickformat and %{…:format} in hover templates): thousands separated everywhere.
NUMBER_FORMAT = ",~r"   # axis ticks: 1,500,000 / 12.5 / 0.25 (six significant digits, trailing zeros dropped)
COUNT_FORMAT = ",d"     # counts and ranks: whole numbers
RANK_UNIT = "位"


def is_rank(unit: str | None = None, direction: str | None = None) -> bool:
    """A rank (1位 = best): a KPI or indicator of direction "rank", or a figure in 位."""
    return direction == "rank" or (unit or "").strip() == RANK_UNIT


def hover_format(rank: bool = False, decimals: int = 1) -> str:
    """The d3 format of a value in a hover template (%{y:…}): a rank whole (10.67 → 11), else at most
    `decimals` places (45.83 → 45.8, 39,800,000 without 「.0」)."""
    return COUNT_FORMAT if rank else f",.{decimals}~f"


def rank_ticks(values) -> list[int]:
    """Whole places for a rank axis, about six of them: 1, 10, 20, 30, 40 for ranks 1–47; 10, 11, 12 for 10–12."""
    ranks = [float(v) for v in values if v is not None and v == v]
    if not ranks:
        return [1]
    low, high = max(1, math.floor(min(ranks))), max(1, math.ceil(max(ranks)))
    step = next(s for s in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 10**9) if (high - low) / s <= 6)
    ticks = [v for v in range(math.ceil(low / step) * step, high + 1, step) if v >= 1]
    return sorted({low, *ticks})


UNIT_FONT_SIZE = 13


def value_axis(fig: go.Figure, *, axis: str = "y", unit: str | None = "", rank: bool = False, values=(),
               title: str | None = None, tickformat: str = NUMBER_FORMAT, **settings) -> None:
    """A numeric axis drawn the same way in every figure.

    Ticks with thousands separators (`tickformat`; 1,500,000 rather than 1.5M); a rank axis (`rank`) in
    whole places only (`values`: the ranks plotted, for the ticks; never 10.5位), 1位 on top of a y axis
    (reversed) and on the left of an x axis. The unit of a y axis is written horizontally above the axis, 「（人）」: a y axis title is turned
    on its side, and one kanji (人, 件, 位) on its side is hard to read. `title`: a longer title of the axis
    (「基準年 = 100」, 「予算額」), kept as the axis title; an x axis carries its unit in its title.
    `settings`: anything else for the axis (range, rangemode, dtick, ticksuffix …)."""
    unit = (unit or "").strip()
    update = fig.update_yaxes if axis == "y" else fig.update_xaxes
    if rank:
        ticks = rank_ticks(values)
        settings = {"tickmode": "array", "tickvals": ticks, "ticktext": [f"{t:,}" for t in ticks],
                    **({"autorange": "reversed"} if axis == "y" else {}), **settings}
        tickformat = COUNT_FORMAT
    if axis == "y":
        update(title_text=safe_label(title) if title else None, tickformat=tickformat, **settings)
        if unit:
            text = f"（{unit}）"
            fig.add_annotation(text=safe_label(text), name="unit", xref="paper", yref="paper", x=0, y=1,
                               xanchor="right", yanchor="bottom", xshift=-4, yshift=6, showarrow=False,
                               font={"size": UNIT_FONT_SIZE, "color": "#444"})
            fig.update_layout(margin={"l": max(60, fig.layout.margin.l or 0, _text_px(text, UNIT_FONT_SIZE) + 12)})
    else:
        text = f"{title}（{unit}）" if title and unit else (title or (f"（{unit}）" if unit else None))
        update(title_text=safe_label(text) if text else None, tickformat=tickformat, **settings)


def shorten(text: str, limit: int = 40) -> str:
    text = text or ""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def label_lines(text: str) -> str:
    """The app's own multi-line label (lines split at \\n, or at <br> as callers used to write it), escaped."""
    return "<br>".join(safe_label(line) for line in str(text or "").replace("<br>", "\n").split("\n"))


def sequential_color(v: float) -> str:
    """0 → light, 1 → dark blue (cividis-like, readable by colour-blind viewers and in grey)."""
    v = max(0.0, min(1.0, float(v)))
    stops = [(0.0, (253, 231, 37)), (0.25, (174, 209, 103)), (0.5, (72, 160, 152)), (0.75, (44, 101, 142)), (1.0, (0, 32, 76))]
    for (x0, c0), (x1, c1) in zip(stops, stops[1:]):
        if v <= x1:
            f = (v - x0) / (x1 - x0)
            return "#%02x%02x%02x" % tuple(round(a + (b - a) * f) for a, b in zip(c0, c1))
    return "#00204c"


OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")


PATTERNS = ("", "/", ".", "x", "\\", "-", "|", "+")


def wrap(text: str, width: int, max_lines: int | None = None, sep: str = "<br>") -> str:
    """Break a Japanese label every `width` characters (plotly and graphviz do not wrap by themselves).

    With the default `<br>` the result is Plotly text: each line is escaped (safe_label). With any other
    separator the lines are returned as they are, for the caller to quote (tree_dot)."""
    text = text or ""
    lines = [text[i:i + width] for i in range(0, len(text), width)] or [""]
    if max_lines and len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1][:-1] + "…"
    if sep == "<br>":
        lines = [safe_label(line) for line in lines]
    return sep.join(lines)


# 連携中枢都市圏 groups ア/イ/ウ keep one colour and pattern in every figure; shared items are grey
GROUP_STYLE = {"ア": (OKABE_ITO[0], ""), "イ": (OKABE_ITO[1], "/"), "ウ": (OKABE_ITO[2], ".")}
SHARED_STYLE = ("#BBBBBB", "x")
