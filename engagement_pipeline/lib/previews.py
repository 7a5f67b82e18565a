"""Small metadata helpers: markdown previews and plain-Python values for Dagster metadata."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import dagster as dg
import pandas as pd


def plain(value):
    """Cast numpy/pandas/Decimal scalars to plain Python (Dagster rejects numpy types)."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (pd.Timestamp, dt.date)):
        return value.isoformat()
    return value


def markdown_table(frame: pd.DataFrame, max_rows: int = 10) -> dg.MetadataValue:
    if frame.empty:
        return dg.MetadataValue.md("_no rows_")
    head = frame.head(max_rows)
    header = "| " + " | ".join(str(c) for c in head.columns) + " |"
    rule = "|" + "---|" * len(head.columns)
    body = ["| " + " | ".join("" if plain(v) is None else str(plain(v)) for v in row) + " |" for row in head.itertuples(index=False)]
    return dg.MetadataValue.md("\n".join([header, rule, *body]))
