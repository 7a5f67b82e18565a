"""Latest names of the reported campaigns, variants, Canvases and steps (renames show the newest name)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa

from engagement_pipeline.lib.reports.spec import CatalogEntry

_COMPONENTS = """
select message_kind, message_id, variation_id, step_id, variation_name, step_name
from message_components
where message_id in :message_ids
"""


@dataclass(frozen=True)
class Names:
    messages: dict[tuple[str, str], str] = field(default_factory=dict)
    variations: dict[tuple[str, str, str], str] = field(default_factory=dict)
    steps: dict[tuple[str, str, str, str], str] = field(default_factory=dict)

    def lookup(self, kind: str, message_id: str, variation_id: str, step_id: str) -> tuple[str, str, str]:
        """(message name, variation name, step name); empty text for an id the report does not show."""
        message = self.messages.get((kind, message_id), "")
        variation = self.variations.get((kind, message_id, variation_id), "") if variation_id else ""
        step = self.steps.get((kind, message_id, variation_id, step_id), "") if step_id else ""
        return message, variation, step


def load_names(conn: sa.Connection, entries: Sequence[CatalogEntry]) -> Names:
    names = Names(messages={(e.kind, e.id): e.name for e in entries})
    if not entries:
        return names
    statement = sa.text(_COMPONENTS).bindparams(sa.bindparam("message_ids", expanding=True))
    for row in conn.execute(statement, {"message_ids": sorted({e.id for e in entries})}):
        if row.variation_id and row.variation_name:
            names.variations[(row.message_kind, row.message_id, row.variation_id)] = row.variation_name
        if row.step_id and row.step_name:
            names.steps[(row.message_kind, row.message_id, row.variation_id, row.step_id)] = row.step_name
    return names
