"""The daily partitions every event-derived asset shares (UTC days from ENGAGEMENT_PARTITIONS_START; today included).

A partitions definition is part of each asset's definition, so it must exist when `defs/` is
imported: unlike a resource, it cannot wait for run time behind a `dg.EnvVar`. Its first day is
therefore read from the environment (and checked) once, when this module is first imported,
which happens when the code location loads (`engagement` loads `.env` before that). Changing
the setting takes a reload of the code location, as changing code does.
"""

from datetime import date

import dagster as dg

from engagement_pipeline.lib.platform.config import setting


def build_daily_partitions(start: str) -> dg.DailyPartitionsDefinition:
    return dg.DailyPartitionsDefinition(start_date=start, end_offset=1)


PARTITIONS_START = setting("ENGAGEMENT_PARTITIONS_START")

daily_partitions = build_daily_partitions(PARTITIONS_START)


def before_start(days: set[date] | list[date]) -> list[date]:
    """The days that have no partition because they come before the first one."""
    first = date.fromisoformat(PARTITIONS_START)
    return sorted(day for day in days if day < first)
