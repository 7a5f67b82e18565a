"""A run's window is cut into chunks of consecutive days by their event counts."""

from datetime import date, timedelta

import pytest

from engagement_pipeline.lib.models.chunks import chunk_window

D = date(2026, 3, 1)


def days(*counts: int) -> dict[date, int]:
    return {D + timedelta(days=i): count for i, count in enumerate(counts) if count}


@pytest.mark.parametrize(
    ("counts", "limit", "expected"),
    [
        ((5, 5, 5), 100, [(0, 3)]),  # small days share one chunk
        ((60, 60, 60), 100, [(0, 1), (1, 2), (2, 3)]),
        ((40, 40, 40, 40), 100, [(0, 2), (2, 4)]),
        ((500, 10, 10), 100, [(0, 1), (1, 3)]),  # a day above the limit is a chunk of its own
        ((0, 0, 90, 0, 90), 100, [(0, 4), (4, 5)]),  # empty days ride along
        ((0, 0), 100, [(0, 2)]),
    ],
)
def test_chunks_cover_the_window_and_hold_at_most_the_limit(counts, limit, expected):
    chunks = chunk_window(D, D + timedelta(days=len(counts)), days(*counts), limit)

    assert chunks == [(D + timedelta(days=a), D + timedelta(days=b)) for a, b in expected]
