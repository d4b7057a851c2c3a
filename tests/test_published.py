"""Published national figures on the start page and on 比較 (AppTest): real verdicts and the 47-prefecture
ranking, without a terminal."""
import pytest

from helpers import app_test

PUBLISHED = "公表統計（全国）"


@pytest.fixture(autouse=True)
def embedded(monkeypatch):
    monkeypatch.delenv("KPIBOARD_DATA_DIR", raising=False)


def test_start_page_shows_every_plan_and_the_latest_national_comparison():
    at = app_test()
    assert not at.exception
    captions = " ".join(c.value for c in at.caption)
    assert "判定できた KPI は" in captions and "判定できた KPI は 0 件" not in captions
    latest = next(m for m in at.metric if "マイナンバーカード" in m.label)
    assert latest.value.startswith("福島県 ") and "47都道府県中" in latest.delta
    assert "× 遅れ" in captions  # the 福島県 KPI judged on its published FY2022 actual


def test_published_tab_ranks_all_47_prefectures_with_a_cited_source():
    at = app_test("pages/compare.py", view=PUBLISHED)
    assert not at.exception
    assert [s.value for s in at.subheader][:4] == ["47都道府県のランキング", "都道府県タイルマップ",
                                                   "2つの日付の間の変化", "計画の KPI と全国の値"]
    table = at.dataframe[-1].value
    assert len(table) == 47 and table["URL"].str.startswith("https://").all()
    assert at.selectbox(key="series_hl").value == "福島県"  # the prefecture whose plan has a KPI from this series
    assert any("Code for Japan" in c.value for c in at.caption)


def test_published_tab_judges_the_plan_kpi_by_fiscal_year():
    at = app_test("pages/compare.py", view=PUBLISHED)
    verdicts = next(d.value for d in at.dataframe if "判定" in d.value.columns)
    assert list(verdicts["年度"]) == ["R3（2021）", "R4（2022）"]
    assert list(verdicts["実績値"]) == ["37.5%", "53.7%"]
    assert "遅れ" in verdicts["判定"].iloc[-1]


def test_published_tab_change_between_two_dates_uses_only_published_pairs():
    at = app_test("pages/compare.py", view=PUBLISHED, series_date="2022年12月31日", series_from="2020年3月1日")  # not the default (2021年1月1日)
    change = next(d.value for d in at.dataframe if "変化" in d.value.columns)
    assert len(change) == 47
    fukushima = change[change["都道府県"] == "福島県"].iloc[0]
    assert (fukushima["2020年3月1日"], fukushima["2022年12月31日"]) == ("13.4%", "53.7%")
    assert fukushima["変化"] == "40.3ポイント"


def test_entities_tab_points_to_the_published_figures_not_a_terminal():
    at = app_test("pages/compare.py", etype="region")
    texts = " ".join(i.value for i in at.info)
    assert "python -m kpiboard" not in texts


def test_tile_map_by_status_places_every_prefecture_on_its_own_row():
    import polars as pl

    from kpiboard import charts, tilemap

    tiles = pl.DataFrame({"entity": ["北海道", "沖縄県"], "code": ["01", "47"], "status": ["順調", "遅れ"]})
    fig = charts.tile_map_figure(tiles, color_by="status")  # crashed: the loop's grid row was overwritten
    rows = sorted({round(shape.y0) for shape in fig.layout.shapes})
    assert len(fig.layout.shapes) == len(tilemap.TILES) and len(rows) > 5
