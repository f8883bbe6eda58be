"""Suite "history": a page and a version of a 1,000-version history through `history.reading`, each against
one Query returning the same items, and the longest page token; the history written straight to the table
as the loop stores it (tests/support/history.py). docs/performance.md, "The history", says why.

Capacity twice: as the local DynamoDB reports it (moto's own count), and by DynamoDB's rule, from the size
of every item each request the read sent touches (`by_rule`), so that a request a read should not make (the
whole record's GetItem, priced by its size) shows whatever the stand-in charges."""

from __future__ import annotations

import math
from typing import Any, Final

import botocore.session

from devtools.bench.fresh import Requests, against_query, local_dynamodb, query_once, share
from operations_api import settings, store
from operations_api.history import layout, query, reading
from tests.support.history import versions_of, write_history

OPERATION: Final = "bench-history"
LONGEST_ID: Final = "i" * 128
LIFE: Final = "100000000000000000001"  # as write_history names it
VERSIONS: Final = 1000
READ_UNIT_BYTES: Final = 4096
UNPRICED: Final = ("ProjectionExpression", "ExpressionAttributeNames", "ReturnConsumedCapacity")
# (case, what is read): a page of 25 at the start and deep in, and a version at its checkpoint and at
# the most patches after one
CASES: Final = (
    ("page 1 of 25", "page", 1),
    ("page 20 of 25", "page", 20),
    ("version 497 (a checkpoint)", "version", 497),
    (f"version 496 ({layout.CHECKPOINT_EVERY - 1} patches after its checkpoint)", "version", 496),
)


def read(case: str, at: int) -> int:
    """The history read of a case; the entries it returned (1 for a version)."""
    if case == "version":
        reading.version_at(OPERATION, str(at))
        return 1
    first = (at - 1) * 25 + 1
    token = query.make_token(OPERATION, LIFE, first) if first > 1 else None
    raw_query = "page_size=25" + (f"&page_token={token}" if token else "")
    return len(reading.history_page(OPERATION, raw_query)["entries"])


def floor_items(case: str, at: int) -> tuple[int, int]:
    """The sequences one Query returns to answer the case: a page's 25, a version's from its checkpoint."""
    if case == "version":
        return layout.checkpoint_at_or_before(at), at
    first = (at - 1) * 25 + 1
    return first, first + 24


def entries_query(operation_id: str, first: int, last: int) -> dict[str, Any]:
    """The arguments of one Query of the history table returning an operation's entries first..last (of
    the life stored_history writes): a floor's call for a history read."""
    return {
        "TableName": settings.get_settings().history_table_name,
        "KeyConditionExpression": "#id = :id AND #position BETWEEN :first AND :last",
        "ExpressionAttributeNames": {"#id": layout.PARTITION_KEY, "#position": layout.SORT_KEY},
        "ExpressionAttributeValues": {
            ":id": {"S": operation_id},
            ":first": {"S": layout.chunk_position(LIFE, first, 0)},
            ":last": {"S": layout.chunk_position(LIFE, last, reading.LAST_CHUNK)},
        },
        "ConsistentRead": True,
    }


def read_units(size: int, consistent: bool) -> float:
    """DynamoDB's rule for a read: one unit per 4 KB (rounded up, at least one), half if eventually
    consistent. A Query sums its items' sizes first; a projection changes nothing."""
    return max(1, math.ceil(size / READ_UNIT_BYTES)) * (1.0 if consistent else 0.5)


def by_rule(client: Any, operation: str, request: dict[str, Any]) -> float:
    """The read units one request costs on DynamoDB: its items fetched whole again and sized."""
    consistent = bool(request.get("ConsistentRead"))
    if operation == "GetItem":
        found = client.get_item(TableName=request["TableName"], Key=request["Key"], ConsistentRead=True)
        return read_units(store.item_size(found.get("Item", {})), consistent)
    if operation == "Query":
        return read_units(sum(store.item_size(item) for item in _whole_items(client, request)), consistent)
    raise ValueError(f"no read rule for {operation}: a history read only gets items and queries")


def _whole_items(client: Any, request: dict[str, Any]) -> list[dict[str, Any]]:
    """The items one Query (one answer: from its ExclusiveStartKey, up to its Limit) reads, unprojected."""
    asked = {key: value for key, value in request.items() if key not in UNPRICED}
    conditions = request["KeyConditionExpression"] + request.get("FilterExpression", "")
    names = request.get("ExpressionAttributeNames", {})
    asked["ExpressionAttributeNames"] = {name: value for name, value in names.items() if name in conditions}
    items: list[dict[str, Any]] = client.query(**asked)["Items"]
    return items


def stored_history(client: Any, operation_id: str, versions: int) -> None:
    """The operation stored at the last of `versions` successive versions, with their history written as
    the loop stores it."""
    records = versions_of(operation_id, versions)
    store.put_operation(records[-1], "bench", store.VersionGuard())
    write_history(client, settings.get_settings().history_table_name, operation_id, records, life=LIFE)


def measure_case(
    client: Any, capacity: Requests, name: str, case: str, at: int, repeats: int
) -> dict[str, Any]:
    first, last = floor_items(case, at)

    def read_alone() -> int:  # what the read alone reported: the last one's capacity is the figure
        capacity.reset()
        return read(case, at)

    floor = entries_query(OPERATION, first, last)
    returned, timed = against_query(repeats, read_alone, lambda: query_once(client, **floor))
    history_units = sum(by_rule(client, operation, request) for operation, request in capacity.sent)
    floor_units = by_rule(client, "Query", floor)
    return {
        "case": name,
        "history_ms": timed["ms"],
        "floor_ms": timed["floor_ms"],
        "latency_ratio": timed["ratio"],
        "history_capacity": capacity.units,
        "floor_capacity": timed["floor_capacity"],
        "capacity_ratio": share(capacity.units, timed["floor_capacity"]),
        "history_units_by_rule": history_units,
        "floor_units_by_rule": floor_units,
        "units_ratio_by_rule": share(history_units, floor_units),
        "operations": [operation for operation, _ in capacity.sent],
        "requests": capacity.count,
        "floor_items": timed["floor_items"],
        "returned": returned,
    }


def measure(quick: bool) -> dict[str, Any]:
    versions, repeats = (500, 2) if quick else (VERSIONS, 30)
    cases = [(name, case, at) for name, case, at in CASES if (at * 25 if case == "page" else at) <= versions]
    with local_dynamodb("moto") as (endpoint, server):
        client = botocore.session.get_session().create_client("dynamodb", endpoint_url=endpoint)
        stored_history(client, OPERATION, versions)
        capacity = Requests(store.dynamodb_client())
        figures = [measure_case(client, capacity, *case, repeats) for case in cases]
    longest = query.make_token(LONGEST_ID, "9" * 40, 10**layout.SEQUENCE_DIGITS - 1)
    return {
        "server": server,
        "versions": versions,
        "repeats": repeats,
        "figures": figures,
        "token": len(longest),
    }
