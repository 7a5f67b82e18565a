from datetime import date, datetime

import fastavro

from tests.support import ingest_landing as ingest
from tests.support import materialize_days, table
from tests.support.avro_files import currents_key, write_events

NOV20 = 1_795_132_800  # 2026-11-20T00:00:00Z


def test_each_file_loads_once_and_duplicates_across_files_are_dropped(warehouse_url, tmp_path):
    landing = tmp_path / "landing"
    write_events(
        landing / currents_key("users.messages.email.Send", "2026-11-20-10", "a"), [{"id": "e1", "user_id": "u1", "time": NOV20 + 36000}]
    )
    write_events(
        landing / currents_key("users.messages.email.Send", "2026-11-20-11", "b"),
        [
            {"id": "e1", "user_id": "u1", "time": NOV20 + 36000},
            {"id": "e2", "user_id": "u2", "time": NOV20 + 39600},
        ],
    )
    first = ingest(warehouse_url, tmp_path, landing)
    second = ingest(warehouse_url, tmp_path, landing)
    # a copy re-delivered later, in a file of another hour, by a later run
    write_events(
        landing / currents_key("users.messages.email.Send", "2026-11-21-02", "c"), [{"id": "e2", "user_id": "u2", "time": NOV20 + 39600}]
    )
    third = ingest(warehouse_url, tmp_path, landing)
    materialize_days(warehouse_url, tmp_path, date(2026, 11, 20))

    assert (first["files_loaded"], first["rows_loaded"], first["duplicates_skipped"]) == (2, 2, 1)
    assert (second["files_read"], second["rows_loaded"]) == (0, 0)
    assert (third["files_loaded"], third["rows_loaded"], third["duplicates_skipped"]) == (1, 0, 1)
    raw = table(warehouse_url, "select event_id, source_file from raw_currents_events order by 1")
    assert [(r["event_id"], r["source_file"].rsplit("/", 1)[-1]) for r in raw] == [("e1", "a.avro"), ("e2", "b.avro")]
    assert [r["event_id"] for r in table(warehouse_url, "select event_id from stg_currents__events order by 1")] == ["e1", "e2"]


def test_late_file_lands_in_its_event_day(warehouse_url, tmp_path):
    landing = tmp_path / "landing"
    write_events(
        landing / currents_key("users.messages.email.Send", "2026-11-22-03", "late"),
        [{"id": "late-1", "user_id": "u1", "time": NOV20 + 86399}],
    )
    meta = ingest(warehouse_url, tmp_path, landing)
    materialize_days(warehouse_url, tmp_path, date(2026, 11, 20))

    assert meta["days_touched"] == ["2026-11-20"]
    assert table(warehouse_url, "select event_date from stg_currents__events") == [{"event_date": date(2026, 11, 20)}]


def test_corrupt_file_is_quarantined_and_the_rest_loads_then_a_fixed_file_loads(warehouse_url, tmp_path):
    landing = tmp_path / "landing"
    good = write_events(
        landing / currents_key("users.messages.email.Send", "2026-11-20-10", "good"), [{"id": "g1", "user_id": "u1", "time": NOV20}]
    )
    bad = landing / currents_key("users.messages.email.Send", "2026-11-20-11", "bad")
    bad.parent.mkdir(parents=True)
    bad.write_bytes(good.read_bytes()[:40])
    meta = ingest(warehouse_url, tmp_path, landing)

    assert (meta["files_loaded"], meta["files_quarantined"]) == (1, 1)
    reasons = table(warehouse_url, "select source_file, reason from currents_quarantine")
    assert reasons[0]["source_file"].endswith("bad.avro") and "bad.avro" in reasons[0]["reason"]

    write_events(bad, [{"id": "b1", "user_id": "u2", "time": NOV20 + 60}])
    again = ingest(warehouse_url, tmp_path, landing)
    assert (again["files_loaded"], again["rows_loaded"]) == (1, 1)


def test_records_without_id_time_or_user_are_quarantined_with_their_reason(warehouse_url, tmp_path):
    landing = tmp_path / "landing"
    write_events(
        landing / currents_key("users.messages.email.Send", "2026-11-20-10", "mixed"),
        [
            {"id": "ok", "user_id": "u1", "time": NOV20},
            {"id": None, "user_id": "u1", "time": NOV20},
            {"id": "no-user", "user_id": None, "time": NOV20},
            {"id": "no-time", "user_id": "u3", "time": None},
        ],
    )
    meta = ingest(warehouse_url, tmp_path, landing)

    assert (meta["rows_loaded"], meta["records_quarantined"]) == (1, 3)
    reasons = sorted(r["reason"].split(": ", 1)[1] for r in table(warehouse_url, "select reason from currents_quarantine"))
    assert reasons[0].startswith("record without id")
    assert any("without user_id" in r for r in reasons) and any("without time" in r for r in reasons)


def test_skipped_files_say_why_in_the_manifest(warehouse_url, tmp_path):
    landing = tmp_path / "landing"
    banner = "users.messages.banner.Impression"
    write_events(landing / currents_key(banner, "2026-11-20-10", "x"), [{"id": "x", "user_id": "u", "time": NOV20}], event_type=banner)
    other = landing / "exports" / "thing.avro"  # no event_type= folder, no Currents schema name
    schema = {"type": "record", "name": "com.example.Thing", "fields": [{"name": "id", "type": "string"}]}
    other.parent.mkdir(parents=True)
    with open(other, "wb") as handle:
        fastavro.writer(handle, fastavro.parse_schema(schema), [{"id": "t1"}])
    meta = ingest(warehouse_url, tmp_path, landing)

    assert meta["files_skipped"] == 2 and meta["skipped_event_types"] == {banner: 1}
    rows = table(warehouse_url, "select object_key, status, error from currents_manifest order by object_key")
    assert [(r["object_key"].split("/")[0], r["status"]) for r in rows] == [("currents", "skipped"), ("exports", "skipped")]
    assert rows[0]["error"] == f"skipped: unknown event type {banner}"
    assert rows[1]["error"].startswith("skipped: not a Currents path")
    assert "unknown event type" in meta["skipped_examples"] and "not a Currents path" in meta["skipped_examples"]


def test_copies_kept_by_an_earlier_version_are_dropped_once(warehouse_url):
    """Earlier versions kept re-delivered copies in the raw table; the first loaded copy stays."""
    import polars as pl
    import sqlalchemy as sa

    from engagement_pipeline.lib.ingest.canonical import RAW_COLUMNS, polars_schema
    from engagement_pipeline.lib.ingest.load import MIGRATIONS_TABLE, RAW_TABLE, ensure_tables
    from engagement_pipeline.lib.platform.warehouse import bulk_load, make_engine
    from tests.support import event

    first = dict(
        event("users.messages.email.Send", "2026-11-20T10:00:00", event_id="e1"), source_file="a.avro", loaded_at=datetime(2026, 11, 20, 11)
    )
    later = dict(first, source_file="b.avro", loaded_at=datetime(2026, 11, 21, 11))
    other = dict(
        event("users.messages.email.Delivery", "2026-11-20T10:00:01", event_id="e1"),
        source_file="c.avro",
        loaded_at=datetime(2026, 11, 21, 11),
    )
    engine = make_engine(warehouse_url)
    with engine.begin() as conn:
        ensure_tables(conn)
        conn.execute(sa.text(f"delete from {MIGRATIONS_TABLE}"))  # as a warehouse of the earlier version
        bulk_load(conn, RAW_TABLE, pl.DataFrame([later, first, other], schema=polars_schema(RAW_COLUMNS)))
    with engine.begin() as conn:
        ensure_tables(conn)
    with engine.begin() as conn:
        bulk_load(conn, RAW_TABLE, pl.DataFrame([later], schema=polars_schema(RAW_COLUMNS)))  # not migrated twice
        ensure_tables(conn)

    rows = table(warehouse_url, f"select event_type, source_file from {RAW_TABLE} order by source_file")
    assert [(r["event_type"].rsplit(".", 1)[-1], r["source_file"]) for r in rows] == [
        ("Send", "a.avro"),
        ("Send", "b.avro"),
        ("Delivery", "c.avro"),
    ]
