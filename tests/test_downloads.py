"""The データ page at any size: one page of KPIs at a time, and downloads of every matching row streamed by the
server (kpiboard/downloads.py, the route of server.py) batch by batch, the same rows as ever."""
import csv
import io

import openpyxl
import polars as pl
import pytest

from helpers import app_test
from kpiboard import db, downloads, status, store, tabular, views
from kpiboard.synth import SynthSpec, write_synthetic

JUDGING = {"method": "expected", "band_on_track": 1.0, "band_mostly": 0.8, "band_slightly": 0.5}


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    d = tmp_path_factory.mktemp("downloads_synth")
    write_synthetic(d, SynthSpec(prefectures=2, municipalities=3, kpis_per_entity=30, first_year=2015))
    return d


def ticket(directory, kind: str, **filters) -> downloads.Ticket:
    return downloads.Ticket(kind, str(directory), str(store.data_version(directory)),
                            {k: filters.get(k) for k in ("entity", "plan", "area", "text", "value_kinds", "fy_from",
                                                         "fy_to")},
                            JUDGING, False, f"{kind}.csv", {"内容": "テスト"})


def rows_of(data: bytes) -> list[dict]:
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM, once
    assert data.count(b"\xef\xbb\xbf") == 1
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def test_streamed_csv_is_every_row_with_its_verdict_whatever_the_batch(synthetic, monkeypatch):
    database = db.Database(synthetic)
    kpis = database.query("data_kpis")
    observations = database.query("data_observations")
    whole = b"".join(downloads.csv_chunks(ticket(synthetic, "observations")))
    monkeypatch.setattr(downloads, "BATCH_ROWS", 97)  # many batches, each with its own KPIs judged
    chunks = list(downloads.csv_chunks(ticket(synthetic, "observations")))
    assert len(chunks) > 10 and b"".join(chunks) == whole
    rows = rows_of(whole)
    assert len(rows) == observations.height
    judged = dict(views.verdict_labels(database.query("evaluate")).iter_rows())
    assert all(r["KPIの判定"] == judged[r["kpi_id"]] for r in rows)
    assert {r["KPIの判定"] for r in rows} > {status.label("順調")}  # several verdicts, not one
    kpi_rows = rows_of(b"".join(downloads.csv_chunks(ticket(synthetic, "kpis"))))
    assert [r["kpi_id"] for r in kpi_rows] == kpis["kpi_id"].to_list()  # the page's order
    assert all(r["判定"] == judged[r["kpi_id"]] for r in kpi_rows)


def test_streamed_csv_keeps_the_filters(synthetic):
    plan = db.Database(synthetic).query("plans_list")["plan_id"][1]
    rows = rows_of(b"".join(downloads.csv_chunks(ticket(synthetic, "observations", plan=plan, value_kinds=["actual"]))))
    assert rows and {r["種類"] for r in rows} == {"実績値"} and all(r["kpi_id"].startswith(plan) for r in rows)
    nothing = b"".join(downloads.csv_chunks(ticket(synthetic, "kpis", text="存在しない文字")))
    assert nothing == b"\xef\xbb\xbf"  # no rows at all: an empty file, not an error


def test_xlsx_continues_past_a_sheets_rows_on_the_next_sheet(synthetic, monkeypatch):
    monkeypatch.setattr(tabular, "SHEET_ROWS", 1000)
    monkeypatch.setattr(downloads, "BATCH_ROWS", 300)
    order = ticket(synthetic, "xlsx")
    path = downloads.xlsx_file(order)
    try:
        book = openpyxl.load_workbook(path, read_only=True)
        total = db.Database(synthetic).query("data_observations").height
        parts = [n for n in book.sheetnames if n.startswith("観測値")]
        assert book.sheetnames[:2] == ["説明", "KPI"] and parts[:2] == ["観測値", "観測値 (2)"]
        assert len(parts) == -(-total // 1000)
        counted = 0
        for name in parts:
            rows = list(book[name].iter_rows(values_only=True))
            assert rows[0][0] == "指標名"  # every sheet has its header
            counted += len(rows) - 1
        assert counted == total
    finally:
        path.unlink()


def test_the_route_streams_a_ticket_and_refuses_anything_else(synthetic):
    from starlette.applications import Starlette
    from starlette.testclient import TestClient

    client = TestClient(Starlette(routes=downloads.routes()))
    url = downloads.issue(ticket(synthetic, "kpis"))
    assert url == downloads.issue(ticket(synthetic, "kpis"))  # a rerun of the page: the same link
    answer = client.get("/" + url)
    assert answer.status_code == 200
    assert answer.headers["content-disposition"].endswith("UTF-8''kpis.csv")
    assert len(rows_of(answer.content)) == db.Database(synthetic).query("data_kpis").height
    refused = client.get("/download/not-a-ticket/kpis.csv")
    assert refused.status_code == 404 and "有効期限" in refused.text


def test_data_page_shows_one_page_of_kpis_at_a_time(monkeypatch):
    monkeypatch.delenv("KPIBOARD_DATA_DIR", raising=False)
    monkeypatch.setattr(views, "PAGE_KPIS", 40)
    at = app_test("pages/data.py", plan="すべての計画")
    assert {m.label: m.value for m in at.metric}["KPI"] == "99 件"
    first = at.dataframe[0].value
    assert len(first) == 40
    at.number_input(key="page").set_value(3).run()
    assert not at.exception
    third = at.dataframe[0].value
    assert len(third) == 19 and not set(third["kpi_id"]) & set(first["kpi_id"])
    assert any("81〜99 件目" in c.value for c in at.caption)


def test_views_pages():
    listing = pl.DataFrame({"kpi_id": [f"k{i}" for i in range(7)], "observation_count": [2] * 7})
    assert views.page_count(0, 3) == 1 and views.page_count(7, 3) == 3
    assert views.page_ids(listing, 3, 3) == ("k6",) and views.page_ids(listing, 1, 3) == ("k0", "k1", "k2")
    assert views.observation_total(listing) == 14
