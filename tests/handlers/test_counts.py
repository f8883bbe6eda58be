"""GET /v1/operation-counts through its handler, with events/count_operations.json
(docs/api.md, "Counting operations"), on moto's fleet table seeded with the counters the loop keeps."""

from __future__ import annotations

import random
from collections.abc import Callable
from types import ModuleType
from typing import Any
from unittest import mock

import pytest

from operations_api import store
from operations_api.record.rules import STATUSES
from tests.support.events import load_event
from tests.support.fleet import FLEET_NOW, counter_items, put_items, recount
from tests.support.handlers import invoker
from tests.support.listing import answer_of, query_event, service_settings
from tests.support.records import record_for

CountCall = Callable[[str], tuple[int, dict[str, Any]]]
ZERO = {
    "in_progress": {"unexecuted": 0, "executing": 0},
    "finished": {"completed": 0, "failed": 0, "canceled": 0},
}


@pytest.fixture
def counts(fleet: Any, count_handler: ModuleType) -> CountCall:
    invoke = invoker(count_handler)
    return lambda raw_query: answer_of(invoke(query_event("count_operations", raw_query)))


def at(operation_id: str, status: str, time: str) -> dict[str, Any]:
    return record_for(operation_id, status=status, last_update_time=time, occurred_time="20261101_000000")


def test_the_event_fixture_counts_the_last_24_hours(fleet: Any, counts: CountCall) -> None:
    records = [
        at("running", "executing", "20261122_064500"),
        at("waiting", "unexecuted", "20261001_000000"),  # in progress counts whatever its time
        at("done", "completed", "20261121_070000"),  # 06:45 yesterday is in the window's first hour: 07:00
        at("too-old", "failed", "20261121_065959"),
    ]
    put_items(fleet, counter_items(records))
    status, answer = counts(load_event("count_operations")["rawQueryString"])
    assert (status, answer) == (
        200,
        {
            "in_progress": {"unexecuted": 1, "executing": 1},
            "finished": {"completed": 1, "failed": 0, "canceled": 0},
            "hours": 24,
        },
    )


def test_no_operation_counts_zero_in_every_status(counts: CountCall) -> None:
    assert counts("") == (200, {**ZERO, "hours": 24})


def test_one_operation_counts_once_in_its_status(fleet: Any, counts: CountCall) -> None:
    put_items(fleet, counter_items([at("op-1", "failed", "20261122_060000")]))
    status, answer = counts("hours=1")
    assert status == 200
    assert answer == {**ZERO, "finished": {"completed": 0, "failed": 1, "canceled": 0}, "hours": 1}


def test_a_thousand_operations_over_hours_and_shards_count_as_a_recount(
    fleet: Any, counts: CountCall, requests_sent: list[str]
) -> None:
    draw = random.Random(29)  # noqa: S311 (a reproducible workload, not a secret)
    records = [
        at(f"op-{n}", draw.choice(STATUSES), _time(FLEET_NOW + draw.randint(-60 * 3_600, 3 * 3_600)))
        for n in range(1_000)
    ]
    put_items(fleet, counter_items(records))
    for hours in (1, 24, 48, 720):
        requests_sent.clear()
        assert counts(f"hours={hours}") == (200, recount(records, FLEET_NOW, hours))
        assert requests_sent == ["Query"] * 8, "one Query per counts shard, whatever the operations"
    assert sum(recount(records, FLEET_NOW, 720)["finished"].values()) > sum(
        recount(records, FLEET_NOW, 1)["finished"].values()
    )


@pytest.mark.parametrize(
    ("hours", "counted", "not_counted"),
    [
        (24, "20261121_070000", "20261121_065959"),  # the first hour of the window, and the second before
        (1, "20261122_060000", "20261122_055959"),
        (1, "20261122_065959", "20261122_070000"),  # the current hour's last second, and the next hour
    ],
)
def test_the_window_is_whole_hours_up_to_the_current_one(
    fleet: Any, counts: CountCall, hours: int, counted: str, not_counted: str
) -> None:
    put_items(fleet, counter_items([at("in", "canceled", counted), at("out", "canceled", not_counted)]))
    status, answer = counts(f"hours={hours}")
    assert status == 200
    assert answer["finished"] == {"completed": 0, "failed": 0, "canceled": 1}


@pytest.mark.parametrize("hours", ["1", "720", "0024"])
def test_hours_from_1_to_720_are_accepted(counts: CountCall, hours: str) -> None:
    assert counts(f"hours={hours}") == (200, {**ZERO, "hours": int(hours)})


@pytest.mark.parametrize(
    "raw_query",
    [
        "hours=0",
        "hours=721",
        "hours=1.5",
        "hours=abc",
        "hours=",
        "hours=-1",
        "hours=%D9%A3",
        "hours=99999",
        "hours=1&hours=2",
        "hours=1&hours=1",
    ],
)
def test_a_bad_or_repeated_hours_is_a_400_naming_hours(counts: CountCall, raw_query: str) -> None:
    status, problem = counts(raw_query)
    assert status == 400
    assert problem["code"] == "VALIDATION_ERROR"
    assert [error["parameter"] for error in problem["errors"]] == ["hours"]


def test_an_unknown_parameter_is_a_400_naming_it(counts: CountCall) -> None:
    status, problem = counts("hours=2&cluster=a&status=failed")
    assert status == 400
    assert [error["parameter"] for error in problem["errors"]] == ["cluster", "status"]
    assert "hours" in problem["errors"][0]["detail"]


def test_hours_longer_than_the_retention_is_a_400_naming_hours(counts: CountCall) -> None:
    with service_settings(RETENTION_DAYS="1"):
        assert counts("hours=24") == (200, {**ZERO, "hours": 24})
        status, problem = counts("hours=25")
    assert status == 400
    (error,) = problem["errors"]
    assert error["parameter"] == "hours"
    assert "from 1 to 24" in error["detail"]
    assert "retention" in error["detail"]


def test_a_store_that_cannot_answer_is_a_503(counts: CountCall) -> None:
    with mock.patch.object(store, "query", side_effect=store.StoreUnavailable()):
        status, problem = counts("")
    assert status == 503
    assert problem["code"] == "STORE_UNAVAILABLE"


def _time(epoch: int) -> str:
    import time

    return time.strftime("%Y%m%d_%H%M%S", time.gmtime(epoch))
