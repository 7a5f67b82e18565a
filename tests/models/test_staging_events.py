from datetime import date

from tests.support import event, load_events, materialize_days, table


def test_duplicates_dropped_and_day_is_utc(warehouse_url, tmp_path):
    send = event("users.messages.email.Send", "2026-11-20T23:59:59", event_id="dup-1", campaign_id="c1")
    copy = dict(send, source_file="tests/redelivered.avro")
    midnight = event("users.messages.email.Delivery", "2026-11-21T00:00:00", campaign_id="c1")
    load_events(warehouse_url, [send, copy, midnight])

    result = materialize_days(warehouse_url, tmp_path, date(2026, 11, 20), date(2026, 11, 21))

    rows = table(warehouse_url, "select event_id, event_date from stg_currents__events order by event_id")
    assert [(r["event_id"], r["event_date"]) for r in rows] == [
        ("dup-1", date(2026, 11, 20)),
        (midnight["event_id"], date(2026, 11, 21)),
    ]
    stg = [m for m in result.get_asset_materialization_events() if m.asset_key.path == ["stg_currents__events"]]
    assert {m.materialization.partition for m in stg} == {"2026-11-20", "2026-11-21"}


def test_materializing_a_day_twice_holds_the_same_rows(warehouse_url, tmp_path):
    load_events(warehouse_url, [event("users.messages.email.Open", "2026-11-20T10:00:00", campaign_id="c1")])
    materialize_days(warehouse_url, tmp_path, date(2026, 11, 20))
    first = table(warehouse_url, "select * from stg_currents__events")
    materialize_days(warehouse_url, tmp_path, date(2026, 11, 20))
    assert table(warehouse_url, "select * from stg_currents__events") == first
