"""The list's reads (docs/api.md, "Listing operations"): parallel Queries on the sharded index, merged.

A page asks each shard (`<status>#<n>`) of the statuses wanted for its newest items, from where the page
token says that shard stands, all at once in threads. The shards' answers are merged in the index's order
(its sort key is the list's order, `list_index.order_key`); an item is taken only while every shard that
may hold more has an item waiting, so the merge is exact. A shard that runs dry before the page is full is
asked again, for its share of what is missing (plus one: the look-ahead), as if the shards still
open held it evenly. Once the page is full, one more item must be known
to exist before a next page is promised, so that no page with a next_page_token is ever empty.

Where each shard stands after the page: after its last item taken; where nothing was taken from it, where
it stood; where it ran out, nowhere (done). Items read but not taken are read again by the next page.
Never a Scan, never a record: the index projects only the summary and the expiry.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Final

from operations_api import store
from operations_api.fleet import layout as fleet_layout
from operations_api.listing.index import (
    EXPIRES_ATTRIBUTE,
    ORDER_ATTRIBUTE,
    SUMMARY_ATTRIBUTE,
    index_of,
    operation_id_of,
)
from operations_api.settings import get_settings

DONE: Final = False  # a shard's position once it has nothing more to give
Position = str | None | bool  # after this order key | from the newest (None) | DONE


@dataclass(frozen=True)
class TimeBounds:
    """`since` <= last_update_time < `before`, either open."""

    since: str | None = None
    before: str | None = None


@dataclass(frozen=True)
class Source:
    """Where a partition of a list lives: a table, maybe one of its indexes, and the partition's and the
    order's attributes. The list's partitions are the records' table's indexes; the list of one cluster's
    are the fleet table's (`fleet.layout.cluster_partition`), which holds the same order keys."""

    table_name: str
    index_name: str | None
    partition_attribute: str
    order_attribute: str


def source_of(key: str) -> Source:
    settings = get_settings()
    if fleet_layout.is_cluster_partition(key):
        return Source(settings.fleet_table_name, None, fleet_layout.PARTITION_KEY, fleet_layout.SORT_KEY)
    index_name, partition_attribute = index_of(key)
    return Source(settings.table_name, index_name, partition_attribute, ORDER_ATTRIBUTE)


@dataclass(frozen=True)
class Page:
    summaries: list[dict[str, Any]]
    positions: dict[str, Position]  # each shard's position for the next page
    has_more: bool
    requests: int
    items_read: int
    capacity_units: float


class _Shard:
    """One shard's reading during one page."""

    def __init__(self, key: str, start: str | None) -> None:
        self.key = key
        self.source = source_of(key)
        self.start = start
        self.resume = start  # the next Query starts after this order key (None: from the newest)
        self.more = True  # DynamoDB may hold more after `resume`
        self.waiting: deque[dict[str, Any]] = deque()  # read, live, not taken yet
        self.last_taken: str | None = None

    def position(self) -> Position:
        if self.waiting:
            return self.last_taken if self.last_taken is not None else self.start
        return self.resume if self.more else DONE

    def head_key(self) -> str:
        key: str = self.waiting[0][self.source.order_attribute]["S"]
        return key


@dataclass
class _Cost:
    requests: int = 0
    items_read: int = 0
    capacity_units: float = 0.0


@lru_cache(maxsize=1)
def query_executor() -> ThreadPoolExecutor:
    """Threads made once per process, on the first request that reads partitions at once (a list page,
    the counts)."""
    return ThreadPoolExecutor(max_workers=store.MAX_POOL_CONNECTIONS, thread_name_prefix="list-query")


def query_page(starts: dict[str, str | None], bounds: TimeBounds, page_size: int, now: float) -> Page:
    """A page of summaries from these shards (each from its start: after an order key, or the newest),
    newest first, of operations live at `now` and updated within `bounds`."""
    shards = [_Shard(key, start) for key, start in starts.items()]
    store.dynamodb_client()  # made here, once: the query threads below must not each make one at once
    cost = _Cost()
    summaries: list[dict[str, Any]] = []
    _read(shards, first_limit(page_size, len(shards)), bounds, now, cost)
    while len(summaries) < page_size:
        dry = [shard for shard in shards if shard.more and not shard.waiting]
        if dry:
            live = sum(1 for shard in shards if shard.more or shard.waiting)
            _read(dry, refill_limit(page_size - len(summaries), live), bounds, now, cost)
            continue
        ready = [shard for shard in shards if shard.waiting]
        if not ready:
            break
        newest = max(ready, key=_Shard.head_key)
        newest.last_taken = newest.head_key()
        summaries.append(summary_of(newest.waiting.popleft()))
    while not any(shard.waiting for shard in shards) and (dry := [s for s in shards if s.more]):
        _read(dry, 1, bounds, now, cost)  # does anything follow? (a Query may stop on a filtered item)
    return Page(
        summaries=summaries,
        positions={shard.key: shard.position() for shard in shards},
        has_more=any(shard.waiting for shard in shards),
        requests=cost.requests,
        items_read=cost.items_read,
        capacity_units=cost.capacity_units,
    )


def summary_of(item: dict[str, Any]) -> dict[str, Any]:
    """The summary an item holds; an item of one cluster's list adds that cluster's state to it."""
    summary: dict[str, Any] = store.from_attribute(item[SUMMARY_ATTRIBUTE])
    if fleet_layout.CLUSTER_ATTRIBUTE in item:
        summary["cluster"] = store.from_attribute(item[fleet_layout.CLUSTER_ATTRIBUTE])
    return summary


def first_limit(page_size: int, shards: int) -> int:
    """Each shard's first read: its even share of the page, and one look-ahead."""
    return page_size // max(shards, 1) + 1


def refill_limit(missing: int, live: int) -> int:
    """A dry shard's next read: its even share of what the page still misses, among the shards that may
    still give (no look-ahead again: the first read gave it)."""
    return math.ceil(missing / max(live, 1))


def _read(shards: Sequence[_Shard], limit: int, bounds: TimeBounds, now: float, cost: _Cost) -> None:
    """One Query per shard, at once; each shard's items join its queue."""
    if not shards:
        return
    responses = list(
        query_executor().map(lambda shard: store.query(_request(shard, limit, bounds, now)), shards)
    )
    for shard, response in zip(shards, responses, strict=True):
        items = response.get("Items", [])
        shard.waiting.extend(items)
        last = response.get("LastEvaluatedKey")
        shard.more = last is not None
        if last is not None:
            shard.resume = last[shard.source.order_attribute]["S"]
        cost.requests += 1
        cost.items_read += int(response.get("ScannedCount", len(items)))
        cost.capacity_units += float(response.get("ConsumedCapacity", {}).get("CapacityUnits", 0.0))


def _request(shard: _Shard, limit: int, bounds: TimeBounds, now: float) -> dict[str, Any]:
    source = shard.source
    names = {"#shard": source.partition_attribute, "#expires": EXPIRES_ATTRIBUTE}
    values: dict[str, Any] = {":shard": {"S": shard.key}, ":now": {"N": str(int(now))}}
    condition = "#shard = :shard"
    # An order key starts with its time, so `since` <= key for a time at or after `since`, and key <
    # `before` for a time before it (no key equals a bare time): BETWEEN's inclusive top is exact too.
    if bounds.since is not None:
        values[":since"] = {"S": bounds.since}
    if bounds.before is not None:
        values[":before"] = {"S": bounds.before}
    if bounds.since is not None and bounds.before is not None:
        condition += " AND #order BETWEEN :since AND :before"
    elif bounds.since is not None:
        condition += " AND #order >= :since"
    elif bounds.before is not None:
        condition += " AND #order < :before"
    if "#order" in condition:
        names["#order"] = source.order_attribute
    request: dict[str, Any] = {
        "TableName": source.table_name,
        "KeyConditionExpression": condition,
        "FilterExpression": "attribute_not_exists(#expires) OR #expires > :now",
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
        "ScanIndexForward": False,
        "Limit": limit,
        "ReturnConsumedCapacity": "TOTAL",
    }
    if source.index_name is not None:
        request["IndexName"] = source.index_name
    if shard.resume is not None:
        request["ExclusiveStartKey"] = {
            source.partition_attribute: {"S": shard.key},
            source.order_attribute: {"S": shard.resume},
        }
        if source.index_name is not None:  # an index's key holds the table's too
            request["ExclusiveStartKey"]["operation_id"] = {"S": operation_id_of(shard.resume)}
    return request
