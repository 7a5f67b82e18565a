"""Recipient export (Braze's "Export all recipient data"): one row per user a campaign reached in a period.

A campaign's row per user: the variant of the user's first Send (or enrolment in the control group,
then ``in_control_group`` is true and ``first_sent_at`` is the enrolment time), the first send time in
the report's time zone, and whether the user had, in the period and for any variant of the campaign,
a delivery, an open, a (non-bot) click, a conversion, an unsubscribe and a (hard) bounce. Braze
assigns one variant per user per campaign; a user the events show in two variants is reported in
the first and flagged ``in_several_variants``. A Canvas has one row per user × variation × step sent
(``converted``: a Canvas conversion of the user in that variation). Events are those of
``stg_currents__events`` (each event once: ingestion drops Currents' repeated copies). Personal data
(``email_address``, ``phone_number``: the user's latest, from ``recipient_contacts``) is added as the
last columns only when the caller asks for it (``personal``): a definition's ``personal_data``,
valid only for recipients on the allowed domains, or the command's ``--include-personal-data``.

Memory stays bounded: the warehouse groups the events, and the rows stream out in batches (DuckDB
record batches, a PostgreSQL server-side cursor) straight into the compressed file.
"""

from __future__ import annotations

import gzip
import re
import zipfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO

import polars as pl
import sqlalchemy as sa

from engagement_pipeline.lib.ingest.contacts import CONTACTS_TABLE, PERSONAL_FIELDS
from engagement_pipeline.lib.reports.message_catalog import table_exists
from engagement_pipeline.lib.reports.render import CONTROL_GROUP_NAME
from engagement_pipeline.lib.reports.stats import MessageKind

BATCH_ROWS = 100_000
FLAGS = ("delivered", "opened", "clicked", "converted", "unsubscribed", "bounced")
COLUMNS: dict[MessageKind, tuple[str, ...]] = {
    "campaign": (
        "user_id",
        "external_user_id",
        "variation_id",
        "variation_name",
        "in_control_group",
        "first_sent_at",
        *FLAGS,
        "in_several_variants",
    ),
    "canvas": (
        "user_id",
        "external_user_id",
        "canvas_variation_id",
        "canvas_variation_name",
        "step_id",
        "step_name",
        "first_sent_at",
        *FLAGS,
    ),
}
_FLAG_SQL = """
        max(external_user_id) as external_user_id,
        bool_or(action = 'delivery') as delivered,
        bool_or(action = 'open') as opened,
        bool_or(action = 'click' and not coalesce(is_bot_click, false)) as clicked,
        bool_or(action = 'conversion') as converted,
        bool_or(action = 'unsubscribe') as unsubscribed,
        bool_or(action = 'bounce') as bounced"""
_EVENTS = """
events as (
    select user_id, external_user_id, {variation} as variation_id, {step} as step_id, action, occurred_at, event_id, is_bot_click
    from stg_currents__events
    where {selects} and event_date >= :first_day and event_date <= :last_day
        and occurred_at >= :start_at and occurred_at < :end_at
)"""
CAMPAIGN_SQL = f"""
with {_EVENTS.format(variation="coalesce(message_variation_id, '')", step="''", selects="campaign_id = :message_id and canvas_id is null and canvas_step_id is null")},
exposures as (
    select user_id, variation_id, action, occurred_at,
        row_number() over (partition by user_id order by occurred_at, event_id) as exposure
    from events
    where action in ('send', 'enroll_in_control')
),
firsts as (
    select user_id, variation_id, action = 'enroll_in_control' as in_control_group, occurred_at as first_sent_at
    from exposures
    where exposure = 1
),
spread as (
    select user_id, count(distinct variation_id) as variations from exposures group by user_id
),
flags as (
    select user_id,{_FLAG_SQL}
    from events
    group by user_id
),
final as (
    select firsts.user_id, flags.external_user_id, firsts.variation_id, firsts.in_control_group, firsts.first_sent_at,
        flags.delivered, flags.opened, flags.clicked, flags.converted, flags.unsubscribed, flags.bounced,
        spread.variations > 1 as in_several_variants
    from firsts
    inner join flags on flags.user_id = firsts.user_id
    inner join spread on spread.user_id = firsts.user_id
)
select * from final
"""
CANVAS_SQL = f"""
with {_EVENTS.format(variation="coalesce(canvas_variation_id, '')", step="coalesce(canvas_step_id, '')", selects="canvas_id = :message_id")},
sends as (
    select user_id, variation_id, step_id, min(occurred_at) as first_sent_at from events where action = 'send' group by user_id, variation_id, step_id
),
flags as (
    select user_id, variation_id, step_id,{_FLAG_SQL}
    from events
    group by user_id, variation_id, step_id
),
conversions as (
    select distinct user_id, variation_id from events where action = 'conversion'
),
final as (
    select sends.user_id, flags.external_user_id, sends.variation_id, sends.step_id, sends.first_sent_at,
        flags.delivered, flags.opened, flags.clicked, conversions.user_id is not null as converted, flags.unsubscribed, flags.bounced
    from sends
    inner join flags on flags.user_id = sends.user_id and flags.variation_id = sends.variation_id and flags.step_id = sends.step_id
    left join conversions on conversions.user_id = sends.user_id and conversions.variation_id = sends.variation_id
)
select * from final
"""
ORDER: dict[MessageKind, tuple[str, ...]] = {"campaign": ("user_id",), "canvas": ("user_id", "variation_id", "step_id")}


@dataclass(frozen=True)
class Window:
    """The export's instants: ``start_at`` .. ``end_at`` (exclusive), naive UTC as the warehouse stores them."""

    start_at: datetime
    end_at: datetime

    def params(self) -> dict:
        return {"start_at": self.start_at, "end_at": self.end_at, "first_day": self.start_at.date(), "last_day": self.end_at.date()}


def _duckdb_batches(conn: sa.Connection, sql: str, params: dict) -> Iterator[pl.DataFrame]:
    raw = conn.connection.driver_connection
    reader = raw.execute(re.sub(r":(\w+)", r"$\1", sql), params).fetch_record_batch(BATCH_ROWS)
    for batch in reader:
        yield pl.from_arrow(batch)


def _cursor_batches(conn: sa.Connection, sql: str, params: dict) -> Iterator[pl.DataFrame]:
    result = conn.execution_options(stream_results=True, max_row_buffer=BATCH_ROWS).execute(sa.text(sql), params)
    columns = list(result.keys())
    for rows in result.partitions(BATCH_ROWS):
        yield pl.DataFrame([tuple(r) for r in rows], schema=columns, orient="row", infer_schema_length=None)


def personal_columns(values: Sequence[str]) -> tuple[str, ...]:
    """The personal data columns asked for, in PERSONAL_FIELDS order; ValueError for another name."""
    unknown = [v for v in values if v not in PERSONAL_FIELDS]
    if unknown:
        raise ValueError(f"unknown personal data {', '.join(map(repr, unknown))}; expected some of {', '.join(PERSONAL_FIELDS)}")
    return tuple(f for f in PERSONAL_FIELDS if f in values)


def export_sql(kind: MessageKind, personal: Sequence[str] = ()) -> str:
    """The export's query; with ``personal``, those columns of each user's contact details joined last."""
    sql = CAMPAIGN_SQL if kind == "campaign" else CANVAS_SQL
    if not personal:
        return f"{sql}order by {', '.join(ORDER[kind])}\n"
    columns = ", ".join(f"contacts.{c}" for c in personal)
    order = ", ".join(f"recipients.{c}" for c in ORDER[kind])
    return (
        f"select recipients.*, {columns}\nfrom (\n{sql}) as recipients\n"
        f"left join {CONTACTS_TABLE} as contacts on contacts.user_id = recipients.user_id\norder by {order}\n"
    )


def recipient_batches(
    conn: sa.Connection, kind: MessageKind, message_id: str, window: Window, personal: Sequence[str] = ()
) -> Iterator[pl.DataFrame]:
    """The export's rows (before names and time zone) in batches of at most BATCH_ROWS."""
    if personal and not table_exists(conn, CONTACTS_TABLE):
        raise ValueError(
            f"personal data ({', '.join(personal)}) asked for, but the warehouse has no {CONTACTS_TABLE} table yet;"
            " expected one ingestion run (engagement ingest) since the upgrade"
        )
    sql = export_sql(kind, personal)
    params = {"message_id": message_id, **window.params()}
    fetch = _duckdb_batches if conn.dialect.name == "duckdb" else _cursor_batches
    yield from fetch(conn, sql, params)


def _names(batch: pl.DataFrame, column: str, names: dict[str, str], key: str) -> pl.Expr:
    return pl.col(key).replace_strict(names, default="", return_dtype=pl.String).alias(column) if names else pl.lit("").alias(column)


def format_batch(
    batch: pl.DataFrame, kind: MessageKind, tz: str, variations: dict[str, str], steps: dict[str, str], personal: Sequence[str] = ()
) -> pl.DataFrame:
    """The CSV columns of a batch: names beside ids, ``first_sent_at`` as local ISO time with its offset,
    then the ``personal`` columns."""
    sent = pl.col("first_sent_at").cast(pl.Datetime("us")).dt.replace_time_zone("UTC").dt.convert_time_zone(tz)
    frame = batch.with_columns(
        sent.dt.strftime("%Y-%m-%dT%H:%M:%S%:z").alias("first_sent_at"),
        _names(batch, "variation_name", variations, "variation_id"),
        pl.col("external_user_id").cast(pl.String),
    )
    if kind == "campaign":
        unnamed_control = pl.col("in_control_group") & (pl.col("variation_name") == "")
        frame = frame.with_columns(
            pl.when(unnamed_control).then(pl.lit(CONTROL_GROUP_NAME)).otherwise(pl.col("variation_name")).alias("variation_name")
        )
        return frame.select(*COLUMNS["campaign"], *[pl.col(c).cast(pl.String) for c in personal])
    frame = frame.with_columns(_names(batch, "step_name", steps, "step_id"))
    frame = frame.rename({"variation_id": "canvas_variation_id", "variation_name": "canvas_variation_name"})
    return frame.select(*COLUMNS["canvas"], *[pl.col(c).cast(pl.String) for c in personal])


@contextmanager
def packed_writer(folder: Path, stem: str, compression: str, members: list[str]) -> Iterator[Callable[[str], IO[bytes]]]:
    """``open_member(name) -> binary stream`` writing into ``<stem>.zip`` (every member), ``<name>.gz``
    each, or plain files; ``members`` collects the paths written."""
    if compression == "zip":
        target = folder / f"{stem}.zip"
        with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
            members.append(str(target))
            yield lambda name: bundle.open(name, "w", force_zip64=True)
        return

    def open_file(name: str) -> IO[bytes]:
        path = folder / (f"{name}.gz" if compression == "gzip" else name)
        members.append(str(path))
        return gzip.open(path, "wb", compresslevel=6) if compression == "gzip" else path.open("wb")

    yield open_file


def write_recipients(
    conn: sa.Connection,
    sink: IO[bytes],
    kind: MessageKind,
    message_id: str,
    window: Window,
    *,
    tz: str,
    delimiter: str = ",",
    variations: dict[str, str] | None = None,
    steps: dict[str, str] | None = None,
    personal: Sequence[str] = (),
) -> int:
    """Stream the export of one campaign or Canvas into ``sink`` as CSV (header first); the row count."""
    rows = 0
    header = True
    for batch in recipient_batches(conn, kind, message_id, window, personal):
        if batch.is_empty():
            continue
        out = format_batch(batch, kind, tz, variations or {}, steps or {}, personal)
        out.write_csv(sink, include_header=header, separator=delimiter, line_terminator="\r\n")
        header, rows = False, rows + out.height
    if header:
        sink.write((delimiter.join((*COLUMNS[kind], *personal)) + "\r\n").encode())
    return rows
