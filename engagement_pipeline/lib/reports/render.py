"""The report's CSV files (the file contract) and their packing: one zip, one .csv.gz each, or plain CSV.

``campaigns.csv``: period_start, period_end, campaign_id, campaign_name, variation_id,
variation_name, channel, then the stats. ``canvases.csv``: period_start, period_end, canvas_id,
canvas_name, canvas_variation_id, canvas_variation_name, step_id, step_name, channel, then the
stats. Dates are ISO, both ends inclusive; columns below the report's level are empty.
A campaign's control group has rows of channel ``control`` (variation_name "Control Group" when
Braze gave none) with only the control stats, and only in a report that shows
``enrolled_in_control``: without the enrolments its conversions have no base.
"""

from __future__ import annotations

import csv
import gzip
import shutil
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from engagement_pipeline.lib.reports.metrics import format_value, stat_values
from engagement_pipeline.lib.reports.names import Names
from engagement_pipeline.lib.reports.stats import CONTROL, MessageKind

CAMPAIGN_COLUMNS = ("period_start", "period_end", "campaign_id", "campaign_name", "variation_id", "variation_name", "channel")
CANVAS_COLUMNS = (
    "period_start",
    "period_end",
    "canvas_id",
    "canvas_name",
    "canvas_variation_id",
    "canvas_variation_name",
    "step_id",
    "step_name",
    "channel",
)
FILE_NAMES: Mapping[MessageKind, str] = {"campaign": "campaigns.csv", "canvas": "canvases.csv"}
CONTROL_GROUP_NAME = "Control Group"


@dataclass(frozen=True)
class ReportTable:
    """One CSV of the report before it is written: its file name, header and text cells."""

    name: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class PackedFile:
    path: Path
    rows: int


def build_table(kind: MessageKind, frame: pd.DataFrame, stats: Sequence[str], names: Names) -> ReportTable:
    """Turn query rows (period × message × channel with base stats) into the CSV's cells."""
    rows = []
    for record in frame.to_dict("records"):
        if record["channel"] == CONTROL and "enrolled_in_control" not in stats:
            continue
        message, variation, step = names.lookup(kind, record["message_id"], record["variation_id"], record["step_id"])
        if record["channel"] == CONTROL and record["variation_id"]:
            variation = variation or CONTROL_GROUP_NAME
        period = (record["period_start"].isoformat(), record["period_end"].isoformat())
        if kind == "campaign":
            ids = (record["message_id"], message, record["variation_id"], variation)
        else:
            ids = (record["message_id"], message, record["variation_id"], variation, record["step_id"], step)
        values = stat_values(stats, record["channel"], record)
        rows.append((*period, *ids, record["channel"], *(format_value(v) for v in values)))
    header = (*(CAMPAIGN_COLUMNS if kind == "campaign" else CANVAS_COLUMNS), *stats)
    return ReportTable(FILE_NAMES[kind], header, tuple(tuple(str(c) for c in row) for row in rows))


def write_csv(table: ReportTable, folder: Path, delimiter: str) -> Path:
    path = folder / table.name
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, delimiter=delimiter, lineterminator="\r\n")
        writer.writerow(table.header)
        writer.writerows(table.rows)
    return path


def pack(tables: Sequence[ReportTable], folder: Path, *, delimiter: str, compression: str, archive: str) -> list[PackedFile]:
    """Write ``tables`` into ``folder`` and pack them: ``archive``.zip holding all, .csv.gz each, or as is."""
    written = [(write_csv(t, folder, delimiter), len(t.rows)) for t in tables]
    if compression == "zip":
        target = folder / f"{archive}.zip"
        with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
            for path, _ in written:
                bundle.write(path, arcname=path.name)
        return [PackedFile(target, sum(rows for _, rows in written))]
    if compression == "gzip":
        packed = []
        for path, rows in written:
            target = path.with_name(path.name + ".gz")
            with path.open("rb") as source, gzip.open(target, "wb") as sink:
                shutil.copyfileobj(source, sink)
            packed.append(PackedFile(target, rows))
        return packed
    return [PackedFile(path, rows) for path, rows in written]
