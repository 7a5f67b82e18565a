"""Cut a run's window into chunks of consecutive days, each built by its own statements.

A model's statement over a long window groups every event of the window at once: a year of
1M-event days is 365 M rows in one aggregate, far beyond the warehouse's memory (DuckDB's
default here is 1 GB), so it spills to disk and the run stops growing linearly with its days.
Every model is written for any window (a day's rows never depend on the window's other days:
what looks back, such as influenced opens, reads the day before the window itself), so writing
the window chunk by chunk gives the same rows. Chunks follow the raw events per day: small days
share one chunk (a statement costs milliseconds of planning that a year of tiny days would
multiply), and a chunk holds at most ``max_events`` events unless one day alone holds more.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

import sqlalchemy as sa

# Events per chunk: a 1M-event day's models peak at ~600 MiB with the 1 GB memory limit; a few
# such days per statement keep the planning cost per day small without spilling.
MAX_CHUNK_EVENTS = 3_000_000


def events_by_day(conn: sa.Connection, start: date, end: date) -> dict[date, int]:
    """The raw events of each day of [start, end) that has any (one grouped query)."""
    rows = conn.execute(
        sa.text(
            "select event_date, count(*) from raw_currents_events where event_date >= :start and event_date < :end group by event_date"
        ),
        {"start": start, "end": end},
    )
    return {day: count for day, count in rows}


def chunk_window(start: date, end: date, events: Mapping[date, int], max_events: int | None = None) -> list[tuple[date, date]]:
    """[start, end) as consecutive [chunk start, chunk end) windows covering it exactly, each holding at
    most `max_events` (default MAX_CHUNK_EVENTS) events (a day with more is a chunk of its own); days
    without events ride along."""
    max_events = MAX_CHUNK_EVENTS if max_events is None else max_events
    chunks: list[tuple[date, date]] = []
    chunk_start, held, day = start, 0, start
    while day < end:
        count = events.get(day, 0)
        if held and held + count > max_events:
            chunks.append((chunk_start, day))
            chunk_start, held = day, 0
        held += count
        day += timedelta(days=1)
    if chunk_start < end or not chunks:
        chunks.append((chunk_start, end))
    return chunks
