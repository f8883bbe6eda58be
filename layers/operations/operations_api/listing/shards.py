"""The list's reads (docs/api.md, "Listing operations"): one Query per shard, at once, merged.

A page asks each shard (`<status>#<n>`) of the statuses wanted for its newest items after the page token's
position (an order key: every shard reads below it, so one position serves them all), in threads. Ids
hash evenly over the shards, so each is asked for its share of the page and the look-ahead item, with a
margin of 1.5 standard deviations of the share a hash gives it (`first_limit`; docs/design.md, "The list
at one Query per shard"). The answers are merged in the index's order (its sort key is the list's order,
`index.order_key`); an item is taken only while every shard that may hold more has an item waiting, so
the merge is exact. Only a shard that runs dry before the page is complete is asked again (a second
round), for its share of what is missing. Once the page is full, one more item must be known to exist
before a next page is promised, so that no page with a next_page_token is ever empty.

The next page resumes after the last item taken; items read but not taken are read again by it. Never a
Scan, never a record: the index projects only the summary and the expiry.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from typing import Any, Final, NamedTuple

from operations_api import store
from operations_api.fleet import layout as fleet_layout
from operations_api.listing.index import (
    EXPIRES_ATTRIBUTE,
    ORDER_ATTRIBUTE,
    SUMMARY_ATTRIBUTE,
    highest_key_below,
    index_of,
    oldest_live_time,
)
from operations_api.record.rules import TERMINAL_STATUSES
from operations_api.settings import get_settings

SPREADS: Final = 1.5  # the margin of a shard's read, in standard deviations of its share


class TimeBounds(NamedTuple):
    """`since` <= last_update_time < `before`, either open."""

    since: str | None = None
    before: str | None = None


class Source(NamedTuple):
    """Where a partition of a list lives: a table, maybe one of its indexes, and the partition's and the
    order's attributes. The list's partitions are the records' table's indexes; the list of one cluster's
    are the fleet table's (`fleet.layout.cluster_partition`), which holds the same order keys. The list's
    items carry their expiry; a cluster's are live by the current retention (`_live_filter`)."""

    table_name: str
    index_name: str | None
    partition_attribute: str
    order_attribute: str
    expiry_stored: bool = True


def source_of(key: str) -> Source:
    settings = get_settings()
    if fleet_layout.is_cluster_partition(key):
        keys = (fleet_layout.PARTITION_KEY, fleet_layout.SORT_KEY)
        return Source(settings.fleet_table_name, None, *keys, expiry_stored=False)
    index_name, partition_attribute = index_of(key)
    return Source(settings.table_name, index_name, partition_attribute, ORDER_ATTRIBUTE)


class Page(NamedTuple):
    summaries: list[dict[str, Any]]
    last_key: str | None  # the order key of the last summary: where the next page resumes
    has_more: bool
    requests: int
    rounds: int  # how many times shards were asked: 1 is one Query per shard
    items_read: int
    capacity_units: float


class _Shard:
    """One shard's reading during one page."""

    def __init__(self, key: str) -> None:
        self.key = key
        self.source = source_of(key)
        self.resume: dict[str, Any] | None = None  # the LastEvaluatedKey the next Query starts after
        self.more = True  # DynamoDB may hold more after `resume`
        self.waiting: deque[dict[str, Any]] = deque()  # read, live, not taken yet

    def head_key(self) -> str:
        key: str = self.waiting[0][self.source.order_attribute]["S"]
        return key


class _Cost:
    __slots__ = ("capacity_units", "items_read", "requests", "rounds")

    def __init__(self) -> None:
        self.requests, self.rounds, self.items_read, self.capacity_units = 0, 0, 0, 0.0


class _Range(NamedTuple):
    """The order keys a page may read: at or after `since`, at or below `top` (either open)."""

    since: str | None
    top: str | None


@lru_cache(maxsize=1)
def query_executor() -> ThreadPoolExecutor:
    """Threads made once per process, on the first request that reads partitions at once (a list page,
    the counts)."""
    return ThreadPoolExecutor(max_workers=store.MAX_POOL_CONNECTIONS, thread_name_prefix="list-query")


def query_page(
    keys: Sequence[str], after: str | None, bounds: TimeBounds, page_size: int, now: float
) -> Page:
    """A page of summaries from these shards, newest first, of operations live at `now`, updated within
    `bounds`, and after the order key `after` in the list (None: from the newest)."""
    shards = [_Shard(key) for key in keys]
    span = _range(after, bounds)
    store.dynamodb_client()  # made here, once: the query threads below must not each make one at once
    cost = _Cost()
    summaries: list[dict[str, Any]] = []
    last_key: str | None = None
    _read(shards, first_limit(page_size, len(shards)), span, now, cost)
    while len(summaries) < page_size:
        dry = [shard for shard in shards if shard.more and not shard.waiting]
        if dry:
            live = sum(1 for shard in shards if shard.more or shard.waiting)
            _read(dry, first_limit(page_size - len(summaries), live), span, now, cost)
            continue
        ready = [shard for shard in shards if shard.waiting]
        if not ready:
            break
        newest = max(ready, key=_Shard.head_key)
        last_key = newest.head_key()
        summaries.append(summary_of(newest.waiting.popleft()))
    while not any(shard.waiting for shard in shards) and (dry := [s for s in shards if s.more]):
        _read(dry, 1, span, now, cost)  # does anything follow? (a Query may stop on a filtered item)
    return Page(
        summaries=summaries,
        last_key=last_key,
        has_more=any(shard.waiting for shard in shards),
        requests=cost.requests,
        rounds=cost.rounds,
        items_read=cost.items_read,
        capacity_units=cost.capacity_units,
    )


def summary_of(item: dict[str, Any]) -> dict[str, Any]:
    """The summary an item holds; an item of one cluster's list adds that cluster's state to it."""
    summary: dict[str, Any] = store.from_attribute(item[SUMMARY_ATTRIBUTE])
    if fleet_layout.CLUSTER_ATTRIBUTE in item:
        summary["cluster"] = store.from_attribute(item[fleet_layout.CLUSTER_ATTRIBUTE])
    return summary


def first_limit(wanted: int, shards: int) -> int:
    """A shard's read for `wanted` items and the look-ahead among `shards`: its even share, and a margin
    of `SPREADS` standard deviations of the binomial count a hash gives one shard (none for one shard)."""
    shards = max(shards, 1)
    share = (wanted + 1) / shards
    spread = math.sqrt(wanted / shards * (1 - 1 / shards))
    return math.ceil(share + SPREADS * spread)


def _range(after: str | None, bounds: TimeBounds) -> _Range:
    # An order key starts with its time and is longer than a bare time: `since` <= key exactly for a time
    # at or after `since`, and key <= `before` exactly for a time before it.
    top = highest_key_below(after) if after is not None else bounds.before
    return _Range(bounds.since, top)


def _read(shards: Sequence[_Shard], limit: int, span: _Range, now: float, cost: _Cost) -> None:
    """One Query per shard, at once; each shard's items join its queue."""
    if not shards:
        return
    responses = list(
        query_executor().map(lambda shard: store.query(_request(shard, limit, span, now)), shards)
    )
    cost.rounds += 1
    for shard, response in zip(shards, responses, strict=True):
        items = response.get("Items", [])
        shard.waiting.extend(items)
        shard.resume = response.get("LastEvaluatedKey")
        shard.more = shard.resume is not None
        cost.requests += 1
        cost.items_read += int(response.get("ScannedCount", len(items)))
        cost.capacity_units += float(response.get("ConsumedCapacity", {}).get("CapacityUnits", 0.0))


def _live_filter(source: Source, now: float) -> tuple[str | None, dict[str, str], dict[str, Any]]:
    """The FilterExpression that hides expired operations, with its names and values (None: no filter).
    A list item holds its expiry; a cluster item is expired when it is finished with a `last_update_time`
    the current retention has passed (`index.oldest_live_time`), so a RetentionDays change applies at once
    and needs no rewrite of the cluster index. The key attributes cannot be filtered: the summary's are."""
    if source.expiry_stored:
        names = {"#expires": EXPIRES_ATTRIBUTE}
        values = {":now": {"N": str(int(now))}}
        return "attribute_not_exists(#expires) OR #expires > :now", names, values
    oldest = oldest_live_time(now, get_settings().retention_days)
    if oldest is None:
        return None, {}, {}
    finished = {f":finished{rank}": {"S": status} for rank, status in enumerate(TERMINAL_STATUSES)}
    names = {"#summary": SUMMARY_ATTRIBUTE, "#status": "status", "#updated": "last_update_time"}
    expression = f"NOT (#summary.#status IN ({', '.join(finished)})) OR #summary.#updated >= :oldest"
    return expression, names, {**finished, ":oldest": {"S": oldest}}


def _request(shard: _Shard, limit: int, span: _Range, now: float) -> dict[str, Any]:
    source = shard.source
    live, live_names, live_values = _live_filter(source, now)
    names = {"#shard": source.partition_attribute, **live_names}
    values: dict[str, Any] = {":shard": {"S": shard.key}, **live_values}
    condition = "#shard = :shard"
    if span.since is not None:
        values[":since"] = {"S": span.since}
    if span.top is not None:
        values[":top"] = {"S": span.top}
    if span.since is not None and span.top is not None:
        condition += " AND #order BETWEEN :since AND :top"
    elif span.since is not None:
        condition += " AND #order >= :since"
    elif span.top is not None:
        condition += " AND #order <= :top"
    if "#order" in condition:
        names["#order"] = source.order_attribute
    request: dict[str, Any] = {
        "TableName": source.table_name,
        "KeyConditionExpression": condition,
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
        "ScanIndexForward": False,
        "Limit": limit,
        "ReturnConsumedCapacity": "TOTAL",
    }
    if live is not None:
        request["FilterExpression"] = live
    if source.index_name is not None:
        request["IndexName"] = source.index_name
    if shard.resume is not None:
        request["ExclusiveStartKey"] = shard.resume
    return request
