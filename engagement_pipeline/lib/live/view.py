"""Read the live view out of the buckets: totals, the 5-minute series, each message active in the
window with its components, and the 24-hour breakdowns, for the page and the asset's metadata.

The window ends with the bucket holding now. When no event falls in it but the buckets (48 h)
hold older ones, it ends with the latest bucket instead and says so (``anchored_to_latest_event``):
a quiet night still shows the last 24 hours of activity, labelled with their end.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import pandas as pd
import sqlalchemy as sa

from engagement_pipeline.lib.live.buckets import KEY, ensure_live_tables
from engagement_pipeline.lib.live.window import LIVE_BREAKDOWNS, LIVE_STATS, LiveWindow, utc_now

MESSAGE = ["message_kind", "message_id"]
TOP = 10


@dataclass
class MessageView:
    kind: str
    message_id: str
    name: str
    anchor: str
    totals: dict[str, int]
    components: pd.DataFrame
    breakdowns: dict[str, pd.DataFrame]
    series: pd.DataFrame


@dataclass
class LiveView:
    window: LiveWindow
    generated_at: datetime
    totals: dict[str, int]
    series: pd.DataFrame
    messages: list[MessageView] = field(default_factory=list)
    breakdowns: dict[str, pd.DataFrame] = field(default_factory=dict)
    files_applied_24h: int = 0
    last_applied_at: datetime | None = None


def read_live_view(engine: sa.Engine, *, now: datetime | None = None) -> LiveView:
    now = now or utc_now()
    with engine.begin() as conn:
        ensure_live_tables(conn)
        window = _window(conn, now)
        params = {"start": window.start, "end": window.end}
        buckets = _frame(
            conn,
            "select b.*, n.message_name, n.variation_name, n.step_name from live_buckets as b left join live_names as n"
            " using (message_kind, message_id, variation_id, step_id) where b.bucket_at >= :start and b.bucket_at < :end",
            params,
        )
        breakdowns = _frame(
            conn,
            "select message_kind, message_id, channel, dimension, value, stat, sum(events) as events from live_breakdowns"
            " where bucket_at >= :start and bucket_at < :end group by message_kind, message_id, channel, dimension, value, stat",
            params,
        )
        files = conn.execute(
            sa.text("select count(*) as n, max(applied_at) as last from live_files where applied_at >= :since"),
            {"since": now - (window.end - window.start)},
        ).one()
    for stat in LIVE_STATS:
        buckets[stat] = pd.to_numeric(buckets[stat]).fillna(0).astype("int64") if len(buckets) else pd.Series(dtype="int64")
    view = LiveView(
        window=window,
        generated_at=now,
        totals={stat: int(buckets[stat].sum()) for stat in LIVE_STATS},
        series=_series(buckets, window),
        breakdowns=_breakdowns(breakdowns),
        files_applied_24h=int(files.n),
        last_applied_at=files.last,
    )
    view.messages = _messages(buckets, breakdowns, window)
    return view


def _window(conn: sa.Connection, now: datetime) -> LiveWindow:
    window = LiveWindow.ending_at(now)
    inside = conn.execute(
        sa.text("select count(*) from live_buckets where bucket_at >= :start and bucket_at < :end"),
        {"start": window.start, "end": window.end},
    ).scalar_one()
    latest = conn.execute(sa.text("select max(bucket_at) from live_buckets where bucket_at < :end"), {"end": window.end}).scalar_one()
    if inside or latest is None:
        return window
    return LiveWindow.ending_at(pd.Timestamp(latest).to_pydatetime(), anchored_to_latest_event=True)


def _frame(conn: sa.Connection, sql: str, params: dict) -> pd.DataFrame:
    result = conn.execute(sa.text(sql), params)
    return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def _series(buckets: pd.DataFrame, window: LiveWindow) -> pd.DataFrame:
    """One row per bucket of the window (zeros where nothing happened), every live stat."""
    index = pd.DatetimeIndex(window.buckets(), name="bucket_at")
    if buckets.empty:
        return pd.DataFrame(0, index=index, columns=list(LIVE_STATS)).reset_index()
    sums = buckets.assign(bucket_at=pd.to_datetime(buckets["bucket_at"])).groupby("bucket_at")[list(LIVE_STATS)].sum()
    return sums.reindex(index, fill_value=0).astype("int64").reset_index()


def _breakdowns(rows: pd.DataFrame, top: int | None = TOP) -> dict[str, pd.DataFrame]:
    """Per dimension, one row per value (per channel for error codes and abort types), a column per stat."""
    out = {}
    for dimension, stats in LIVE_BREAKDOWNS:
        part = rows[rows["dimension"] == dimension] if len(rows) else rows
        keys = ["value"] if dimension in ("recipient_domain", "push_platform") else ["channel", "value"]
        if part.empty:
            out[dimension] = pd.DataFrame(columns=[*keys, *stats])
            continue
        wide = part.assign(events=pd.to_numeric(part["events"])).pivot_table(
            index=keys, columns="stat", values="events", aggfunc="sum", fill_value=0
        )
        wide = wide.reindex(columns=list(stats), fill_value=0).astype("int64").reset_index()
        wide = wide.assign(_total=wide[list(stats)].sum(axis=1)).sort_values(["_total", *keys], ascending=[False] + [True] * len(keys))
        out[dimension] = wide.drop(columns="_total").head(top if top else len(wide)).reset_index(drop=True)
    return out


def _messages(buckets: pd.DataFrame, breakdowns: pd.DataFrame, window: LiveWindow) -> list[MessageView]:
    """Each message (campaign or Canvas) with an event in the window, most sent first."""
    if buckets.empty:
        return []
    views = []
    for (kind, message_id), rows in buckets.groupby(MESSAGE, sort=False):
        names = rows["message_name"].dropna()
        components = (
            rows.groupby([c for c in KEY if c not in MESSAGE] + ["variation_name", "step_name"], dropna=False)[list(LIVE_STATS)]
            .sum()
            .reset_index()
            .sort_values(["variation_id", "step_id", "channel"])
        )
        mine = (
            breakdowns[(breakdowns["message_kind"] == kind) & (breakdowns["message_id"] == message_id)] if len(breakdowns) else breakdowns
        )
        views.append(
            MessageView(
                kind=kind,
                message_id=message_id,
                name=str(names.iloc[0]) if len(names) else message_id,
                anchor=f"{kind}-{message_id}",
                totals={stat: int(rows[stat].sum()) for stat in LIVE_STATS},
                components=components.astype(object).where(components.notna(), None),
                breakdowns=_breakdowns(mine),
                series=_series(rows, window),
            )
        )
    return sorted(views, key=lambda v: (-v.totals["sent"], v.kind, v.message_id))


def hourly(series: pd.DataFrame) -> pd.DataFrame:
    """A 5-minute series summed per hour (the first and last hour of the window may be partial)."""
    frame = series.assign(hour=series["bucket_at"].dt.floor("h")).groupby("hour", as_index=False)[list(LIVE_STATS)].sum()
    return frame.rename(columns={"hour": "bucket_at"})
