"""The value parser on every notation PRODUCT.md lists."""
import pytest
from hypothesis import given, settings, strategies as st

from kpiboard.parsing import ValueParseError, format_value, parse_value


@pytest.mark.parametrize("text,value,unit,qualifier", [
    ("40百万枚", 40_000_000, "枚", ""),
    ("3,737万8千人", 37_378_000, "人", ""),
    ("9兆1,400億円", 9_140_000_000_000, "円", ""),
    ("12億978万円", 1_209_780_000, "円", ""),
    ("3,980万円", 39_800_000, "円", ""),
    ("９５0万円", 9_500_000, "円", ""),
    ("146.41万", 1_464_100, "", ""),
    ("ほぼ100%", 100, "%", "ほぼ"),
    ("4以上", 4, "", "以上"),
    ("99％以上", 99, "%", "以上"),
    ("164 見込み", 164, "", "見込み"),
    ("164\n見込み", 164, "", "見込み"),
    ("１２，３４５", 12_345, "", ""),
    ("約２％", 2, "%", "約"),
    ("32名以上／年", 32, "名", "以上"),  # the 年 goes into per_year (tests/test_import_rules.py)
    ("24,432人/日", 24_432, "人/日", ""),
    ("全国12位", 12, "位", ""),
    ("全国上位", 10, "位", "以内"),
    ("0", 0, "", ""),
])
def test_notations(text, value, unit, qualifier):
    parsed = parse_value(text)
    assert parsed.value == value
    assert parsed.unit == unit
    assert parsed.qualifier == qualifier
    assert parsed.original_text == text


def test_note_in_brackets_is_kept():
    parsed = parse_value("37.5%【2月1日時点】")
    assert (parsed.value, parsed.unit, parsed.note) == (37.5, "%", "2月1日時点")


@pytest.mark.parametrize("text,period", [("-198 (R3.4～R3.12)", "R3.4~R3.12"), ("-198\n(R3.4～\nR3.12)", "R3.4~R3.12"),
                                         ("7.4%(2014年)", "2014年")])
def test_period_inside_cell(text, period):
    parsed = parse_value(text)
    assert parsed.period == period
    assert parsed.value in (-198, 7.4)


@pytest.mark.parametrize("text", ["-5", "−5", "－5", "▲5", "△5"])
def test_minus_signs(text):
    assert parse_value(text).value == -5


def test_cumulative_in_brackets():
    parsed = parse_value("３\n（累計\n４）")
    assert (parsed.value, parsed.cumulative_value, parsed.qualifier) == (3, 4, "累計")


def test_two_indicators_in_one_cell():
    assert [p.value for p in parse_value("①500 ②50").parts] == [500, 50]
    assert parse_value("①500 ②50", part=2).value == 50
    with pytest.raises(ValueParseError):
        parse_value("①500 ②50", part=3)


@pytest.mark.parametrize("text", ["―", "-", "－", "", "  "])
def test_none_marks(text):
    parsed = parse_value(text)
    assert parsed.value is None and not parsed.is_ditto


def test_ditto_and_words():
    assert parse_value("〃").is_ditto
    kentou = parse_value("検討中")
    assert kentou.value is None and kentou.note == "検討中"
    genjo = parse_value("現状維持以上")
    assert genjo.value is None and genjo.qualifiers == ["現状維持", "以上"]


@pytest.mark.parametrize("text", ["abc", "12a34", "R5年度に検討", "5万3万", "12 34", "1..2"])
def test_unreadable_is_an_error_in_japanese(text):
    with pytest.raises(ValueParseError) as err:
        parse_value(text)
    assert text.strip() in str(err.value)


def test_format_japanese_notation():
    assert format_value(39_800_000, "円") == "3,980万円"
    assert format_value(1_209_780_000, "円") == "12億978万円"
    assert format_value(37.5, "%") == "37.5%"
    assert format_value(None) == "―"


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("0123456789０１２,.，．%％万億兆千百円人件以上下ほぼ約見込み累計（）()【】▲△−－-〃―①② R年度")), max_size=14)
           | st.text(max_size=20))
def test_random_cells_never_raise_anything_but_parse_errors(text):
    try:
        parsed = parse_value(text)
    except ValueParseError:
        return
    assert parsed.value is None or isinstance(parsed.value, float)


@pytest.mark.parametrize("text, per_year", [("32名以上／年", True), ("年約２％", True), ("毎年 10件", True),
                                            ("年間500人", True), ("10件/年度", True), ("10件/月", False),
                                            ("100", False), ("年度末100", None)])
def test_yearly_targets_are_marked(text, per_year):
    if per_year is None:
        with pytest.raises(ValueParseError):
            parse_value(text)
    else:
        assert parse_value(text).per_year is per_year
