from datetime import timedelta

import pytest
import requests

from engagement_pipeline.lib.ingest.load import ingest
from engagement_pipeline.lib.platform.storage import ObjectStore
from engagement_pipeline.lib.platform.warehouse import make_engine
from tests.support import table
from tests.support.avro_files import currents_key, write_events

NOV20 = 1_795_132_800


def test_ingests_more_than_a_thousand_objects_from_an_s3_bucket(s3_server, duckdb_url, tmp_path):
    bucket = s3_server.new_bucket()
    client = s3_server.client()
    for i in range(1005):
        source = write_events(tmp_path / f"{i}.avro", [{"id": f"x{i}", "user_id": "u", "time": NOV20}])
        key = "exports/" + currents_key("users.messages.email.Send", f"2026-11-20-{i % 24:02d}", f"part-{i:04d}")
        client.put_object(Bucket=bucket, Key=key, Body=source.read_bytes())
    store = ObjectStore(f"s3://{bucket}/exports", endpoint_url=s3_server.endpoint_url)

    summary = ingest(make_engine(duckdb_url), store)

    assert summary.files_loaded == 1005 and summary.rows_loaded == 1005
    assert table(duckdb_url, "select count(distinct source_file) as n from raw_currents_events") == [{"n": 1005}]
    assert ingest(make_engine(duckdb_url), store).files_seen == 0


def test_report_file_written_to_s3_downloads_through_its_presigned_link(s3_server, tmp_path):
    bucket = s3_server.new_bucket()
    store = ObjectStore(f"s3://{bucket}/reports", endpoint_url=s3_server.endpoint_url)
    big = tmp_path / "campaigns.csv"
    big.write_bytes(b"period_start,sent\n" + b"2026-11-20,1\n" * 1_000_000)

    store.write_file("weekly/20261123T080000Z/campaigns.csv", big)
    link = store.link("weekly/20261123T080000Z/campaigns.csv", timedelta(hours=1))

    assert "X-Amz-Signature=" in link and "X-Amz-Expires=3600" in link
    response = requests.get(link, timeout=30)
    assert response.status_code == 200 and response.content == big.read_bytes()
    head = s3_server.client().head_object(Bucket=bucket, Key="reports/weekly/20261123T080000Z/campaigns.csv")
    assert "-" in head["ETag"], "a 13 MB file is uploaded in parts"


@pytest.mark.parametrize("expires_in", [timedelta(0), timedelta(seconds=-60), timedelta(milliseconds=500), timedelta(days=7, seconds=1)])
@pytest.mark.parametrize("url", ["s3://reports-bucket/prefix", "local-folder"])
def test_a_link_expiry_s3_cannot_sign_is_refused_by_the_store(tmp_path, url, expires_in):
    store = ObjectStore(url if url.startswith("s3://") else str(tmp_path / url), endpoint_url="http://127.0.0.1:9")
    with pytest.raises(ValueError, match=r"link expiry .* is outside what S3 can sign; expected 1 second to 7 days"):
        store.link("weekly/campaigns.csv", expires_in)


def test_the_longest_and_shortest_signable_expiries_make_links(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    store = ObjectStore("s3://reports-bucket/prefix", endpoint_url="http://127.0.0.1:9", region="us-east-1")
    for expires_in in (timedelta(seconds=1), timedelta(days=7)):
        assert f"X-Amz-Expires={int(expires_in.total_seconds())}" in store.link("weekly/campaigns.csv", expires_in)
