"""Japanese years → fiscal years."""
import pytest

from kpiboard.eras import YearParseError, format_fiscal_year, parse_year


@pytest.mark.parametrize("text,fy", [
    ("R4", 2022), ("Ｒ４", 2022), ("令和4年度", 2022), ("R元", 2019), ("令和元年度", 2019), ("H31", 2019),
    ("H27", 2015), ("平成30年度", 2018), ("S64", 1989), ("R⑥", 2024), ("Ｒ⑥", 2024), ("2020年度", 2020),
    ("2024", 2024), ("R2.3", 2019), ("R2.4", 2020), ("R6.11", 2024), ("R3.1.19", 2020),
])
def test_points(text, fy):
    assert parse_year(text).fiscal_year == fy


def test_calendar_year_is_kept():
    ref = parse_year("2014年")
    assert (ref.fiscal_year, ref.year_type) == (2014, "calendar")


@pytest.mark.parametrize("text,start,end", [("H27～R1", 2015, 2019), ("H27~R1", 2015, 2019), ("2014～2019年", 2014, 2019),
                                            ("R3.4～R3.12", 2021, 2021), ("R2～R6", 2020, 2024)])
def test_spans(text, start, end):
    ref = parse_year(text)
    assert (ref.start_fy, ref.end_fy, ref.fiscal_year) == (start, end, end)


@pytest.mark.parametrize("text", ["", "令和", "R", "2024年13月", "来年度", "R5～R3"])
def test_errors(text):
    with pytest.raises(YearParseError):
        parse_year(text)


def test_format():
    assert format_fiscal_year(2024) == "R6（2024）"
    assert format_fiscal_year(2019) == "R元（2019）"
    assert format_fiscal_year(2024, western_only=True) == "2024"
