"""The live view's clock: 5-minute buckets, the 24-hour window shown and the 48 hours kept.

All times are naive UTC, as the warehouse stores them. The window is the 288 buckets ending with
the one that holds its anchor (normally now): from floor5(anchor) - 23 h 55 min to
floor5(anchor) + 5 min, end exclusive. Buckets are kept for 48 hours (``RETENTION``), enough to
reconcile a whole UTC day with the daily rollups once it is built; events older than that when
their file is applied never enter.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

BUCKET = timedelta(minutes=5)
WINDOW = timedelta(hours=24)
RETENTION = timedelta(hours=48)

# The stats the live view counts (contract names, ../shared/notes/metrics.md), in display order.
LIVE_STATS = (
    "sent",
    "delivered",
    "bounces",
    "soft_bounces",
    "opens",
    "direct_opens",
    "clicks",
    "unsubscribes",
    "reported_spam",
    "impressions",
    "aborts",
    "errors",
    "rejected",
    "delivery_failed",
    "failed",
)
# The AJO 24-hour breakdowns: dimension -> the stats counted per value.
LIVE_BREAKDOWNS = (
    ("recipient_domain", ("sent", "delivered", "bounces", "soft_bounces", "opens", "clicks", "unsubscribes", "reported_spam")),
    ("push_platform", ("sent", "bounces", "direct_opens")),
    ("error_code", ("rejected", "delivery_failed", "errors", "failed")),
    ("abort_type", ("aborts",)),
)


def utc_now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def naive_utc(at: datetime) -> datetime:
    return at.astimezone(timezone.utc).replace(tzinfo=None) if at.tzinfo else at


def floor_bucket(at: datetime) -> datetime:
    """The start of the 5-minute bucket holding ``at``."""
    at = naive_utc(at)
    return at.replace(minute=at.minute - at.minute % 5, second=0, microsecond=0)


def retention_cutoff(now: datetime) -> datetime:
    """The first instant kept: bucket-aligned, so a bucket is never half kept."""
    return floor_bucket(now) - RETENTION


@dataclass(frozen=True)
class LiveWindow:
    start: datetime
    end: datetime
    anchor: datetime
    anchored_to_latest_event: bool = False

    @classmethod
    def ending_at(cls, anchor: datetime, *, anchored_to_latest_event: bool = False) -> LiveWindow:
        end = floor_bucket(anchor) + BUCKET
        return cls(end - WINDOW, end, naive_utc(anchor), anchored_to_latest_event)

    def buckets(self) -> list[datetime]:
        return [self.start + i * BUCKET for i in range(int(WINDOW / BUCKET))]
