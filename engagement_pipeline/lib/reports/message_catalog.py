"""The message catalog a report selects from: every campaign and Canvas with events, from `message_catalog`."""

from __future__ import annotations

from datetime import UTC

import sqlalchemy as sa

from engagement_pipeline.lib.reports.spec import CatalogEntry

_SQL = """
select message_kind, message_id, message_name, channels, tags, first_event_date, last_event_date, first_event_at
from message_catalog
order by message_kind, message_id
"""


def _split(value: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in (value or "").split(",") if part.strip())


def load_catalog(conn: sa.Connection) -> list[CatalogEntry]:
    """Every campaign and Canvas of the warehouse; empty when the models have not been built yet."""
    if not table_exists(conn, "message_catalog"):
        return []
    return [
        CatalogEntry(
            kind=row.message_kind,
            id=row.message_id,
            name=row.message_name or row.message_id,
            channels=_split(row.channels),
            tags=_split(row.tags),
            first_event_date=row.first_event_date,
            last_event_date=row.last_event_date,
            first_event_at=row.first_event_at.replace(tzinfo=UTC) if row.first_event_at else None,
        )
        for row in conn.execute(sa.text(_SQL))
    ]


def table_exists(conn: sa.Connection, table: str) -> bool:
    sql = "select count(*) from information_schema.tables where table_name = :table"
    return bool(conn.execute(sa.text(sql), {"table": table}).scalar_one())
