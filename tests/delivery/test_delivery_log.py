"""The delivery log on both warehouses: one row per due time, replaced in place, newest first."""

from datetime import UTC, datetime

from engagement_pipeline.lib.delivery.log import (
    DeliveryRecord,
    deliveries_frame,
    find_by_due,
    latest_deliveries,
    read_delivery,
    record_delivery,
)
from engagement_pipeline.lib.platform.warehouse import make_engine

DUE = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)


def test_a_due_time_has_one_row_that_ends_as_sent(warehouse_url):
    engine = make_engine(warehouse_url)
    held = DeliveryRecord(
        "weekly:2026-11-23T07:00:00Z",
        "weekly",
        DUE,
        "held",
        "run-1",
        recipients=("crm@example.com",),
        attempts=0,
        failing_checks=("waiting for data",),
        updated_at=datetime(2026, 11, 23, 7, 1, tzinfo=UTC),
    )
    sent = DeliveryRecord(
        "weekly:2026-11-23T07:00:00Z",
        "weekly",
        DUE,
        "sent",
        "run-2",
        recipients=("crm@example.com",),
        attempts=1,
        message_id="<m1@example.com>",
        links=({"name": "weekly.zip", "url": "https://x/y?sig=1"},),
        updated_at=datetime(2026, 11, 23, 9, 0, tzinfo=UTC),
    )
    other = DeliveryRecord(
        "daily:2026-11-23T06:00:00Z",
        "daily",
        DUE.replace(hour=6),
        "failed",
        "run-3",
        attempts=4,
        updated_at=datetime(2026, 11, 23, 6, 5, tzinfo=UTC),
    )
    with engine.begin() as conn:
        record_delivery(conn, held)
        record_delivery(conn, other)
    with engine.begin() as conn:
        record_delivery(conn, sent)
    with engine.connect() as conn:
        assert read_delivery(conn, sent.due_key) == sent
        assert find_by_due(conn, "weekly", DUE) == sent
        assert read_delivery(conn, "weekly:2026-11-30T07:00:00Z") is None
        latest = latest_deliveries(conn)
    assert [r.due_key for r in latest] == [sent.due_key, other.due_key]
    table = deliveries_frame(latest)
    assert list(table["status"]) == ["sent", "failed"] and list(table["files"]) == ["weekly.zip", ""]
    assert "sig=1" not in table.to_string()
