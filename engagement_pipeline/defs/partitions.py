"""The daily partitions every event-derived asset shares (UTC days; today included)."""

import dagster as dg

PARTITIONS_START = "2017-01-01"

daily_partitions = dg.DailyPartitionsDefinition(start_date=PARTITIONS_START, end_offset=1)
