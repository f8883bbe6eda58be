"""The counts' rules in isolation (docs/api.md, "Counting operations"): the window, `hours`, the items."""

from __future__ import annotations

import pytest

from operations_api.fleet import counts
from operations_api.listing.index import epoch_seconds
from operations_api.problems import Problem


@pytest.mark.parametrize(
    ("now", "hours", "first", "last"),
    [
        ("20261122_064514", 24, "2026112107", "2026112206"),
        ("20261122_060000", 1, "2026112206", "2026112206"),  # the hour's first second is in it
        ("20261122_055959", 1, "2026112205", "2026112205"),
        ("20260301_003000", 2, "2026022823", "2026030100"),  # across a month's end
        ("20261122_064514", 720, "2026102307", "2026112206"),
    ],
)
def test_the_window_is_the_current_hour_and_the_hours_before(
    now: str, hours: int, first: str, last: str
) -> None:
    assert counts.window(epoch_seconds(now), hours) == (first, last)


@pytest.mark.parametrize(
    ("raw_query", "hours"), [("", 24), ("hours=1", 1), ("hours=720", 720), ("hours=0720", 720)]
)
def test_hours_is_read_from_the_query(raw_query: str, hours: int) -> None:
    assert counts.parse_hours(raw_query, retention_days=0) == hours


@pytest.mark.parametrize(("retention_days", "limit"), [(1, 24), (29, 696), (30, 720), (365, 720)])
def test_the_retention_bounds_hours(retention_days: int, limit: int) -> None:
    assert counts.parse_hours(f"hours={limit}", retention_days) == limit
    with pytest.raises(Problem) as refused:
        counts.parse_hours(f"hours={limit + 1}", retention_days)
    (error,) = refused.value.errors
    assert error["parameter"] == "hours"
    assert f"from 1 to {limit}" in error["detail"]


def test_every_fault_of_the_query_is_told_at_once() -> None:
    with pytest.raises(Problem) as refused:
        counts.parse_hours("hours=0&since=1&hours=3", retention_days=0)
    assert [error["parameter"] for error in refused.value.errors] == ["hours", "since"]
