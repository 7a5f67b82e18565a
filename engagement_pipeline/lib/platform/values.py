"""Plain-Python values from numpy, pandas and Decimal scalars (for metadata and JSON)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

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
