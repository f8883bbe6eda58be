"""The counts (docs/api.md, "Counting operations"): how many operations are in progress, and finished lately.

The stream loop keeps them in the fleet table (`fleet.layout`): per counts shard, one item per in-progress
status (`i#<status>`) and one per hour and terminal status (`h#<YYYYMMDDhh>#<status>`). A read is one Query
per shard, all at once, from the window's first hour on: it returns that shard's hour items of the window
and, since `i#` sorts after every `h#`, its in-progress items. Hour items after the current hour (a
`last_update_time` in the future) are dropped. What a read costs depends on the window and the shard
count, never on the number of operations.
"""

from __future__ import annotations

import time
from typing import Any, Final, NamedTuple

from operations_api import problems, store
from operations_api.fleet import layout
from operations_api.listing.query import read_parameters
from operations_api.listing.shards import query_executor
from operations_api.record.rules import STATUSES, TERMINAL_STATUSES
from operations_api.settings import get_settings

HOURS: Final = "hours"
DEFAULT_HOURS: Final = 24
MAX_HOURS: Final = 720
PARAMETERS: Final = {
    HOURS: f"the finished counts' window in whole hours, the current hour and the hours before it, 1 to "
    f"{MAX_HOURS} (at most the retention period when one is set); default {DEFAULT_HOURS}",
}
IN_PROGRESS_STATUSES: Final = tuple(status for status in STATUSES if status not in TERMINAL_STATUSES)
FINISHED_STATUSES: Final = tuple(status for status in STATUSES if status in TERMINAL_STATUSES)
SECONDS_PER_HOUR: Final = 3_600


class Counts(NamedTuple):
    answer: dict[str, Any]
    requests: int
    capacity_units: float


class _Tally:
    __slots__ = ("by_key", "capacity_units", "requests")

    def __init__(self) -> None:
        self.by_key: dict[str, int] = {}
        self.requests, self.capacity_units = 0, 0.0


def count_operations(raw_query_string: str) -> Counts:
    """{"in_progress": {...}, "finished": {...}, "hours": h}, as the query asks; else a 400 problem."""
    hours = parse_hours(raw_query_string, get_settings().retention_days)
    first, last = window(store.now_seconds(), hours)
    store.dynamodb_client()  # made here, once: the threads below must not each make one at once
    try:
        tallies = list(
            query_executor().map(lambda shard: _read_shard(shard, first), range(layout.COUNT_SHARDS))
        )
    except store.StoreUnavailable:
        raise problems.store_unavailable(write=False) from None
    totals = dict.fromkeys(STATUSES, 0)
    for tally in tallies:
        for key, count in tally.by_key.items():
            status = _status_counted(key, last)
            if status is not None:
                totals[status] += count
    answer = {
        "in_progress": {status: totals[status] for status in IN_PROGRESS_STATUSES},
        "finished": {status: totals[status] for status in FINISHED_STATUSES},
        "hours": hours,
    }
    return Counts(
        answer,
        requests=sum(tally.requests for tally in tallies),
        capacity_units=sum(tally.capacity_units for tally in tallies),
    )


def parse_hours(raw_query_string: str, retention_days: int) -> int:
    """The window the query asks for; a 400 problem naming each parameter at fault."""
    faults: list[dict[str, str]] = []
    values = read_parameters(raw_query_string, PARAMETERS, faults, what="the counts")
    given = values.get(HOURS)
    hours = DEFAULT_HOURS
    if given is not None and len(given) == 1:
        limit = min(MAX_HOURS, retention_days * 24) if retention_days > 0 else MAX_HOURS
        text = given[0]
        if text.isascii() and text.isdigit() and len(text) <= 4 and 1 <= int(text) <= limit:
            hours = int(text)
        else:
            faults.append(problems.query_parameter_fault(HOURS, _hours_rule(limit, retention_days)))
    if faults:
        raise problems.invalid_query(faults)
    return hours


def _hours_rule(limit: int, retention_days: int) -> str:
    rule = f"must be a whole number of hours from 1 to {limit}"
    if limit < MAX_HOURS:
        rule += f" (the retention period is {retention_days} days: older operations are gone)"
    return rule


def window(now: float, hours: int) -> tuple[str, str]:
    """The window's first and last hour (YYYYMMDDhh, UTC): the current hour and the `hours`-1 before it."""
    current = int(now) // SECONDS_PER_HOUR * SECONDS_PER_HOUR
    first = current - (hours - 1) * SECONDS_PER_HOUR
    return _hour(first), _hour(current)


def _hour(epoch_seconds: int) -> str:
    return time.strftime("%Y%m%d%H", time.gmtime(epoch_seconds))


def _status_counted(sort_key: str, last_hour: str) -> str | None:
    """The status an item's count adds to, or None when it is outside the window (a later hour)."""
    if sort_key.startswith(layout.IN_PROGRESS_PREFIX):
        status = sort_key.removeprefix(layout.IN_PROGRESS_PREFIX)
        return status if status in IN_PROGRESS_STATUSES else None
    hour, _, status = sort_key.removeprefix(layout.FINISHED_PREFIX).partition("#")
    return status if status in FINISHED_STATUSES and hour <= last_hour else None


def _read_shard(shard: int, first_hour: str) -> _Tally:
    """Every item of one counts shard from the window's first hour on (pages, should one ever fill)."""
    tally = _Tally()
    request: dict[str, Any] = {
        "TableName": _fleet_table_name(),
        "KeyConditionExpression": "#pk = :pk AND #sk >= :first",
        "ProjectionExpression": "#sk, #count",
        "ExpressionAttributeNames": {
            "#pk": layout.PARTITION_KEY,
            "#sk": layout.SORT_KEY,
            "#count": layout.COUNT_ATTRIBUTE,
        },
        "ExpressionAttributeValues": {
            ":pk": {"S": layout.counts_partition(shard)},
            ":first": {"S": layout.FINISHED_PREFIX + first_hour},
        },
        "ReturnConsumedCapacity": "TOTAL",
    }
    while True:
        response = store.query(request)
        tally.requests += 1
        tally.capacity_units += float(response.get("ConsumedCapacity", {}).get("CapacityUnits", 0.0))
        for item in response.get("Items", []):
            key = item[layout.SORT_KEY]["S"]
            tally.by_key[key] = tally.by_key.get(key, 0) + int(item[layout.COUNT_ATTRIBUTE]["N"])
        if "LastEvaluatedKey" not in response:
            return tally
        request["ExclusiveStartKey"] = response["LastEvaluatedKey"]


def _fleet_table_name() -> str:
    name = get_settings().fleet_table_name
    if not name:
        raise RuntimeError("FLEET_TABLE_NAME is not set: it names the fleet table (counts, clusters)")
    return name


# --- what `make openapi` says of the route ---------------------------------------------------------


def _counts_of(statuses: tuple[str, ...], description: str) -> dict[str, Any]:
    return {
        "type": "object",
        "description": description,
        "required": list(statuses),
        "additionalProperties": False,
        "properties": {status: {"type": "integer", "minimum": 0} for status in statuses},
    }


COUNTS_SCHEMA: Final[dict[str, Any]] = {
    "type": "object",
    "required": ["in_progress", "finished", "hours"],
    "additionalProperties": False,
    "properties": {
        "in_progress": _counts_of(IN_PROGRESS_STATUSES, "operations now in each in-progress status"),
        "finished": _counts_of(
            FINISHED_STATUSES, "operations in each terminal status, last updated within the window"
        ),
        "hours": {"type": "integer", "minimum": 1, "maximum": MAX_HOURS, "description": "the window"},
    },
}
