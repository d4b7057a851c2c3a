"""A team store's data files in S3-compatible storage (KPIBOARD_DATA_PATH=s3://…), here a local moto server."""
import socket
import subprocess
import sys
import time

import pytest

from kpiboard import db, importer, store


@pytest.fixture()
def s3(monkeypatch, tmp_path):
    boto3 = pytest.importorskip("boto3")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    endpoint = f"http://127.0.0.1:{port}"
    client = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id="test", aws_secret_access_key="test",
                          region_name="us-east-1")
    deadline = time.monotonic() + 30
    while True:
        try:
            client.create_bucket(Bucket="kpiboard")
            break
        except Exception:  # not listening yet
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    name = tmp_path / "team"
    for key, value in {"KPIBOARD_CATALOG": f"sqlite:{tmp_path / 'catalog.sqlite'}", "KPIBOARD_DATA_PATH": "s3://kpiboard/lake/",
                       "KPIBOARD_DATA_DIR": str(name), "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
                       "AWS_REGION": "us-east-1", "KPIBOARD_S3_ENDPOINT": endpoint}.items():
        monkeypatch.setenv(key, value)
    yield client
    store.forget(name)
    server.kill()
    server.wait()


def test_a_store_on_s3_holds_its_files_there_and_answers_every_query(s3):
    store.write_tables(store.data_dir(), store.read_tables(store.EMBEDDED_DATA_DIR), author="test")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="kpiboard")["Contents"]]
    assert any(k.startswith("lake/main/observations/") and k.endswith(".parquet") for k in keys)
    with db.Database() as database:
        assert database.query("evaluate").height == 99
    content = ("自治体,計画,分野,項目,指標名,単位,方向,基準値,基準年度,目標値,目標年度,2024実績\n"
               "富山県,S3テスト計画,分野,1,S3指標,件,増加,1,2022,2,2026,1.5\n").encode("utf-8")
    assert importer.import_files([("s3.csv", content)], store.data_dir(), user="テスト").written
    assert "S3指標" in set(store.read_table(store.data_dir(), "kpis")["kpi_name"])
