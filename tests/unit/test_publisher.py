"""PutEvents batching within EventBridge's limits: 10 entries and 256 KB a call, as it counts sizes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from operations_api.events import publisher
from operations_api.events.changes import STATUS_CHANGED, ChangeEvent
from tests.support.change_events import use_bus


@pytest.fixture
def bus() -> Iterator[None]:
    use_bus("bus-a")
    yield
    use_bus("")


def an_entry(detail_bytes: int = 10) -> dict[str, str]:
    return {"Source": "operations-api", "DetailType": STATUS_CHANGED, "Detail": "x" * detail_bytes}


def test_an_entry_is_sized_as_eventbridge_counts_it() -> None:
    entry = {**an_entry(100), "Time": 1.0, "Resources": ["arn:a"]}
    assert publisher.entry_size(entry) == 14 + len("operations-api") + len(STATUS_CHANGED) + 100 + 5
    assert publisher.entry_size({**an_entry(0), "Detail": "é"}) == 14 + 24 + 2, "UTF-8 bytes, not characters"


@pytest.mark.parametrize(("count", "calls"), [(1, [1]), (10, [10]), (11, [10, 1]), (100, [10] * 10)])
def test_at_most_ten_entries_a_call(count: int, calls: list[int]) -> None:
    assert [len(group) for group in publisher.calls([an_entry()] * count)] == calls


def test_at_most_256_kb_a_call() -> None:
    entries = [an_entry(100 * 1024)] * 5
    groups = list(publisher.calls(entries))
    assert [len(group) for group in groups] == [2, 2, 1]
    for group in groups:
        assert sum(publisher.entry_size(entries[index]) for index in group) <= publisher.MAX_BYTES_PER_CALL
    assert [index for group in groups for index in group] == list(range(5)), "in order, each once"


def test_an_entry_goes_on_the_settings_bus_with_its_time(bus: None) -> None:
    event = ChangeEvent(STATUS_CHANGED, {"operation_id": "op-1", "status": "executing"}, 1795329780.0)
    assert publisher.entry(event) == {
        "EventBusName": "bus-a",
        "Source": "operations-api",
        "DetailType": STATUS_CHANGED,
        "Detail": '{"operation_id":"op-1","status":"executing"}',
        "Time": 1795329780.0,
    }


def test_without_a_bus_name_nothing_is_published() -> None:
    use_bus("")
    with pytest.raises(RuntimeError, match="EVENT_BUS_NAME"):
        publisher.entry(ChangeEvent(STATUS_CHANGED, {}, None))
