"""The numbers of one campaign (or Canvas) report page, gathered for every message of a report at once.

Headline stats and the variant (or Canvas variation and step) rows come from ``query_stats``,
the query the CSV files are made from, over the report's whole time frame as one period: a page
shows what a ``total`` CSV of the same frame holds, and rates follow the metric contract
(``stat_value``). Breakdowns and series come from ``page_sql`` (event-level, exact in the
report's time zone). ``reactivity`` is the contract's ``click_to_open_rate`` (Adobe's name).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd
import sqlalchemy as sa

from engagement_pipeline.lib.reports import page_sql
from engagement_pipeline.lib.reports.metrics import stat_value
from engagement_pipeline.lib.reports.names import Names
from engagement_pipeline.lib.reports.page_sql import Window
from engagement_pipeline.lib.reports.periods import Period
from engagement_pipeline.lib.reports.query import LEVELS, query_stats
from engagement_pipeline.lib.reports.stats import CHANNELS, MessageKind, base_stats_needed, stats_for_channels

BREAKDOWNS = {
    "domains": page_sql.DOMAINS,
    "links": page_sql.LINKS,
    "platforms": page_sql.PLATFORMS,
    "errors": page_sql.ERRORS,
    "bounces": page_sql.BOUNCES,
}
TOP_LINKS = 10


@dataclass(frozen=True)
class Variant:
    """One variant (campaign) or Canvas variation and step, on one channel, with its stats."""

    label: str
    channel: str
    stats: dict[str, int | float | None]


@dataclass(frozen=True)
class PageData:
    """Everything one page shows; ``totals[channel][stat]`` holds the CSV's values for the whole frame."""

    kind: MessageKind
    message_id: str
    name: str
    window: Window
    channels: tuple[str, ...]
    totals: dict[str, dict[str, int | float | None]]
    variants: tuple[Variant, ...]
    series: pd.DataFrame
    breakdowns: dict[str, pd.DataFrame] = field(default_factory=dict)

    def rows(self, name: str, **equal: str) -> list[dict]:
        """The rows of breakdown ``name`` (optionally where column == value), as dicts."""
        frame = self.breakdowns[name]
        for column, value in equal.items():
            frame = frame[frame[column] == value]
        return [{k: None if _missing(v) else v for k, v in row.items()} for row in frame.to_dict("records")]


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def _values(stats: Sequence[str], channel: str, row: dict) -> dict[str, int | float | None]:
    counts = {k: int(v) for k, v in row.items() if isinstance(v, int | float) and not pd.isna(v)}
    return {s: stat_value(s, channel, counts) for s in stats}


def _stats_of(kind: MessageKind, channel: str) -> list[str]:
    return stats_for_channels([channel], kind) if channel in CHANNELS else []


def _headlines(
    conn: sa.Connection, kind: MessageKind, level: str, ids: Sequence[str], window: Window, channels: Sequence[str]
) -> pd.DataFrame:
    """The report query's rows (message, or variant / step, × channel) for the whole window as one period."""
    stats = base_stats_needed(stats_for_channels(channels, kind), channels)
    frame = query_stats(conn, LEVELS[(kind, level)], ids, [Period(window.first, window.last)], stats, window.timezone)
    return frame[frame["channel"].isin(CHANNELS)]


def _variant_label(kind: MessageKind, names: Names, row: dict) -> str:
    _, variation, step = names.lookup(kind, row["message_id"], row["variation_id"], row["step_id"])
    if kind == "campaign":
        return variation or row["variation_id"] or "(no variant)"
    return " / ".join(filter(None, [variation or row["variation_id"], step or row["step_id"]])) or "(no step)"


def _variants(kind: MessageKind, frame: pd.DataFrame, names: Names) -> list[Variant]:
    rows = frame.to_dict("records")
    variants = [
        Variant(_variant_label(kind, names, r), r["channel"], _values(_stats_of(kind, r["channel"]), r["channel"], r)) for r in rows
    ]
    return sorted(variants, key=lambda v: (v.label, v.channel))


def gather_pages(
    conn: sa.Connection,
    kind: MessageKind,
    ids: Sequence[str],
    channels: Sequence[str],
    window: Window,
    names: Names,
    *,
    count_bot_clicks: bool = False,
) -> list[PageData]:
    """One ``PageData`` per message of ``ids`` with events in the window (a few queries for all of them)."""
    if not ids:
        return []
    channels = [c for c in channels if c in CHANNELS]
    detail = "variant" if kind == "campaign" else "step"
    totals = _headlines(conn, kind, kind, ids, window, channels)
    details = _headlines(conn, kind, detail, ids, window, channels)
    found = {name: page_sql.breakdown(conn, sql, kind, ids, window, count_bot_clicks) for name, sql in BREAKDOWNS.items()}
    series = page_sql.series(conn, kind, ids, window)
    pages = []
    for message_id in sorted(set(totals["message_id"])):
        mine = totals[totals["message_id"] == message_id].to_dict("records")
        used = tuple(c for c in CHANNELS if c in {r["channel"] for r in mine})
        pages.append(
            PageData(
                kind=kind,
                message_id=message_id,
                name=names.messages.get((kind, message_id), "") or message_id,
                window=window,
                channels=used,
                totals={r["channel"]: _values(_stats_of(kind, r["channel"]), r["channel"], r) for r in mine},
                variants=tuple(_variants(kind, details[details["message_id"] == message_id], names)),
                series=series[series["message_id"] == message_id],
                breakdowns={name: frame[frame["message_id"] == message_id] for name, frame in found.items()},
            )
        )
    return pages


def top_links(page: PageData) -> list[dict]:
    """The ten most clicked URLs (then by URL), each with its share of the message's counted clicks."""
    rows = sorted(page.rows("links"), key=lambda r: (-r["clicks"], r["url"]))
    total = sum(r["clicks"] for r in rows)
    return [r | {"share": r["clicks"] / total if total else None} for r in rows[:TOP_LINKS]]
