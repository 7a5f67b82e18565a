"""Which periods of a report email's chart are partial: those not over on the report's as-of day."""

from __future__ import annotations

from datetime import date

import pytest

from engagement_pipeline.lib.delivery.summary import first_partial
from engagement_pipeline.lib.reports.periods import split_periods
from engagement_pipeline.lib.reports.spec import Interval

TODAY = date(2026, 12, 2)


@pytest.mark.parametrize(
    ("start", "end", "interval", "partial_from"),
    [
        (date(2026, 11, 5), TODAY, Interval(kind="weeks"), date(2026, 11, 30)),
        (date(2026, 11, 3), TODAY, Interval(kind="daily"), TODAY),
        (date(2026, 10, 1), date(2026, 12, 31), Interval(kind="total"), date(2026, 10, 1)),
        (date(2026, 10, 1), date(2026, 12, 31), Interval(kind="monthly"), date(2026, 12, 1)),
        (date(2026, 10, 1), date(2026, 10, 31), Interval(kind="daily"), None),
    ],
    ids=["last-week-has-3-days", "today", "total-still-running", "this-month", "range-in-the-past"],
)
def test_the_period_holding_the_as_of_day_and_later_ones_are_partial(start, end, interval, partial_from) -> None:
    assert first_partial(split_periods(start, end, interval), TODAY) == partial_from
