"""Write a synthetic Braze Currents landing zone: Avro event files in the real S3 layout plus a
message catalog, deterministic for a seed.

The workspace has campaigns on every channel (some with A/B variants, control groups, a
rename midway) and Canvases with variations and steps; events follow coherent funnels
(sends before deliveries before opens and clicks, some crossing midnight UTC) and carry
Currents' delivery quirks: re-delivered duplicates and late files. Generation runs hour by
hour, so memory stays bounded whatever the volume.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engagement_pipeline.lib.platform.progress import track
from engagement_pipeline.sample_data.list_files import write_catalog
from engagement_pipeline.sample_data.synth.landing import LandingZone
from engagement_pipeline.sample_data.synth.world import build_world, simulate_hour


@dataclass(frozen=True)
class GenerationSummary:
    files: int
    events: int
    duplicates: int
    late_files: int
    catalog_paths: list[Path]


def generate_landing_zone(
    out: Path, start: dt.date, days: int, events_per_day: int, seed: int = 7, until: dt.datetime | None = None
) -> GenerationSummary:
    """Generate `days` days of Currents files from `start` (UTC) under `out`, ~`events_per_day` events a day.

    `until` (an aware instant) ends the data early, e.g. at "now" when the last day is today: no
    event after it, and late or re-delivered files due after its hour are left out (not arrived yet).

    `events` counts distinct events; `duplicates` the extra copies written. Re-running with the
    same arguments rewrites the same files with the same bytes.
    """
    if days < 1:
        raise ValueError(f"days must be at least 1, got {days}")
    if events_per_day < 1:
        raise ValueError(f"events_per_day must be at least 1, got {events_per_day}")
    out = Path(out)
    world = build_world(seed, start, days, events_per_day)
    zone = LandingZone(out, world.workspace.integration_id, world.tables, seed)
    first = int(world.start.timestamp()) // 3600
    end = int(min(world.end, until or world.end).timestamp())
    hours = min(24 * days, -(-end // 3600) - first)
    progress = track("generating", total=hours, unit="hours")
    for hour in range(first, first + hours):
        rng = np.random.default_rng([seed, hour, 1])
        for event_type, frame in simulate_hour(world, hour).items():
            within = frame["time"] < end
            zone.route(rng, event_type, {name: column[within] for name, column in frame.items()})
        zone.flush(hour)
        progress.update(advance=1, detail=f"{zone.events:,} events, {zone.files:,} files")
    zone.flush_all(before=first + hours if until else None)
    progress.close(f"{zone.events:,} events, {zone.files:,} files")
    catalog = write_catalog(out / "catalog", world.workspace)
    return GenerationSummary(zone.files, zone.events, zone.duplicates, zone.late_files, catalog)
