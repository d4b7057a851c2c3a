"""Shared look of every figure: fonts, colours, the title and source layout, safe labels, axis helpers."""
from __future__ import annotations

import html

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


def layout(fig: go.Figure, title: str, source: str, height: int = 420) -> go.Figure:
    lines = [safe_label(line) for line in source_lines(f"出典: {source}" if source else "出典: ―")]
    extra = 16 * (len(lines) - 1)
    fig.update_layout(
        title={"text": safe_label(title), "x": 0, "xanchor": "left", "y": 0.98, "yanchor": "top"},
        font={"family": FONT_FAMILY, "size": 14, "color": "#222"},
        height=height + extra,
        margin={"l": 60, "r": 30, "t": 90, "b": 96 + extra},
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
