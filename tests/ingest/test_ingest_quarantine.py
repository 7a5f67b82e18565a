"""Bad input never stops ingestion: each bad file or record is quarantined or recorded with its reason
and every good event loads (wrong field types, absurd times, `.AVRO` names, oversized strings)."""

from datetime import datetime, timedelta, timezone

import pytest

from tests.support import ingest_landing as ingest
from tests.support import table
from tests.support.avro_files import currents_key, write_events

NOV20 = 1_795_132_800  # 2026-11-20T00:00:00Z
SEND = "users.messages.email.Send"
LONG_TIME = {"time": ["null", "long"]}


def manifest(url: str) -> dict[str, dict]:
    rows = table(url, "select object_key, status, rows_loaded, rows_quarantined, error from currents_manifest")
    return {r["object_key"].rsplit("/", 1)[-1]: r for r in rows}


def quarantined(url: str) -> dict[str, str]:
    rows = table(url, "select event_id, reason from currents_quarantine where record_json is not null")
    return {r["event_id"]: r["reason"] for r in rows}


@pytest.mark.parametrize(
    "field_types, record, field",
    [
        ({"time": ["null", "string"]}, {"id": "b1", "user_id": "u2", "time": "2026-11-20T10:00:00Z"}, "time"),
        (
            {"campaign_id": ["null", {"type": "array", "items": "string"}]},
            {"id": "b1", "user_id": "u2", "time": NOV20, "campaign_id": ["c1", "c2"]},
            "campaign_id",
        ),
    ],
)
def test_a_file_whose_field_has_an_unexpected_type_is_quarantined_and_the_rest_loads(warehouse_url, tmp_path, field_types, record, field):
    landing = tmp_path / "landing"
    write_events(landing / currents_key(SEND, "2026-11-20-10", "good"), [{"id": "g1", "user_id": "u1", "time": NOV20}])
    bad = write_events(landing / currents_key(SEND, "2026-11-20-11", "typed"), [record], field_types=field_types)
    write_events(landing / currents_key(SEND, "2026-11-20-12", "later"), [{"id": "g2", "user_id": "u1", "time": NOV20 + 60}])
    meta = ingest(warehouse_url, tmp_path, landing)

    assert (meta["files_loaded"], meta["files_quarantined"], meta["rows_loaded"]) == (2, 1, 2)
    row = manifest(warehouse_url)["typed.avro"]
    assert row["status"] == "quarantined" and row["error"].startswith(f"{bad.relative_to(landing)}: field {field} cannot be mapped")
    (reason,) = [r["reason"] for r in table(warehouse_url, "select reason from currents_quarantine")]
    assert reason == row["error"]
    assert ingest(warehouse_url, tmp_path, landing)["files_read"] == 0  # the next run is not stuck on it

    write_events(bad, [{"id": "b1", "user_id": "u2", "time": NOV20 + 120}])  # the fixed file, dropped again
    again = ingest(warehouse_url, tmp_path, landing)
    assert (again["files_loaded"], again["rows_loaded"]) == (1, 1)
    assert [r["event_id"] for r in table(warehouse_url, "select event_id from raw_currents_events order by 1")] == ["b1", "g1", "g2"]


def test_absurd_event_times_are_quarantined_and_never_overflow(warehouse_url, tmp_path):
    landing = tmp_path / "landing"
    now = int(datetime.now(timezone.utc).timestamp())
    times = {
        "ok": NOV20,
        "soon": now + 3600,
        "neg": -86400,
        "zero": 0,
        "y3000": 32_503_680_000,
        "huge": 2**62,
        "next-week": now + 7 * 86400,
    }
    write_events(
        landing / currents_key(SEND, "2026-11-20-10", "times"),
        [{"id": k, "user_id": "u", "time": t} for k, t in times.items()],
        field_types=LONG_TIME,
    )
    meta = ingest(warehouse_url, tmp_path, landing)

    assert (meta["rows_loaded"], meta["records_quarantined"]) == (2, 5)
    loaded = table(warehouse_url, "select event_id, event_date from raw_currents_events order by event_id")
    assert [r["event_id"] for r in loaded] == ["ok", "soon"]
    assert all(r["event_date"].year == 2026 for r in loaded) and min(meta["days_touched"]) == "2026-11-20"
    reasons = quarantined(warehouse_url)
    for event_id in ("neg", "zero"):
        assert f"time {times[event_id]} (UNIX seconds) is before 2010-01-01T00:00:00Z" in reasons[event_id]
    for event_id in ("y3000", "huge", "next-week"):
        assert f"time {times[event_id]} (UNIX seconds) is after " in reasons[event_id]
        assert "expected at most 24 h after the ingestion time" in reasons[event_id]
    assert manifest(warehouse_url)["times.avro"]["rows_quarantined"] == 5


def test_time_floor_and_future_margin_come_from_the_settings(duckdb_url, tmp_path):
    landing = tmp_path / "landing"
    now = int(datetime.now(timezone.utc).timestamp())
    write_events(
        landing / currents_key(SEND, "2026-11-20-10", "times"),
        [
            {"id": "before-floor", "user_id": "u", "time": NOV20 - 1},
            {"id": "ok", "user_id": "u", "time": NOV20},
            {"id": "in-three-days", "user_id": "u", "time": now + 3 * 86400},
        ],
    )
    meta = ingest(duckdb_url, tmp_path, landing, event_time_floor="2026-11-20", event_time_future_hours=96)

    assert (meta["rows_loaded"], meta["records_quarantined"]) == (2, 1)
    assert "is before 2026-11-20T00:00:00Z" in quarantined(duckdb_url)["before-floor"]


def test_avro_files_are_found_in_any_case_and_every_other_object_gets_a_manifest_row(warehouse_url, tmp_path):
    landing = tmp_path / "landing"
    for n, name in enumerate(["upper.AVRO", "mixed.Avro", "lower.avro"]):
        path = landing / currents_key(SEND, "2026-11-20-10", "x").replace("x.avro", name)
        write_events(path, [{"id": f"e{n}", "user_id": "u", "time": NOV20 + n}])
    (landing / "notes.txt").write_text("not an export")
    (landing / "catalog").mkdir()
    (landing / "catalog" / "campaigns.list.json").write_text('{"campaigns": []}')  # braze_catalog's input
    meta = ingest(warehouse_url, tmp_path, landing)

    assert (meta["files_loaded"], meta["rows_loaded"], meta["files_skipped"]) == (3, 3, 1)
    rows = manifest(warehouse_url)
    assert {name: r["status"] for name, r in rows.items()} == {
        "upper.AVRO": "loaded",
        "mixed.Avro": "loaded",
        "lower.avro": "loaded",
        "notes.txt": "skipped",
    }
    assert rows["notes.txt"]["error"].startswith("skipped: not an Avro file")
    assert ingest(warehouse_url, tmp_path, landing)["files_read"] == 0


def test_records_with_an_oversized_string_are_quarantined(warehouse_url, tmp_path):
    landing = tmp_path / "landing"
    write_events(
        landing / currents_key(SEND, "2026-11-20-10", "big"),
        [
            {"id": "small", "user_id": "u", "time": NOV20, "campaign_id": "c" * 65_536},
            {"id": "big", "user_id": "u", "time": NOV20, "campaign_id": "c" * 1_048_576},
        ],
    )
    meta = ingest(warehouse_url, tmp_path, landing)

    assert (meta["rows_loaded"], meta["records_quarantined"]) == (1, 1)
    assert "field campaign_id is 1048576 bytes; expected at most 65536 (ENGAGEMENT_MAX_STRING_BYTES)" in quarantined(warehouse_url)["big"]
    (record,) = table(warehouse_url, "select record_json from currents_quarantine")
    assert len(record["record_json"]) < 2_000  # the quarantine holds a preview, not the megabyte


def test_the_string_limit_comes_from_the_settings(duckdb_url, tmp_path):
    landing = tmp_path / "landing"
    write_events(
        landing / currents_key(SEND, "2026-11-20-10", "big"),
        [
            {"id": "ok", "user_id": "u", "time": NOV20},
            {"id": "long", "user_id": "u", "time": NOV20, "email_address": "x" * 101},
        ],
    )
    meta = ingest(duckdb_url, tmp_path, landing, max_string_bytes=100)

    assert (meta["rows_loaded"], meta["records_quarantined"]) == (1, 1)
    assert "field email_address is 101 bytes; expected at most 100" in quarantined(duckdb_url)["long"]


def test_a_messy_landing_zone_loads_every_good_event_and_accounts_for_every_other_file(warehouse_url, tmp_path):
    landing = tmp_path / "landing"
    good = [{"id": f"g{n}", "user_id": "u", "time": NOV20 + n} for n in range(5)]
    write_events(landing / currents_key(SEND, "2026-11-20-10", "good"), good[:2])
    write_events(landing / currents_key(SEND, "2026-11-20-11", "shouting").replace(".avro", ".AVRO"), good[2:4])
    write_events(
        landing / currents_key(SEND, "2026-11-20-12", "string-time"),
        [{"id": "s", "user_id": "u", "time": "soon"}],
        field_types={"time": ["null", "string"]},
    )
    write_events(
        landing / currents_key(SEND, "2026-11-20-13", "absurd"),
        [good[4], {"id": "a", "user_id": "u", "time": 2**62}],
        field_types=LONG_TIME,
    )
    banner = "users.messages.banner.Impression"
    write_events(landing / currents_key(banner, "2026-11-20-10", "banner"), [{"id": "b", "user_id": "u", "time": NOV20}], event_type=banner)
    meta = ingest(warehouse_url, tmp_path, landing)

    assert sorted(r["event_id"] for r in table(warehouse_url, "select event_id from raw_currents_events")) == [g["id"] for g in good]
    files = {name: (r["status"], r["rows_quarantined"]) for name, r in manifest(warehouse_url).items()}
    assert files == {
        "good.avro": ("loaded", 0),
        "shouting.AVRO": ("loaded", 0),
        "string-time.avro": ("quarantined", 0),
        "absurd.avro": ("loaded", 1),
        "banner.avro": ("skipped", 0),
    }
    assert all(r["error"] for r in manifest(warehouse_url).values() if r["status"] != "loaded")
    assert (meta["files_read"], meta["files_loaded"], meta["files_quarantined"], meta["files_skipped"]) == (5, 3, 1, 1)
    assert "string-time.avro" in meta["quarantine_examples"] and "(UNIX seconds) is after" in meta["quarantine_examples"]
    assert f"unknown event type {banner}" in meta["skipped_examples"]


def test_the_ingestion_limits_come_from_the_environment(monkeypatch, tmp_path):
    from engagement_pipeline.defs.resources import resources
    from engagement_pipeline.lib.ingest.record_checks import IngestLimits

    monkeypatch.setenv("ENGAGEMENT_HOME", str(tmp_path))
    for name, value in {"EVENT_TIME_FLOOR": "2020-06-01", "EVENT_TIME_FUTURE_HOURS": "48", "MAX_STRING_BYTES": "1000"}.items():
        monkeypatch.setenv(f"ENGAGEMENT_{name}", value)
    limits = resources().resources["settings"].ingest_limits

    assert limits == IngestLimits(datetime(2020, 6, 1, tzinfo=timezone.utc), timedelta(hours=48), 1000)


@pytest.mark.parametrize(
    "setting, message",
    [
        ({"event_time_floor": "last year"}, "ENGAGEMENT_EVENT_TIME_FLOOR='last year' is not a date; expected YYYY-MM-DD"),
        ({"event_time_future_hours": 0}, "ENGAGEMENT_EVENT_TIME_FUTURE_HOURS=0; expected hours greater than 0"),
        ({"max_string_bytes": 0}, "ENGAGEMENT_MAX_STRING_BYTES=0; expected a number of bytes greater than 0"),
    ],
)
def test_a_wrong_limit_names_its_variable(setting, message):
    from engagement_pipeline.defs.resources import PipelineSettings

    with pytest.raises(ValueError) as error:
        PipelineSettings(home=".", **setting).ingest_limits
    assert str(error.value) == message
