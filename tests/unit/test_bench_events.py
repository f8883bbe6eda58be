"""The change-events benchmark's logic on a tiny input (no timing is asserted)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from devtools import bench_events, local_events
from tests.change_events_support import use_bus


@pytest.fixture
def bench_bus() -> Iterator[None]:
    use_bus(bench_events.BUS)
    yield
    use_bus("")


def test_the_batch_is_of_distinct_operations_each_once(bench_bus: None) -> None:
    records = local_events.creations(3)
    entries = bench_events.entries_of(records)
    assert [entry["EventBusName"] for entry in entries] == [bench_events.BUS] * 3
    assert len({entry["Detail"] for entry in entries}) == 3
    assert len({record["dynamodb"]["SequenceNumber"] for record in records}) == 3


def test_the_report_states_every_figure() -> None:
    cold = [
        {
            "environment": "source",
            "handler_ms": 120.4,
            "floor_ms": 100.0,
            "ratio": 1.2,
            "ratio_quartiles": [1.1, 1.3],
            "modules": 400,
            "handler_instructions": 1_200_000_000,
            "floor_instructions": 1_000_000_000,
        }
    ]
    warm = {
        "records": 100,
        "batch_ms": 50.0,
        "floor_ms": 40.0,
        "ratio": 1.25,
        "events_per_second": 2000.0,
        "floor_events_per_second": 2500.0,
        "put_events_calls": 10,
    }
    markdown = bench_events.report(cold, warm)
    assert "| source | 120 | 100 | 1.20 (1.10 to 1.30) | 1,200 M / 1,000 M (1.20) | 400 |" in markdown
    assert "| 50.0 | 40.0 | 1.25 | 2,000 | 2,500 | 10 |" in markdown
