"""Keep one dynamic partition per report definition: which ids to add and delete, and which files are invalid.

A file that exists but does not validate keeps its partition (its history stays; a run fails with
the errors) but never gets a new one; a deleted file loses its partition.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from engagement_pipeline.lib.reports.spec import load_definitions


@dataclass(frozen=True)
class SyncPlan:
    add: tuple[str, ...]
    delete: tuple[str, ...]
    errors: tuple[str, ...]


def sync_plan(
    folder: Path,
    existing: Iterable[str],
    *,
    default_timezone: str = "UTC",
    allowed_domains: Sequence[str] = (),
) -> SyncPlan:
    good, bad = load_definitions(folder, default_timezone=default_timezone, allowed_recipient_domains=allowed_domains)
    valid = {d.report_id for d in good}
    present = valid | {e.source.stem for e in bad if e.source.is_file()}
    have = set(existing)
    return SyncPlan(
        add=tuple(sorted(valid - have)),
        delete=tuple(sorted(have - present)),
        errors=tuple(str(e) for e in bad),
    )
