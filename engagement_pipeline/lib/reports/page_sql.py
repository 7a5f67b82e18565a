"""The breakdowns of the campaign report pages, exact over a local period: event-level queries.

The breakdown marts (email_domain_daily_stats, email_link_daily_stats, ...) are UTC days, so a
local period that starts at, say, 05:00 UTC cannot be read from them. These queries read the
events themselves between the period's two UTC instants: the message key from
``int_events__keyed`` (the model that owns it), the event's own columns (domain, URL, error
code) from ``stg_currents__events``, bounce categories from ``int_email_bounces__classified``.
The over-time series sum ``int_message_stats__quarter_hourly`` (the counts the CSVs add up),
whose quarter-hours each fall wholly inside one local hour. The breakdown keys and the domain
stats are the models' macros (rendered as models are), so a page counts as the marts do. Every value is a bound parameter;
the SQL runs as is on DuckDB and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pandas as pd
import sqlalchemy as sa

from engagement_pipeline.lib.models.sql_models import render_sql_text
from engagement_pipeline.lib.reports.periods import Period, period_bounds_utc

_EVENTS = """
with events as (
    select
        keyed.message_id, keyed.channel, keyed.action, keyed.user_id, keyed.platform, keyed.occurred_at,
        coalesce(keyed.is_bot_click, false) as is_bot_click,
        source.email_domain, source.url, source.link_alias, source.error_code
    from int_events__keyed as keyed
    inner join stg_currents__events as source
        on source.event_id = keyed.event_id and source.event_date = keyed.event_date
    where keyed.message_kind = :message_kind and keyed.message_id in :message_ids
        and keyed.event_date >= :first_day and keyed.event_date <= :last_day
        and source.event_date >= :first_day and source.event_date <= :last_day
        and keyed.occurred_at >= :start_at and keyed.occurred_at < :end_at
),
counted as (
    select *, action = 'click' and (not is_bot_click or :count_bot_clicks) as is_counted_click
    from events
)
"""

DOMAINS = (
    _EVENTS
    + """
select
    message_id,
    {{ email_domain_key() }} as email_domain,
    {{ email_domain_measures() }}
from counted
where channel = 'email'
group by message_id, {{ email_domain_key() }}
"""
)

LINKS = (
    _EVENTS
    + """
select
    message_id,
    coalesce(url, 'unknown') as url,
    max(link_alias) as link_alias,
    cast(count(*) as bigint) as clicks,
    cast(count(distinct user_id) as bigint) as unique_clicks
from counted
where channel = 'email' and is_counted_click
group by message_id, coalesce(url, 'unknown')
"""
)

PLATFORMS = (
    _EVENTS
    + """
select
    message_id,
    channel,
    {{ platform_key() }} as platform,
    cast(count(*) filter (where action = 'send') as bigint) as sent,
    cast(count(*) filter (where action = 'bounce') as bigint) as bounces,
    cast(count(*) filter (where action = 'open') as bigint) as direct_opens
from counted
where channel in ('push', 'web_push')
group by message_id, channel, {{ platform_key() }}
"""
)

ERRORS = (
    _EVENTS
    + """
, failures as (
    select
        message_id,
        channel,
        case
            when channel = 'sms' and action = 'rejection' then 'rejection'
            when channel = 'sms' then 'delivery_failure'
            else 'failure'
        end as error_type,
        {{ error_code_key() }} as error_code
    from counted
    where (channel = 'sms' and action in ('rejection', 'delivery_failure'))
        or (channel in ('webhook', 'whatsapp') and action = 'failure')
)
select message_id, channel, error_type, error_code, cast(count(*) as bigint) as events
from failures
group by message_id, channel, error_type, error_code
"""
)

BOUNCES = """
select
    bounces.message_id,
    bounces.bounce_type,
    bounces.bounce_category,
    cast(count(*) as bigint) as bounces,
    min(bounces.bounce_reason) as example_reason
from int_email_bounces__classified as bounces
inner join stg_currents__events as source
    on source.event_id = bounces.event_id and source.event_date = bounces.event_date
where bounces.message_kind = :message_kind and bounces.message_id in :message_ids
    and bounces.event_date >= :first_day and bounces.event_date <= :last_day
    and source.event_date >= :first_day and source.event_date <= :last_day
    and source.occurred_at >= :start_at and source.occurred_at < :end_at
group by bounces.message_id, bounces.bounce_type, bounces.bounce_category
"""

SERIES_STATS = ("sent", "delivered", "opens", "clicks", "direct_opens", "impressions", "rejected", "delivery_failed", "errors")
SERIES = f"""
select event_date, quarter_hour, message_id, channel, {", ".join(f"cast(sum({s}) as bigint) as {s}" for s in SERIES_STATS)}
from int_message_stats__quarter_hourly
where message_kind = :message_kind and message_id in :message_ids
    and event_date >= :first_day and event_date <= :last_day
group by event_date, quarter_hour, message_id, channel
"""


@dataclass(frozen=True)
class Window:
    """A report's local period as the UTC instants ``start_at`` (inclusive) .. ``end_at`` (exclusive)."""

    first: date
    last: date
    timezone: str

    @property
    def bounds(self) -> tuple[datetime, datetime]:
        return period_bounds_utc(Period(self.first, self.last), self.timezone)

    @property
    def hourly(self) -> bool:
        """Series are hourly for a period of up to three local days, daily otherwise."""
        return (self.last - self.first).days < 3

    def params(self) -> dict:
        start, end = self.bounds
        naive = {"start_at": start.replace(tzinfo=None), "end_at": end.replace(tzinfo=None)}
        return naive | {"first_day": start.date(), "last_day": (end - timedelta(microseconds=1)).date()}


def breakdown(conn: sa.Connection, sql: str, kind: str, ids: Sequence[str], window: Window, count_bot_clicks: bool) -> pd.DataFrame:
    """Run one breakdown query for messages ``ids`` of ``kind`` over ``window``."""
    sql = render_sql_text(sql, conn.dialect.name)
    params = window.params() | {"message_kind": kind, "message_ids": list(ids)}
    if ":count_bot_clicks" in sql:
        params["count_bot_clicks"] = count_bot_clicks
    statement = sa.text(sql).bindparams(sa.bindparam("message_ids", expanding=True))
    result = conn.execute(statement, params)
    return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def series(conn: sa.Connection, kind: str, ids: Sequence[str], window: Window) -> pd.DataFrame:
    """Counts per local hour (or day) × message × channel: ``bucket`` is the bucket's start as a local time."""
    frame = breakdown(conn, SERIES, kind, ids, window, False)
    columns = ["bucket", "message_id", "channel", *SERIES_STATS]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    start, end = window.bounds
    days = pd.to_datetime(frame["event_date"]).dt.tz_localize(UTC)
    instants = days + pd.to_timedelta(frame["quarter_hour"].astype("int64") * 15, unit="min")
    inside = (instants >= start) & (instants < end)
    if window.hourly:  # whole hours since the local start: local hours, also on a DST change day
        buckets = (start + (instants[inside] - start).dt.floor("h")).dt.tz_convert(window.timezone)
    else:
        buckets = instants[inside].dt.tz_convert(window.timezone).dt.normalize()
    picked = frame[inside].assign(bucket=buckets)
    totals = picked.groupby(["bucket", "message_id", "channel"], as_index=False)[list(SERIES_STATS)].sum()
    return totals[columns]


def buckets(window: Window) -> list[pd.Timestamp]:
    """Every bucket of the window, in order: local hours (or local days) from its start to its end."""
    start, end = window.bounds
    if window.hourly:
        hours = pd.date_range(start, end, freq="h", inclusive="left")
        return [h.tz_convert(window.timezone) for h in hours]
    days = (window.last - window.first).days + 1
    return [pd.Timestamp(window.first + timedelta(days=i)).tz_localize(window.timezone) for i in range(days)]
