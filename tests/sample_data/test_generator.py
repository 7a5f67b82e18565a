"""The sample-data generator writes a realistic, deterministic Braze Currents landing zone."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from datetime import date, datetime, timezone
from pathlib import Path

import fastavro
import pytest

from engagement_pipeline.lib.ingest.reader import canonical_batch, decode_file
from engagement_pipeline.sample_data.generator import GenerationSummary, generate_landing_zone
from engagement_pipeline.sample_data.schemas import EVENT_TYPES, NOT_INGESTED_EVENT_TYPES, avro_schema

START = date(2025, 3, 1)
LAYOUT = re.compile(
    r"currents/dataexport\.prod-03\.S3\.integration\.(?P<iid>[0-9a-f]{24})/event_type=(?P<type>[A-Za-z.]+)"
    r"/date=(?P<date>\d{4}-\d{2}-\d{2}-\d{2})/version=10/prod"
    r"/dataexport\.prod-03\.S3\.integration\.(?P=iid)\+(?P<partition>\d+)\+(?P<offset>\d+)\.avro"
)


class Zone:
    def __init__(self, root: Path, summary: GenerationSummary) -> None:
        self.root = root
        self.summary = summary
        self.files = sorted(root.rglob("*.avro"))
        self.records: dict[Path, list[dict]] = {}
        for path in self.files:
            with path.open("rb") as handle:
                self.records[path] = list(fastavro.reader(handle))

    def events(self, event_type: str) -> list[dict]:
        return [r for path, rows in self.records.items() if f"event_type={event_type}/" in str(path) for r in rows]

    def folder(self, path: Path) -> re.Match:
        return LAYOUT.fullmatch(path.relative_to(self.root).as_posix())


@pytest.fixture(scope="module")
def zone(tmp_path_factory: pytest.TempPathFactory) -> Zone:
    root = tmp_path_factory.mktemp("landing")
    return Zone(root, generate_landing_zone(root, START, days=1, events_per_day=30_000, seed=11))


def test_files_follow_the_currents_layout(zone: Zone) -> None:
    assert zone.summary.files == len(zone.files) > 100
    assert not list(zone.root.rglob("*.tmp"))
    bad = [p for p in zone.files if not zone.folder(p)]
    assert not bad, f"{len(bad)} files outside the Currents layout, e.g. {bad[:1]}"
    assert {zone.folder(p)["iid"] for p in zone.files} == {zone.folder(zone.files[0])["iid"]}


def test_every_file_has_the_schema_of_its_event_type_folder(zone: Zone) -> None:
    seen = set()
    for path in zone.files:
        event_type = zone.folder(path)["type"]
        with path.open("rb") as handle:
            assert fastavro.reader(handle).writer_schema["name"] == f"dataexport.S3.inner.{event_type}"
        assert zone.records[path], f"{path} is empty"
        seen.add(event_type)
    assert set(NOT_INGESTED_EVENT_TYPES) <= seen
    assert len(seen) >= 40


@pytest.mark.parametrize("event_type", [t for t in EVENT_TYPES if t != "users.behaviors.app.SessionStart"])
def test_schemas_are_the_real_currents_writer_schemas(shared_fixtures: Path, event_type: str) -> None:
    with (shared_fixtures / f"{event_type}.avro").open("rb") as handle:
        real = fastavro.reader(handle).writer_schema
    ours = avro_schema(event_type)
    assert ours["name"] == real["name"]
    assert [(f["name"], f["type"], f.get("default", "-")) for f in ours["fields"]] == [
        (f["name"], f["type"], f.get("default", "-")) for f in real["fields"]
    ]


def test_the_pipeline_reader_loads_every_file(zone: Zone) -> None:
    skipped = set()
    for path in zone.files:
        decoded = decode_file(path.read_bytes(), str(path))
        assert not decoded.quarantined, decoded.quarantined[:1]
        if decoded.skipped:
            skipped.add(decoded.event_type)
        else:
            canonical, rejected, _contacts = canonical_batch(decoded.event_type, [decoded.raw])
            assert not rejected and canonical.height == len(zone.records[path])
    assert skipped == set(NOT_INGESTED_EVENT_TYPES)


def test_same_seed_rewrites_identical_files(tmp_path: Path) -> None:
    first, second, other = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    generate_landing_zone(first, START, days=1, events_per_day=1_500, seed=5)
    generate_landing_zone(second, START, days=1, events_per_day=1_500, seed=5)
    generate_landing_zone(other, START, days=1, events_per_day=1_500, seed=6)
    listing = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert listing == sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    assert all((first / p).read_bytes() == (second / p).read_bytes() for p in listing)
    assert listing != sorted(p.relative_to(other) for p in other.rglob("*") if p.is_file())


def test_some_events_are_delivered_twice_as_identical_records(zone: Zone) -> None:
    copies = defaultdict(list)
    for path, rows in zone.records.items():
        for row in rows:
            copies[row["id"]].append((path, row))
    twice = {k: v for k, v in copies.items() if len(v) > 1}
    assert len(twice) == zone.summary.duplicates > 0
    assert sum(len(rows) for rows in zone.records.values()) == zone.summary.events + zone.summary.duplicates
    for (path_a, row_a), (path_b, row_b) in twice.values():
        assert path_a != path_b and row_a == row_b


def test_late_files_land_hours_after_their_events(zone: Zone) -> None:
    late = [p for p in zone.files if zone.folder(p)["partition"] == "1"]
    assert len(late) == zone.summary.late_files > 0
    crossed_midnight = False
    for path in late:
        written = datetime.strptime(zone.folder(path)["date"], "%Y-%m-%d-%H").replace(tzinfo=timezone.utc)
        for row in zone.records[path]:
            happened = datetime.fromtimestamp(row["time"], tz=timezone.utc)
            assert 1.9 <= (written - happened.replace(minute=0, second=0)).total_seconds() / 3600 <= 31
            crossed_midnight |= written.date() > happened.date()
    assert crossed_midnight


def test_funnels_are_coherent_per_message(zone: Zone) -> None:
    def count(event_type: str) -> dict[tuple, int]:
        totals: dict[tuple, int] = defaultdict(int)
        for row in {r["id"]: r for r in zone.events(event_type)}.values():
            totals[(row["campaign_id"], row["message_variation_id"], row["canvas_step_id"])] += 1
        return totals

    sent, delivered = count("users.messages.email.Send"), count("users.messages.email.Delivery")
    assert delivered and all(n <= sent[key] for key, n in delivered.items())
    sms_sent, sms_delivered = count("users.messages.sms.Send"), count("users.messages.sms.Delivery")
    assert all(n <= sms_sent[key] for key, n in sms_delivered.items())
    sends: dict[tuple, int] = {}
    for row in zone.events("users.messages.email.Send"):
        key = (row["user_id"], row["dispatch_id"])
        sends[key] = min(sends.get(key, row["time"]), row["time"])
    for event_type in ("users.messages.email.Delivery", "users.messages.email.Open", "users.messages.email.Click"):
        for row in zone.events(event_type):
            assert row["time"] >= sends[(row["user_id"], row["dispatch_id"])], event_type


def test_email_looks_like_a_real_workspace(zone: Zone) -> None:
    total = zone.summary.events
    assert 0.85 * 30_000 <= total <= 1.1 * 30_000
    email = sum(len(zone.events(t)) for t in EVENT_TYPES if ".email." in t)
    assert email > 0.5 * total
    sends = len(zone.events("users.messages.email.Send"))
    assert 0.01 < len(zone.events("users.messages.email.Bounce")) / sends < 0.04
    opens = zone.events("users.messages.email.Open")
    assert 0.08 < sum(o["machine_open"] == "true" for o in opens) / len(opens) < 0.25
    assert any(r["email_address"].endswith("@gmial.com") for r in zone.events("users.messages.email.Bounce"))
    assert {r["platform"] for r in zone.events("users.messages.pushnotification.Send")} >= {"ios", "android", "web"}
    clicks = zone.events("users.messages.email.Click")
    assert any(r["is_suspected_bot_click"] for r in clicks)
    assert all(r["url"].startswith("https://") and r["link_alias"] and r["link_id"] != r["url"] for r in clicks)
    assert all(r["short_url"].startswith("https://brz.ai/") for r in zone.events("users.messages.sms.ShortLinkClick"))


def test_canvas_events_carry_no_campaign_ids_and_vice_versa(zone: Zone) -> None:
    for path, rows in zone.records.items():
        for row in rows:
            assert not (row.get("campaign_id") and row.get("canvas_id")), path
    assert all(r["canvas_step_id"] for r in zone.events("users.messages.email.Send") if r["canvas_id"])


def test_catalog_lists_every_message_with_tags_and_latest_names(zone: Zone) -> None:
    campaigns_path, canvases_path = zone.summary.catalog_paths
    campaigns = json.loads(campaigns_path.read_text())
    canvases = json.loads(canvases_path.read_text())
    assert campaigns["message"] == canvases["message"] == "success"
    by_id = {c["id"]: c for c in campaigns["campaigns"]}
    canvas_ids = {c["id"] for c in canvases["canvases"]}
    seen_campaigns = {r["campaign_id"] for rows in zone.records.values() for r in rows if r.get("campaign_id")}
    seen_canvases = {r["canvas_id"] for rows in zone.records.values() for r in rows if r.get("canvas_id")}
    assert seen_campaigns <= set(by_id) and seen_canvases <= canvas_ids
    assert all(c["tags"] and c["is_api_campaign"] is False for c in campaigns["campaigns"])
    assert all(c["tags"] and datetime.fromisoformat(c["last_edited"]) for c in canvases["canvases"])
    names = defaultdict(set)
    for row in zone.events("users.messages.email.Send"):
        if row["campaign_id"]:
            names[row["campaign_id"]].add(row["campaign_name"])
    renamed = [cid for cid, seen in names.items() if len(seen) == 2]
    assert len(renamed) == 1 and by_id[renamed[0]]["name"] == "Black Friday VIP Early Access"


def test_bad_arguments_are_refused_before_writing(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="days must be at least 1"):
        generate_landing_zone(tmp_path / "zone", START, days=0, events_per_day=100)
    assert not (tmp_path / "zone").exists()
