"""Every real Braze Currents sample file (../shared) ingests with the right channel, action and ids."""

from datetime import timedelta

from engagement_pipeline.lib.ingest.event_types import EVENT_TYPES
from engagement_pipeline.lib.ingest.load import ingest
from engagement_pipeline.lib.ingest.record_checks import IngestLimits
from engagement_pipeline.lib.platform.storage import ObjectStore
from engagement_pipeline.lib.platform.warehouse import make_engine
from tests.support import table

PLACEHOLDER = "f47ac10b-58cc-4372-a567-0e02b2c3d479"


def test_every_relevant_sample_event_lands(shared_fixtures, duckdb_url):
    sample_times = IngestLimits(future_margin=timedelta(days=365 * 20))  # Braze's samples are dated 2034
    summary = ingest(make_engine(duckdb_url), ObjectStore(str(shared_fixtures)), limits=sample_times)
    rows = {r["event_type"]: r for r in table(duckdb_url, "select * from raw_currents_events")}

    expected = {p.stem for p in shared_fixtures.glob("*.avro") if p.stem in EVENT_TYPES}
    assert set(rows) == expected and len(expected) >= 45
    assert summary.files_quarantined == 0 and summary.files_skipped == len(list(shared_fixtures.glob("*.avro"))) - len(expected)
    for event_type, row in rows.items():
        channel, action = EVENT_TYPES[event_type]
        assert row["action"] == action, event_type
        if channel == "push":
            assert row["channel"] in ("push", "web_push")
        else:
            assert row["channel"] == channel, event_type
        assert row["event_id"] == PLACEHOLDER and row["user_id"]
        assert str(row["event_date"]) == "2034-06-13"
        if event_type.startswith("users.campaigns."):
            assert row["campaign_id"] == PLACEHOLDER and row["canvas_id"] is None
        else:
            assert row["canvas_id"] == PLACEHOLDER and row["campaign_id"] is None, event_type
    assert rows["users.messages.email.Open"]["email_domain"] == "braze.com"
    assert rows["users.messages.email.Open"]["is_machine_open"] is True
    assert rows["users.messages.sms.DeliveryFailure"]["error_code"]
