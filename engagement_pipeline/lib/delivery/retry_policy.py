"""Automatic retries of report emails after a transient SMTP failure, driven by the schedule sensor.

A transient failure (connection refused, timeout, a 4xx answer: see ``lib/delivery/mailer.py``) leaves
the delivery ``retrying`` and its run tagged ``delivery/status = retrying`` with
``delivery/next_attempt_at``. The next attempt waits as long as the delivery has been failing,
at least ``FIRST_DELAY`` and at most ``MAX_DELAY`` (1, 2, 4, 8 ... minutes, then hourly); the
last one is made when the retry window (ENGAGEMENT_DELIVERY_RETRY_HOURS after the first failure)
ends, and if it fails too the delivery is ``failed``. On each tick the sensor requests a new run
for every due key whose newest run is a finished ``retrying`` one whose time has come, with run
key ``<due_key>:retry-<n>`` (n = the failed runs of that due key so far). Unlike a hold, a
retrying delivery is retried even when a later due time of the report went out meanwhile.
"""

from __future__ import annotations

from datetime import datetime, timedelta

FIRST_DELAY = timedelta(minutes=1)
MAX_DELAY = timedelta(hours=1)
RECENT_RUNS = 200


def next_attempt(failing_since: datetime, now: datetime, window: timedelta) -> datetime | None:
    """When to try again after a transient failure at ``now``; None once the window is over."""
    deadline = failing_since + window
    if now >= deadline:
        return None
    wait = min(max(now - failing_since, FIRST_DELAY), MAX_DELAY)
    return min(now + wait, deadline)
