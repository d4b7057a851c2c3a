"""Japanese-normalised search (kpiboard.search): what a user types finds what the documents wrote."""
import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from kpiboard import search

KPIS = pl.DataFrame({
    "kpi_id": ["a", "b", "c", "d"],
    "kpi_name": ["行政手続のオンライン利用率", "「ウェルビーイング先進地域」の創出", "ＩＣＴ関連産業の新規雇用者数",
                 "スタートアップの創出数"],
    "area": ["行政のＤＸ", "真の幸せ（ウェルビーイング）戦略", "地域のＤＸ", None],
})


def found(query: str) -> list[str]:
    return search.filter_frame(KPIS, query, ["kpi_name", "area"])["kpi_id"].to_list()


def test_half_width_katakana_finds_full_width():
    assert found("ｳｪﾙﾋﾞｰｲﾝｸﾞ") == ["b"]


def test_hiragana_finds_katakana():
    assert found("おんらいん") == ["a"]
    assert found("すたーとあっぷ") == ["d"]


def test_ascii_finds_full_width_latin_in_either_case():
    assert found("ict") == ["c"]
    assert found("ＤＸ") == ["a", "c"]
    assert found("dx") == ["a", "c"]


def test_every_term_must_occur_and_full_width_space_separates():
    assert found("ＤＸ　行政") == ["a"]
    assert found("dx 雇用") == ["c"]
    assert found("dx 存在しない語") == []


def test_blank_query_keeps_every_row_and_null_columns_do_not_break_it():
    assert found("") == ["a", "b", "c", "d"]
    assert found("   ") == ["a", "b", "c", "d"]
    assert found("創出") == ["b", "d"]  # d has no area (null)


def test_regex_characters_are_searched_literally():
    assert found("（") == ["b"]
    assert found(".*") == []


def test_unknown_columns_are_ignored():
    assert search.filter_frame(KPIS, "ict", ["kpi_name", "no_such_column"])["kpi_id"].to_list() == ["c"]


katakana = st.text(alphabet=st.characters(min_codepoint=0x30A1, max_codepoint=0x30F6), min_size=1, max_size=12)


@given(katakana)
def test_katakana_and_its_hiragana_fold_to_the_same(text):
    hiragana = "".join(chr(ord(c) - 0x60) for c in text)
    assert search.normalise(text) == search.normalise(hiragana)


@given(st.text(max_size=30))
def test_folding_is_idempotent(text):
    once = search.normalise(text)
    assert search.normalise(once) == once


@given(st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=20))
def test_full_width_ascii_folds_like_ascii(text):
    full = "".join(chr(ord(c) + 0xFEE0) for c in text)
    assert search.normalise(full) == search.normalise(text)


# What KPI names are made of: ASCII, kana (full- and half-width), full-width forms, some kanji and marks.
JAPANESE = ("".join(chr(c) for c in range(0x20, 0x7F)) + "".join(chr(c) for c in range(0x3041, 0x3097))
            + "".join(chr(c) for c in range(0x30A1, 0x30FD)) + "".join(chr(c) for c in range(0xFF61, 0xFFA0))
            + "".join(chr(c) for c in range(0xFF01, 0xFF5F)) + "行政手続利用率創出県市町村　・（）「」①②ⅰⅱ〃％")


@given(st.text(alphabet=JAPANESE, max_size=20), st.text(alphabet=JAPANESE, max_size=6))
def test_vectorised_filter_agrees_with_matches(haystack, query):
    frame = pl.DataFrame({"kpi_name": [haystack]})
    assert (search.filter_frame(frame, query, ["kpi_name"]).height == 1) == search.matches(haystack, query)
