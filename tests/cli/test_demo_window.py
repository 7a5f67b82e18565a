"""`engagement demo` generates history that fills every shipped report and ends where "today" is."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import fastavro

from engagement_pipeline.cli.demo import days_to_cover, within_partitions
from engagement_pipeline.lib.platform.config import ENV_VARS
from engagement_pipeline.lib.reports.periods import resolve_time_frame
from engagement_pipeline.lib.reports.spec import load_definitions
from engagement_pipeline.sample_data.generator import generate_landing_zone

SHIPPED = Path(__file__).resolve().parents[2] / "reports"


def test_the_demo_window_covers_every_shipped_definition() -> None:
    today = date(2026, 12, 2)
    definitions, bad = load_definitions(SHIPPED)
    assert definitions and not bad
    days = days_to_cover(definitions, today)
    first_generated = today - timedelta(days=days - 1)
    starts = {d.report_id: resolve_time_frame(d, today=today, first_event_date=None)[0] for d in definitions}
    assert {rid: start for rid, start in starts.items() if start < first_generated} == {}
    assert first_generated == min(starts.values())


def test_the_demo_window_is_capped_for_a_range_far_in_the_past() -> None:
    definitions, _ = load_definitions(SHIPPED)
    assert days_to_cover(definitions, date(2030, 1, 1)) == 92


def test_generated_data_ends_at_until(tmp_path: Path) -> None:
    until = datetime(2026, 12, 2, 9, 30, tzinfo=timezone.utc)
    generate_landing_zone(tmp_path, date(2026, 12, 1), days=2, events_per_day=1_500, seed=5, until=until)
    hours = sorted({p.parents[2].name for p in tmp_path.rglob("*.avro")})
    times = [r["time"] for p in tmp_path.rglob("*.avro") for r in fastavro.reader(p.open("rb")) if r.get("time") is not None]
    assert hours[-1] <= "date=2026-12-02-09"
    assert max(times) < until.timestamp()
    assert max(times) > (until - timedelta(hours=3)).timestamp()


def test_the_demo_generates_no_day_before_the_partitions_start() -> None:
    today = date(2026, 12, 2)
    default_start = date.fromisoformat(next(v.default for v in ENV_VARS if v.name == "ENGAGEMENT_PARTITIONS_START"))
    definitions, _ = load_definitions(SHIPPED)
    days = days_to_cover(definitions, today)
    assert within_partitions(days, today, default_start) == days, "the default start leaves the demo window whole"
    late_start = date(2026, 11, 20)
    assert today - timedelta(days=within_partitions(days, today, late_start) - 1) == late_start
