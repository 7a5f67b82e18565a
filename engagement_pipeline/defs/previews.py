"""Markdown previews of tables for Dagster metadata."""

from __future__ import annotations

import dagster as dg
import pandas as pd

from engagement_pipeline.lib.platform.values import plain


def markdown_table(frame: pd.DataFrame, max_rows: int = 10) -> dg.MetadataValue:
    if frame.empty:
        return dg.MetadataValue.md("_no rows_")
    head = frame.head(max_rows)
    header = "| " + " | ".join(str(c) for c in head.columns) + " |"
    rule = "|" + "---|" * len(head.columns)
    body = ["| " + " | ".join("" if plain(v) is None else str(plain(v)) for v in row) + " |" for row in head.itertuples(index=False)]
    return dg.MetadataValue.md("\n".join([header, rule, *body]))
