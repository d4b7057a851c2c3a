"""Japanese-normalised search: ｵﾝﾗｲﾝ, オンライン, おんらいん and ＯＮＬＩＮＥ/online all find the same rows.

Text and query are both folded the same way: NFKC (full-width ↔ half-width, ㈱ → (株) …), katakana →
hiragana, lower case. The query is split on spaces (half- or full-width); every term must occur.
"""
from __future__ import annotations

import re
import unicodedata

import polars as pl

# ァ (U+30A1) … ヶ (U+30F6) sit exactly 0x60 above ぁ … ゖ.
_KATAKANA = [chr(c) for c in range(0x30A1, 0x30F7)]
_HIRAGANA = [chr(c - 0x60) for c in range(0x30A1, 0x30F7)]
_TO_HIRAGANA = str.maketrans(dict(zip(_KATAKANA, _HIRAGANA)))


def normalise(text: object) -> str:
    """The folded form of one string (None → '')."""
    if text is None:
        return ""
    return unicodedata.normalize("NFKC", str(text)).translate(_TO_HIRAGANA).lower()


def terms(query: str | None) -> list[str]:
    """The folded search terms of a query; empty when the query is blank."""
    return [t for t in re.split(r"\s+", normalise(query or "")) if t]


def matches(text: object, query: str | None) -> bool:
    folded = normalise(text)
    return all(t in folded for t in terms(query))


def normalised_expr(columns: list[str]) -> pl.Expr:
    """One folded haystack per row from the given text columns (vectorised, no Python per row)."""
    joined = pl.concat_str([pl.col(c).cast(pl.Utf8).fill_null("") for c in columns], separator="\n")
    return joined.str.normalize("NFKC").str.replace_many(_KATAKANA, _HIRAGANA).str.to_lowercase()


def filter_frame(frame: pl.DataFrame, query: str | None, columns: list[str]) -> pl.DataFrame:
    """The rows of `frame` whose `columns` contain every term of `query` (all rows for a blank query)."""
    wanted = terms(query)
    if not wanted or frame.is_empty():
        return frame
    haystack = normalised_expr([c for c in columns if c in frame.columns])
    condition = pl.lit(True)
    for t in wanted:
        condition = condition & haystack.str.contains(t, literal=True)
    return frame.filter(condition)
