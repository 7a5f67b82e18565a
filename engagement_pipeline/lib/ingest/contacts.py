"""Recipients' contact details, the only personal data the warehouse keeps, in one narrow table of their own.

Currents email events carry the recipient's ``email_address``; SMS and WhatsApp events the user's
``to_phone_number`` (``user_phone_number`` on clicks and inbound messages; ``from_phone_number``
is the sender's). The raw event table keeps only the e-mail domain. ``recipient_contacts`` keeps,
per user, the latest address and the latest number by event time, each with the time it was
seen; ingestion writes it in the same transaction as the file's events and manifest row
(lib/ingest/load.py). Only the recipient export reads it, for a definition or a command that asks
for personal data (lib/reports/recipients.py). Nothing here logs a value.
"""

from __future__ import annotations

from datetime import datetime, timezone

import polars as pl
import sqlalchemy as sa

from engagement_pipeline.lib.platform.warehouse import arrow_view, bulk_load

CONTACTS_TABLE = "recipient_contacts"
CONTACTS_MIGRATION = "recipient_contacts: personal data in its own table"
PERSONAL_FIELDS = ("email_address", "phone_number")
# Fields of a Currents record that hold a recipient's address or number (redacted from the quarantine)
PERSONAL_SOURCE_FIELDS = ("email_address", "to_phone_number", "user_phone_number")
CONTACT_SCHEMA = {
    "user_id": pl.String,
    "email_address": pl.String,
    "email_seen_at": pl.Datetime("us"),
    "phone_number": pl.String,
    "phone_seen_at": pl.Datetime("us"),
}
_COLUMNS = ", ".join(CONTACT_SCHEMA)


def _text(frame: pl.DataFrame, *names: str) -> pl.Expr:
    present = [pl.col(n).cast(pl.String).str.strip_chars().replace("", None) for n in names if n in frame.columns]
    return pl.coalesce(present) if present else pl.lit(None, dtype=pl.String)


def contacts_of(frame: pl.DataFrame) -> pl.DataFrame:
    """CONTACT_SCHEMA rows of a decoded Currents frame (records that passed the checks), one per user."""
    seen = pl.from_epoch(pl.col("time").cast(pl.Int64), time_unit="s").cast(pl.Datetime("us"))
    email, phone = _text(frame, "email_address"), _text(frame, "to_phone_number", "user_phone_number")
    rows = frame.select(
        pl.col("user_id").cast(pl.String).alias("user_id"),
        email.alias("email_address"),
        pl.when(email.is_not_null()).then(seen).alias("email_seen_at"),
        phone.alias("phone_number"),
        pl.when(phone.is_not_null()).then(seen).alias("phone_seen_at"),
    )
    return latest(rows.filter(pl.col("email_address").is_not_null() | pl.col("phone_number").is_not_null()))


def latest(rows: pl.DataFrame) -> pl.DataFrame:
    """One row per user: its latest address and latest number (by the time each was seen)."""
    if rows.is_empty():
        return pl.DataFrame(schema=CONTACT_SCHEMA)
    parts = []
    for value, seen in (("email_address", "email_seen_at"), ("phone_number", "phone_seen_at")):
        known = rows.filter(pl.col(value).is_not_null())
        last = pl.col(seen).arg_max()
        parts.append(known.group_by("user_id").agg(pl.col(value).get(last), pl.col(seen).get(last)))
    merged = parts[0].join(parts[1], on="user_id", how="full", coalesce=True)
    return merged.select([pl.col(name).cast(dtype) for name, dtype in CONTACT_SCHEMA.items()])


def ensure_contacts_table(conn: sa.Connection, migrations_table: str) -> None:
    """Create the table (a warehouse from before personal data gets it empty: it fills from the files
    loaded from now on) and record the migration once."""
    conn.execute(
        sa.text(
            f"create table if not exists {CONTACTS_TABLE} (user_id varchar primary key, email_address varchar,"
            " email_seen_at timestamp, phone_number varchar, phone_seen_at timestamp)"
        )
    )
    conn.execute(
        sa.text(f"insert into {migrations_table} (name, applied_at) values (:n, :at) on conflict do nothing"),
        {"n": CONTACTS_MIGRATION, "at": datetime.now(timezone.utc).replace(tzinfo=None)},
    )


def _newer(kind: str) -> str:
    return f"excluded.{kind}_seen_at is not null and ({CONTACTS_TABLE}.{kind}_seen_at is null or excluded.{kind}_seen_at >= {CONTACTS_TABLE}.{kind}_seen_at)"


_UPSERT = f"""
insert into {CONTACTS_TABLE} ({_COLUMNS})
select {_COLUMNS} from {{source}}
on conflict (user_id) do update set
    email_address = case when {_newer("email")} then excluded.email_address else {CONTACTS_TABLE}.email_address end,
    email_seen_at = case when {_newer("email")} then excluded.email_seen_at else {CONTACTS_TABLE}.email_seen_at end,
    phone_number = case when {_newer("phone")} then excluded.phone_number else {CONTACTS_TABLE}.phone_number end,
    phone_seen_at = case when {_newer("phone")} then excluded.phone_seen_at else {CONTACTS_TABLE}.phone_seen_at end
"""


def upsert_contacts(conn: sa.Connection, contacts: pl.DataFrame) -> int:
    """Merge one row per user (``latest``) into the table, keeping the later of the stored and new values."""
    if contacts.is_empty():
        return 0
    if conn.dialect.name == "spark":
        from engagement_pipeline.lib.ingest.spark_tables import merge_spark_contacts

        return merge_spark_contacts(conn, contacts)
    if conn.dialect.name == "duckdb":
        with arrow_view(conn, "_batch_contacts", contacts) as view:
            conn.execute(sa.text(_UPSERT.format(source=view)))
        return contacts.height
    columns = ", ".join(f"{name} {'timestamp' if name.endswith('_at') else 'varchar'}" for name in CONTACT_SCHEMA)
    conn.execute(sa.text(f"create temporary table if not exists _batch_contacts ({columns}) on commit drop"))
    conn.execute(sa.text("truncate _batch_contacts"))
    bulk_load(conn, "_batch_contacts", contacts)
    conn.execute(sa.text(_UPSERT.format(source="_batch_contacts")))
    return contacts.height
