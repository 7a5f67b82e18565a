"""Recipient export files: one ``recipients_<id>.csv`` per campaign or Canvas, packed and stored as reports are.

The same rules as report files (lib/reports/build.py): compression zip (one ``<archive>.zip``
holding every CSV), gzip (one ``.csv.gz`` each) or none; stored under the report store with a
link that expires. Each CSV is streamed into its compressed file (lib/reports/recipients.py), so
memory does not grow with the number of recipients.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, timedelta
from pathlib import Path

import sqlalchemy as sa

from engagement_pipeline.lib.platform.storage import ObjectStore
from engagement_pipeline.lib.reports.outputs import ReportFile
from engagement_pipeline.lib.reports.periods import Period, period_bounds_utc
from engagement_pipeline.lib.reports.recipients import Window, packed_writer, write_recipients
from engagement_pipeline.lib.reports.stats import MessageKind

EARLIEST = date(2000, 1, 1)


@dataclass(frozen=True)
class Target:
    """One message to export, with its variation and step names (ids to names)."""

    kind: MessageKind
    message_id: str
    variations: dict[str, str]
    steps: dict[str, str]

    @property
    def file_name(self) -> str:
        return f"recipients_{self.message_id}.csv"


def window(start: date | None, end: date | None, tz: str, today: date) -> Window:
    """Local days ``start``..``end`` (inclusive; default: everything up to today) as naive UTC instants."""
    first, last = period_bounds_utc(Period(start or EARLIEST, end or today), tz)
    return Window(first.astimezone(UTC).replace(tzinfo=None), last.astimezone(UTC).replace(tzinfo=None))


def target_names(conn: sa.Connection, kind: MessageKind, message_id: str) -> Target:
    sql = "select variation_id, step_id, variation_name, step_name from message_components where message_kind = :kind and message_id = :id"
    variations, steps = {}, {}
    for row in conn.execute(sa.text(sql), {"kind": kind, "id": message_id}):
        if row.variation_id and row.variation_name:
            variations[row.variation_id] = row.variation_name
        if row.step_id and row.step_name:
            steps[row.step_id] = row.step_name
    return Target(kind, message_id, variations, steps)


def write_export(
    engine: sa.Engine,
    folder: Path,
    targets: Sequence[Target],
    span: Window,
    *,
    tz: str,
    compression: str,
    delimiter: str,
    archive: str,
    personal: Sequence[str] = (),
) -> list[tuple[Path, int]]:
    """Write the packed files into ``folder``: (path, data rows) per file written."""
    paths: list[str] = []
    counts: list[int] = []
    with engine.connect() as conn, packed_writer(folder, archive, compression, paths) as open_member:
        for target in targets:
            with open_member(target.file_name) as sink:
                counts.append(
                    write_recipients(
                        conn,
                        sink,
                        target.kind,
                        target.message_id,
                        span,
                        tz=tz,
                        delimiter=delimiter,
                        variations=target.variations,
                        steps=target.steps,
                        personal=personal,
                    )
                )
    if compression == "zip":
        return [(Path(paths[0]), sum(counts))]
    return [(Path(p), n) for p, n in zip(paths, counts, strict=True)]


def store_export(
    engine: sa.Engine,
    store: ObjectStore,
    key_folder: str,
    targets: Sequence[Target],
    span: Window,
    *,
    tz: str,
    compression: str = "zip",
    delimiter: str = ",",
    archive: str = "recipients",
    link_expiry: timedelta = timedelta(hours=1),
    personal: Sequence[str] = (),
) -> tuple[ReportFile, ...]:
    """Write, store under ``key_folder`` and link the export, as report files are; ``personal``: the
    personal data columns (lib/reports/recipients.py), none by default."""
    with tempfile.TemporaryDirectory(prefix="recipients-") as tmp:
        written = write_export(
            engine, Path(tmp), targets, span, tz=tz, compression=compression, delimiter=delimiter, archive=archive, personal=personal
        )
        files = []
        for path, rows in written:
            key = f"{key_folder}/{path.name}"
            store.write_file(key, path)
            files.append(ReportFile(path.name, key, store.link(key, link_expiry), path.stat().st_size, rows))
    return tuple(files)
