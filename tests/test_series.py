"""Reference series (published dated figures), the `series` command and the KPI actuals derived from them."""
import csv
import io
import json
import os
import shutil
import subprocess
import sys

import polars as pl
import pytest

from kpiboard.build import SOURCES_DIR, BuildFailed, build_tables
from kpiboard import store
from kpiboard.store import EMBEDDED_DATA_DIR, PACKAGE_ROOT

INDICATOR = "マイナンバーカード交付率（人口に対する交付枚数率）"
KPI = "fukushima-dx:gyosei-4-1-1(4)"


def cli(*args):
    return subprocess.run([sys.executable, "-m", "kpiboard", *args], cwd=PACKAGE_ROOT, capture_output=True,
                          text=True, env=dict(os.environ), timeout=120)


def test_series_covers_all_47_prefectures_at_ten_dates_with_urls():
    out = cli("series", "--indicator", INDICATOR, "--format", "json")
    assert out.returncode == 0, out.stderr
    rows = json.loads(out.stdout)
    per_date = {}
    for r in rows:
        per_date.setdefault(r["as_of"], set()).add(r["entity"])
    full = sorted(d for d, entities in per_date.items() if len(entities) == 47)
    assert full == ["2017-03-08", "2018-03-01", "2018-12-01", "2020-03-01", "2021-01-01", "2021-03-01",
                    "2022-01-01", "2022-03-01", "2022-09-30", "2022-12-31"]
    assert len(per_date["2023-03-31"]) == 17  # only the prefectures the pages list
    assert len(rows) == 487
    assert all(r["url"].startswith("https://") and r["source"] and r["unit"] == "%" for r in rows)
    fukushima = {r["as_of"]: r["value"] for r in rows if r["entity"] == "福島県"}
    assert (fukushima["2022-03-01"], fukushima["2022-12-31"]) == (37.5, 53.7)


def test_series_csv_and_japanese_errors():
    out = cli("series", "--indicator", INDICATOR, "--entity", "福島県")
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert list(rows[0]) == ["entity", "indicator", "as_of", "fiscal_year", "value", "unit", "source", "url"]
    assert {r["entity"] for r in rows} == {"福島県"} and rows[-1]["as_of"] == "2022-12-31"
    bad = cli("series", "--indicator", "存在しない指標")
    assert bad.returncode == 1 and "指標の一覧" in bad.stderr and INDICATOR in bad.stderr
    bad = cli("series", "--indicator", INDICATOR, "--entity", "架空県")
    assert bad.returncode == 1 and "自治体の一覧" in bad.stderr and "福島県" in bad.stderr


def test_fukushima_my_number_kpi_is_judged_on_published_actuals():
    # The series reaches R4 (2022-12-31 for 福島県); R3 is the baseline year. No later figure for 福島県 is stored.
    observations = store.read_table(EMBEDDED_DATA_DIR, "observations")
    sources = store.read_table(EMBEDDED_DATA_DIR, "sources")
    actuals = observations.filter((pl.col("kpi_id") == KPI) & (pl.col("value_kind") == "actual")).sort("fiscal_year")
    assert actuals.select("fiscal_year", "value", "original_text").rows() == [(2021, 37.5, "37.5"), (2022, 53.7, "53.7")]
    urls = dict(sources.select("source_id", "url").iter_rows())
    assert all(urls[s].startswith("https://mynumbercard.code4japan.org/") for s in actuals["source_id"])
    assert all("Code for Japan" in s for s in actuals["source"])
    for year, actual, status in ((2021, 37.5, "順調"), (2022, 53.7, "遅れ")):
        rows = json.loads(cli("evaluate", "--entity", "福島県", "--year", str(year), "--format", "json").stdout)
        kpi = next(r for r in rows if r["kpi_id"] == KPI)
        assert (kpi["actual_value"], kpi["status"]) == (actual, status)


@pytest.fixture
def sources_copy(tmp_path):
    target = tmp_path / "sources"
    shutil.copytree(SOURCES_DIR, target)
    return target


def _append(path, line):
    with path.open("a", encoding="utf-8") as f:
        f.write(line + "\n")


@pytest.mark.parametrize("row, column, message", [
    ("pref-99,指標,2023-03-31,2022,1.0%,%,,c4j-mynumber-20221231,", "entity_id", "entities.csv にありません"),
    ("pref-07,指標,2023-03-31,2022,1.0%,%,,no-such-source,", "source_id", "sources.csv にありません"),
    ("pref-07,指標,2023-03-31,2022,ほぼ100%,%,,c4j-mynumber-20221231,", "original_text", "数値として読めません"),
    ("pref-07,指標,2023-03-31,2022,多い,%,,c4j-mynumber-20221231,", "original_text", "数値ではありません"),
    ("pref-07,指標,2023/03/31,2022,1.0%,%,,c4j-mynumber-20221231,", "as_of", "ISO 形式の日付"),
    ("pref-07,指標,2023-03-31,2023,1.0%,%,,c4j-mynumber-20221231,", "fiscal_year", "2022年度"),
])
def test_build_rejects_a_bad_series_row(sources_copy, row, column, message):
    _append(sources_copy / "series" / "mynumber_card_2023-03.csv", row)
    with pytest.raises(BuildFailed) as e:
        build_tables(sources_copy)
    errors = [err for err in e.value.errors if err.column == column]
    assert errors and message in errors[0].message, e.value.errors
    assert errors[0].file == "series/mynumber_card_2023-03.csv" and errors[0].row == 19


def test_a_hand_typed_actual_beside_a_derived_one_is_rejected(sources_copy):
    _append(sources_copy / "002" / "observations.csv",
            f"{KPI},actual,R4,60%,,,fukushima-dx-kpi,")
    with pytest.raises(BuildFailed) as e:
        build_tables(sources_copy)
    assert any("同じ指標・年度・種別の値が2つあります" in err.message for err in e.value.errors)
