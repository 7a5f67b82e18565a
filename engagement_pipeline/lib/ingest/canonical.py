"""The canonical event row: one row per Currents event, the same on DuckDB and PostgreSQL."""

from __future__ import annotations

import polars as pl

CANONICAL_COLUMNS: dict[str, str] = {
    "event_id": "varchar",
    "event_type": "varchar",
    "channel": "varchar",
    "action": "varchar",
    "occurred_at": "timestamp",
    "event_date": "date",
    "user_id": "varchar",
    "external_user_id": "varchar",
    "campaign_id": "varchar",
    "campaign_name": "varchar",
    "message_variation_id": "varchar",
    "message_variation_name": "varchar",
    "canvas_id": "varchar",
    "canvas_name": "varchar",
    "canvas_variation_id": "varchar",
    "canvas_variation_name": "varchar",
    "canvas_step_id": "varchar",
    "canvas_step_name": "varchar",
    "dispatch_id": "varchar",
    "send_id": "varchar",
    "platform": "varchar",
    "email_domain": "varchar",
    "url": "varchar",
    "link_id": "varchar",
    "link_alias": "varchar",
    "button_id": "varchar",
    "button_string": "varchar",
    "bounce_reason": "varchar",
    "mailbox_provider": "varchar",
    "is_machine_open": "boolean",
    "is_bot_click": "boolean",
    "is_drop": "boolean",
    "error_code": "varchar",
    "error_message": "varchar",
    "timezone": "varchar",
    "abort_type": "varchar",
}

RAW_EXTRA_COLUMNS: dict[str, str] = {"source_file": "varchar", "loaded_at": "timestamp"}
RAW_COLUMNS: dict[str, str] = {**CANONICAL_COLUMNS, **RAW_EXTRA_COLUMNS}

POLARS_TYPES = {
    "varchar": pl.String,
    "timestamp": pl.Datetime("us"),
    "date": pl.Date,
    "boolean": pl.Boolean,
}

REQUIRED_FIELDS = ("id", "time", "user_id")


def polars_schema(columns: dict[str, str]) -> dict[str, pl.DataType]:
    return {name: POLARS_TYPES[sql_type] for name, sql_type in columns.items()}


def create_table_sql(table: str, columns: dict[str, str]) -> str:
    body = ",\n    ".join(f"{name} {sql_type}" for name, sql_type in columns.items())
    return f"create table if not exists {table} (\n    {body}\n)"
