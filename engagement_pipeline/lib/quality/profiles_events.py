"""Profiles over the events and the landing zone: events in vs stats out, daily volume, freshness."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pandas as pd

from engagement_pipeline.lib.ingest.load import MANIFEST_TABLE
from engagement_pipeline.lib.quality.profiles import (
    Profile,
    ProfileContext,
    compare,
    identifiers,
    long_frame,
    param,
    profile,
    read,
    sums,
    window_sql,
)

ALL_CHANNELS = "(all channels)"
_HOUR = re.compile(r"date=(\d{4}-\d{2}-\d{2}-\d{2})")


def _counter(stat: str, rule: dict, i: int) -> tuple[str, dict, tuple[str, ...]]:
    conditions, values = [f"action in :a{i}"], {f"a{i}": list(rule["actions"])}
    expanding: tuple[str, ...] = (f"a{i}",)
    if rule.get("channels"):
        conditions.append(f"channel in :c{i}")
        values[f"c{i}"] = list(rule["channels"])
        expanding += (f"c{i}",)
    if rule.get("exclude_bot_clicks"):
        conditions.append("not (channel = 'email' and action = 'click' and coalesce(is_bot_click, false) and not :count_bot_clicks)")
    return f"sum(case when {' and '.join(conditions)} then 1 else 0 end) as {stat}", values, expanding


def _fold_all_channels(frame: pd.DataFrame, stats: set[str], value: str) -> pd.DataFrame:
    """Rows of the `stats` compared per day only go to one channel, ALL_CHANNELS."""
    channel = frame["channel"].where(~frame["stat"].isin(stats), ALL_CHANNELS).fillna(ALL_CHANNELS)
    return frame.assign(channel=channel).groupby(["event_date", "channel", "stat"], as_index=False)[value].sum()


@profile("counted_events")
def counted_events(ctx: ProfileContext) -> Profile:
    """Per day, channel and counted stat: events of the matching (channel, action) in the events
    table, and the stat summed over the asset. Events without a campaign or Canvas id are in no
    report. Stats marked `all_channels` (conversions, entries) are compared per day only."""
    events, rules = param(ctx, "events_table", str), param(ctx, "stats", dict)
    identifiers(ctx, ["event_date", "channel", "action", "is_bot_click", "campaign_id", "canvas_id", "canvas_step_id"], events)
    stats = identifiers(ctx, list(rules), ctx.asset)
    parts = [_counter(stat, rules[stat], i) for i, stat in enumerate(stats)]
    values = {k: v for _, vals, _ in parts for k, v in vals.items()}
    values["count_bot_clicks"] = bool(getattr(ctx.settings, "count_bot_clicks", False))
    counted = read(
        ctx,
        f"select event_date, channel, {', '.join(sql for sql, _, _ in parts)} from {events} "
        f"where {window_sql(ctx)} and coalesce(campaign_id, canvas_id, canvas_step_id) is not null "
        "group by event_date, channel",
        values,
        tuple(name for _, _, names in parts for name in names),
    )
    by = ["event_date", "channel"]
    whole = {s for s in stats if rules[s].get("all_channels")}
    events_in = _fold_all_channels(long_frame(counted, by, stats, "events_in"), whole, "events_in")
    stats_out = _fold_all_channels(long_frame(sums(ctx, ctx.asset, by, stats), by, stats, "stats_out"), whole, "stats_out")
    return Profile(compare(events_in, stats_out, [*by, "stat"]), {"events_table": events})


@profile("daily_event_volume")
def daily_event_volume(ctx: ProfileContext) -> Profile:
    """Per day and channel whose trailing median is at least `min_median_events`: the day's events,
    the median of the `trailing_days` days before it (days without events count 0) and their ratio."""
    trailing, minimum = param(ctx, "trailing_days", int), param(ctx, "min_median_events", (int, float))
    first = ctx.start - timedelta(days=trailing)
    day = ctx.partition_by
    counts = read(
        ctx,
        f"select {day} as event_date, coalesce(channel, 'no_channel') as channel, count(*) as events "
        f"from {ctx.asset} where {day} >= :first and {day} < :end_date "
        f"group by {day}, coalesce(channel, 'no_channel')",
        {"first": first},
    )
    columns = ["event_date", "channel", "events", "trailing_median", "ratio_to_trailing_median"]
    if counts.empty:
        return Profile(pd.DataFrame(columns=columns), {"trailing_days": trailing})
    days = [first + timedelta(days=n) for n in range((ctx.end - first).days)]
    grid = counts.pivot_table(index="event_date", columns="channel", values="events", aggfunc="sum", fill_value=0)
    grid = grid.reindex(days, fill_value=0)
    rows = []
    for position in range(trailing, len(days)):
        medians = grid.iloc[position - trailing : position].median()
        for channel, median in medians.items():
            if median >= minimum:
                events = int(grid.iloc[position][channel])
                rows.append((days[position], channel, events, float(median), events / float(median)))
    frame = pd.DataFrame.from_records(rows, columns=columns)
    return Profile(frame, {"trailing_days": trailing, "min_median_events": minimum})


@profile("landing_zone_age")
def landing_zone_age(ctx: ProfileContext) -> Profile:
    """One row: the newest `date=` hour among the files loaded last (Braze writes a file in the
    hour its folder names; a key without one uses its load time), and its age in hours now."""
    columns = ["newest_data_hour", "newest_loaded_at", "files_loaded", "age_hours"]
    exists = read(ctx, "select count(*) as n from information_schema.tables where table_name = :t", {"t": MANIFEST_TABLE})
    newest = read(ctx, f"select max(loaded_at) as newest, count(*) as files from {MANIFEST_TABLE}") if int(exists["n"][0]) else None
    if newest is None or newest["newest"][0] is None or pd.isna(newest["newest"][0]):
        return Profile(pd.DataFrame([{c: None for c in columns} | {"files_loaded": 0}], columns=columns))
    loaded_at = pd.Timestamp(newest["newest"][0]).to_pydatetime()
    recent = read(ctx, f"select object_key from {MANIFEST_TABLE} where loaded_at >= :since", {"since": loaded_at - timedelta(days=2)})
    hours = [m.group(1) for key in recent["object_key"] if (m := _HOUR.search(key))]
    data_hour = datetime.strptime(max(hours), "%Y-%m-%d-%H") if hours else loaded_at
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    row = {
        "newest_data_hour": data_hour.isoformat(timespec="minutes"),
        "newest_loaded_at": loaded_at.isoformat(timespec="seconds"),
        "files_loaded": int(newest["files"][0]),
        "age_hours": round((now - data_hour).total_seconds() / 3600, 2),
    }
    return Profile(pd.DataFrame([row], columns=columns), {"holds_from_day": data_hour.date().isoformat()})
