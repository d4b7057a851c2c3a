"""Display formats (kpiboard/format.py): vectorised columns and their scalar twins read the same."""
import polars as pl
from hypothesis import given, settings, strategies as st

from kpiboard import format as fmt
from kpiboard import ui
from kpiboard.eras import format_fiscal_year
from kpiboard.parsing import format_value

UNITS = ["", "%", "人", "円", "件/年", "位"]
# Figures as documents write them: whole numbers up to 100兆, and up to 4 decimals below 1,000億 (beyond
# that a double has no 4th decimal left to agree on)
figures = st.one_of(st.integers(-10**14, 10**14).map(float),
                    st.builds(lambda n, k: n / 10**k, st.integers(-10**12, 10**12), st.integers(1, 4)))


@settings(max_examples=300, deadline=None)
@given(st.lists(figures, min_size=1, max_size=50), st.sampled_from(UNITS))
def test_value_column_reads_as_the_scalar_format(values, unit):
    column = pl.DataFrame({"v": values}, schema={"v": pl.Float64}).select(fmt.value("v", unit).alias("o"))["o"].to_list()
    assert column == [format_value(v, unit) for v in values]


def test_value_examples_the_japanese_way():
    frame = pl.DataFrame({"v": [39800000.0, 1209780000.0, 37.5, None, -198.0, 9.14e12, 37378000.0],
                          "u": ["円", "円", "%", "人", "", "円", "人"]})
    assert frame.select(fmt.value("v", pl.col("u")).alias("o"))["o"].to_list() == [
        "3,980万円", "12億978万円", "37.5%", "―", "-198", "9兆1,400億円", "3,737万8,000人"]


@given(st.lists(st.one_of(st.none(), st.integers(1926, 2100)), min_size=1, max_size=30), st.booleans())
def test_fiscal_year_column_reads_as_the_scalar_format(years, western):
    column = pl.DataFrame({"y": years}, schema={"y": pl.Int64}).select(fmt.fiscal_year("y", western).alias("o"))["o"].to_list()
    assert column == ["―" if y is None else format_fiscal_year(y, western_only=western) for y in years]


@given(st.lists(st.one_of(st.none(), st.integers(-10**6, 10**7).map(lambda n: n / 10**4)), min_size=1, max_size=30))
def test_ratio_column_reads_as_the_scalar_format(ratios):
    column = pl.DataFrame({"r": ratios}, schema={"r": pl.Float64}).select(fmt.ratio("r").alias("o"))["o"].to_list()
    assert column == [ui.ratio_text(r) for r in ratios]


def test_markdown_text_is_shown_not_interpreted():
    hostile = "**bold** $x^2$ :red[red] <img src=x> [a](http://127.0.0.2/) www.example.com a@b.jp :smile:"
    shown = fmt.md(hostile)
    for live in ("**", "[a]", "http://", "www.", "a@b", ":red[", ":smile"):
        assert live not in shown, live
    assert "\\$x" in shown and "\\<img" in shown  # KaTeX needs an unescaped $, a tag an unescaped <
    # what a reader sees is the same text (backslashes and invisible word joiners aside)
    assert shown.replace("\\", "").replace("\u2060", "") == hostile
    assert fmt.md("R6.11 +25人 10:30 37.5%") == "R6.11 +25人 10:30 37.5%"  # ordinary text is left alone
    assert fmt.md("1. 項目") == "1\\. 項目" and fmt.md("- 項目") == "\\- 項目"


def test_a_pace_is_said_in_words_and_a_rank_says_which_way():
    from kpiboard import ui

    assert ui.per_year_text(25, "人") == "1年あたり +25人"
    assert ui.per_year_text(1.2, "%") == "1年あたり +1.2ポイント"
    assert ui.per_year_text(-1 / 3, "位") == "約3年で1位上昇"  # was 「年 -0.33位」
    assert ui.per_year_text(0.5, "位") == "約2年で1位低下"
    assert ui.per_year_text(-2, "位") == "1年あたり2位上昇"
    assert ui.per_year_text(0, "位") == "順位は変わらず" and ui.per_year_text(None, "位") == "―"
