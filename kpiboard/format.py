"""Display formats as vectorised Polars expressions: fiscal years, values the Japanese way, ratios.

Pages and exports format whole columns with these, never with Python callbacks inside Polars
(`map_elements` runs Python on Polars' worker threads, which wait for the GIL while the page thread
waits for them: the server deadlocked under load). Scalars go through the same expressions
(`scalar`), so a table cell and a metric always read the same.
"""
from __future__ import annotations

import polars as pl

NONE_TEXT = "―"
# Largest magnitude grouped digit by digit (Int64 holds 9.2e18); beyond it the plain number is shown.
_GROUPABLE = 10**18
_CHUNKS = (("兆", 10**12), ("億", 10**8), ("万", 10**4))


def _expr(value) -> pl.Expr:
    return pl.col(value) if isinstance(value, str) else value


def grouped_digits(n: pl.Expr) -> pl.Expr:
    """A non-negative integer with thousands separators: 1234567 → '1,234,567' (a comma after every
    three digits counted from the right: reversed, grouped, reversed back)."""
    reversed_digits = n.cast(pl.Int64).cast(pl.Utf8).str.reverse()
    return reversed_digits.str.replace_all(r"(\d{3})", "$1,").str.strip_chars_end(",").str.reverse()


def plain_number(v: pl.Expr, decimals: int | None = None) -> pl.Expr:
    """|v| with separators: `decimals` places, or (None) as many as it needs up to 4 (12.5, 0.1235, 3)."""
    v = v.abs()
    places = 4 if decimals is None else decimals
    scaled = (v * 10**places).round(0)
    whole = grouped_digits(scaled // 10**places)
    if places == 0:
        text = whole
    else:
        frac = (scaled % 10**places).cast(pl.Int64).cast(pl.Utf8).str.zfill(places)
        if decimals is None:
            frac = frac.str.strip_chars_end("0")
        text = pl.when(frac == "").then(whole).otherwise(pl.concat_str([whole, pl.lit("."), frac]))
    return pl.when(v >= _GROUPABLE).then(v.cast(pl.Utf8)).otherwise(text)


def _large_integer(v: pl.Expr) -> pl.Expr:
    """An integer ≥ 10,000 in 兆/億/万 chunks: 1209780000 → 12億978万, 37378000 → 3,737万8,000."""
    n = v.abs().cast(pl.Int64)
    parts = []
    rest = n
    for name, mult in _CHUNKS:
        q = rest // mult
        parts.append(pl.when(q > 0).then(pl.concat_str([grouped_digits(q), pl.lit(name)])))
        rest = rest % mult
    parts.append(pl.when(rest > 0).then(grouped_digits(rest)))
    return pl.concat_str(parts, separator="", ignore_nulls=True)


def value(value, unit=None) -> pl.Expr:
    """A figure the Japanese way (3,980万円, 12億978万円, 37.5%), '―' when missing.

    `value` is a column name or an expression; `unit` an expression (e.g. pl.col("unit")) or a plain unit."""
    v = _expr(value).cast(pl.Float64)
    u = unit if isinstance(unit, pl.Expr) else pl.lit(unit or "", pl.Utf8)
    u = u.fill_null("")
    sign = pl.when(v < 0).then(pl.lit("-")).otherwise(pl.lit(""))
    a = v.abs()
    is_int = (a == a.floor()) & (a < _GROUPABLE)
    body = (pl.when(u == "%").then(plain_number(v))
            .when((a >= 10**4) & is_int).then(_large_integer(v))
            .otherwise(plain_number(v)))
    return (pl.when(v.is_null() | v.is_nan()).then(pl.lit(NONE_TEXT))
            .otherwise(pl.concat_str([sign, body, u])))


def date_ja(text: str | None) -> str:
    """'2023-08-29' → '2023年8月29日', '2024-11' → '2024年11月'; anything else as written (a date for a
    picker's label, a title or a citation: dates are few, so this one stays scalar)."""
    parts = (text or "").split("-")
    if 2 <= len(parts) <= 3 and all(p.isdigit() for p in parts):
        return "".join(f"{int(p)}{unit}" for p, unit in zip(parts, ("年", "月", "日")))
    return text or ""


def jst_time(column) -> pl.Expr:
    """An ISO UTC time text (2026-12-04T09:30:00Z) as Japan's clock reads it: 2026-12-04 18:30."""
    return (_expr(column).str.to_datetime("%Y-%m-%dT%H:%M:%SZ", time_zone="UTC", strict=False)
            .dt.convert_time_zone("Asia/Tokyo").dt.strftime("%Y-%m-%d %H:%M").fill_null(""))


def _era(y: pl.Expr) -> pl.Expr:
    """The era part of a fiscal year: 2024 → 'R6', 2019 → 'R元', 1995 → 'H7', 1980 → 'S55'."""
    return (pl.when(y == 2019).then(pl.lit("R元"))
            .when(y >= 2019).then(pl.concat_str([pl.lit("R"), (y - 2018).cast(pl.Utf8)]))
            .when(y == 1989).then(pl.lit("H元"))
            .when(y >= 1989).then(pl.concat_str([pl.lit("H"), (y - 1988).cast(pl.Utf8)]))
            .otherwise(pl.concat_str([pl.lit("S"), (y - 1925).cast(pl.Utf8)])))


def fiscal_year(year, western: bool = False) -> pl.Expr:
    """2024 → 'R6（2024）' (or '2024' with the Western-years setting); '―' when missing."""
    y = _expr(year).cast(pl.Int64)
    western_text = y.cast(pl.Utf8)
    if western:
        return pl.when(y.is_null()).then(pl.lit(NONE_TEXT)).otherwise(western_text)
    return (pl.when(y.is_null()).then(pl.lit(NONE_TEXT))
            .otherwise(pl.concat_str([_era(y), pl.lit("（"), western_text, pl.lit("）")])))


def fiscal_year_short(year, western: bool = False) -> pl.Expr:
    """2024 → 'R6' (or '2024' with the Western-years setting): a fiscal year where space is short (a
    metric's span R3～R6); '―' when missing."""
    y = _expr(year).cast(pl.Int64)
    return pl.when(y.is_null()).then(pl.lit(NONE_TEXT)).otherwise(y.cast(pl.Utf8) if western else _era(y))


def fiscal_year_or_empty(year, western: bool = False) -> pl.Expr:
    """fiscal_year, but empty (null) where there is no year: downloads keep empty cells empty."""
    y = _expr(year)
    return pl.when(y.is_not_null()).then(fiscal_year(y, western))


def fiscal_span(start, end, western: bool = False) -> pl.Expr:
    """R2（2020）～R6（2024）; one year when both ends are the same; '―' without a start."""
    a, b = _expr(start), _expr(end)
    first = fiscal_year(a, western)
    return (pl.when(a.is_null()).then(pl.lit(NONE_TEXT))
            .when(b.is_null() | (a == b)).then(first)
            .otherwise(pl.concat_str([first, pl.lit("～"), fiscal_year(b, western)])))


def value_with_year(value_, unit, year, western: bool = False) -> pl.Expr:
    """3,980万円（R6（2024））: the figure with its fiscal year when there is one."""
    text = value(value_, unit)
    y = _expr(year)
    return (pl.when(_expr(value_).is_null()).then(pl.lit(NONE_TEXT))
            .when(y.is_null()).then(text)
            .otherwise(pl.concat_str([text, pl.lit("（"), fiscal_year(y, western), pl.lit("）")])))


def ratio(value_) -> pl.Expr:
    """0.834 → '83%' (ratios are shown as whole percents); '―' when missing."""
    v = _expr(value_).cast(pl.Float64) * 100
    sign = pl.when(v.round(0) < 0).then(pl.lit("-")).otherwise(pl.lit(""))
    return (pl.when(v.is_null() | v.is_nan()).then(pl.lit(NONE_TEXT))
            .otherwise(pl.concat_str([sign, plain_number(v, 0), pl.lit("%")])))


def percent(value_) -> pl.Expr:
    """A figure already in percent: 83.4 → '83%'."""
    return ratio(_expr(value_).cast(pl.Float64) / 100)


def scalar(expr: pl.Expr, **values) -> str:
    """One value through the same expression as a column: scalar(value(pl.col('v'), pl.col('u')), v=1.5, u='%')."""
    frame = pl.DataFrame({k: [v] for k, v in values.items()}, strict=False)
    return frame.select(expr.alias("_"))["_"][0]


# What Streamlit's Markdown would interpret inside one line of text: emphasis, code, strike (* _ ` ~),
# links and :color[…] ([ ]), HTML (<), entities (&), KaTeX ($) and backslash escapes get a backslash.
# Autolinks (http://, www., a@b.c) and emoji or :material/…: shortcodes are found after escapes are
# resolved, so a backslash does not stop them: an invisible word joiner (U+2060) breaks them instead.
# Block markers count only at the start before a space (「- 項目」, 「1. 項目」, 「# 見出し」).
_MARKDOWN_INLINE = r"([\\`*_~\[\]<>&$])"
_WORD_JOINER = "\u2060"
_MARKDOWN_SHORTCODE = r":([A-Za-z/+\-_])"
_MARKDOWN_LINE_START = r"^(\s*)([#+\-])(\s|$)"
_MARKDOWN_LIST_NUMBER = r"^(\s*\d+)([.)])(\s|$)"
_MARKDOWN_QUOTE = r"^(\s*)>"


def markdown_text(column) -> pl.Expr:
    """A text column for a place Streamlit reads as Markdown (st.table cells): shown, never interpreted."""
    col = _expr(column).str.replace_all("\n", " ", literal=True)
    return (col.str.replace_all(_MARKDOWN_INLINE, r"\$1")
            .str.replace_all(_MARKDOWN_SHORTCODE, ":" + _WORD_JOINER + "$1")
            .str.replace_all("www.", "www" + _WORD_JOINER + ".", literal=True)
            .str.replace_all("@", "@" + _WORD_JOINER, literal=True)
            .str.replace(_MARKDOWN_LINE_START, r"$1\$2$3").str.replace(_MARKDOWN_QUOTE, r"$1\>")
            .str.replace(_MARKDOWN_LIST_NUMBER, r"$1\$2$3"))


def md(text) -> str:
    """A data text inside a Markdown string (captions, labels, messages): shown literally."""
    return scalar(markdown_text(pl.col("t")), t="" if text is None else str(text))


def html_text(column) -> pl.Expr:
    """A text column for Plotly's HTML subset: the same escaping as charts.safe_label, vectorised
    (& < > as entities, % and $ too, so a %{…} template placeholder or a $…$ formula stays as typed)."""
    col = _expr(column)
    for raw, entity in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("%", "&#37;"), ("$", "&#36;")):
        col = col.str.replace_all(raw, entity, literal=True)
    return col
