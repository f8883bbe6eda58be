"""Suite "fleet": the counts' read at two table sizes, a page of one cluster's list against one Query of 25
items on one of its partitions, the longest cluster token; the fleet table filled straight with the items
the stream loop keeps. docs/performance.md, "The fleet", says what is measured and why."""

from __future__ import annotations

import functools
import time
from typing import Any, Final
from urllib.parse import urlencode

import botocore.session

from devtools.bench.fresh import against_query, local_dynamodb, query_once, share
from devtools.bench.listing import PAGE_SIZE, operations
from devtools.bench.warm import median_ms
from operations_api import settings, store
from operations_api.fleet import counts, layout
from operations_api.listing import query as listing
from operations_api.listing.index import epoch_seconds
from tests.support.fleet import cluster_items, counter_items, put_items, recount

CLUSTER: Final = "cluster-0"  # every record of the list suite names cluster-0, cluster-1 and cluster-2
LONGEST_CLUSTER: Final = "東" * 512  # 1,536 bytes of UTF-8: the longest cluster_id
LONGEST_IDS: Final = ("~" * 128, "z" * 128)
COUNT_WINDOWS: Final = (24, 720)
LIST_SUITE_START: Final = 1_795_000_000  # the list suite's records are last updated in the 30 days after it


def measure(quick: bool) -> dict[str, Any]:
    sizes, repeats = ((300, 3_000), 2) if quick else ((1_000, 100_000), 30)
    with local_dynamodb("dynalite") as (endpoint, server):
        client = botocore.session.get_session().create_client("dynamodb", endpoint_url=endpoint)
        table = settings.get_settings().fleet_table_name
        shards = settings.get_settings().list_shards
        figures = {
            "counts": count_cases(client, table, sizes, repeats),
            "cluster": cluster_case(client, table, min(sizes), shards, repeats),
            "longest_token": longest_token(client, table, shards),
        }
    return {
        "server": server,
        "shards": shards,
        "count_shards": layout.COUNT_SHARDS,
        "repeats": repeats,
        **figures,
    }


def count_cases(client: Any, table: str, sizes: tuple[int, ...], repeats: int) -> list[dict[str, Any]]:
    """The counters of the first `size` operations (their last updates over the last 30 days), then the
    counts' read over each window, checked against a recount of those operations."""
    records = [_within_30_days(record) for record in operations(0, max(sizes), seed=max(sizes))]
    figures = []
    for size in sorted(sizes):
        items = counter_items(records[:size])  # a superset of the smaller size's keys: each one replaced
        put_items(client, items, table)
        case: dict[str, Any] = {"size": size, "counter_items": len(items)}
        for hours in COUNT_WINDOWS:
            query = f"hours={hours}"
            counted = counts.count_operations(query)  # warm: threads, connections
            assert counted.answer == recount(records[:size], store.now_seconds(), hours), "counts exactly"
            case[f"hours_{hours}"] = {
                "ms": median_ms(functools.partial(counts.count_operations, query), repeats),
                "requests": counted.requests,
                "capacity": counted.capacity_units,
            }
        figures.append(case)
    return figures


def cluster_case(client: Any, table: str, size: int, shards: int, repeats: int) -> dict[str, Any]:
    """A page of 25 of cluster-0's list against one Query of 25 items on one of its partitions."""
    records = operations(0, size, seed=size)
    put_items(client, [item for record in records for item in cluster_items(record)], table)
    query = f"cluster={CLUSTER}&page_size={PAGE_SIZE}"
    partition = layout.cluster_partition(CLUSTER, "all", 0)
    listed, timed = against_query(
        repeats, lambda: listing.list_operations(query), lambda: _floor(client, table, partition)
    )
    page = listed.page
    return {
        "size": size,
        "list_ms": timed["ms"],
        "floor_ms": timed["floor_ms"],
        "latency_ratio": timed["ratio"],
        "list_capacity": page.capacity_units,
        "floor_capacity": timed["floor_capacity"],
        "floor_items": timed["floor_items"],
        "capacity_ratio": share(page.capacity_units, timed["floor_capacity"]),
        "requests": page.requests,
        "returned": len(page.summaries),
    }


def longest_token(client: Any, table: str, shards: int) -> int:
    """The token of a page of one summary of the longest cluster_id's list, of operations with the
    longest ids."""
    records = []
    for operation_id in LONGEST_IDS:
        (record,) = operations(0, 1, seed=0)
        record.update(operation_id=operation_id)
        record["target_clusters"][0]["cluster_id"] = LONGEST_CLUSTER
        records.append(record)
    put_items(client, [item for record in records for item in cluster_items(record)], table)
    answer = listing.list_operations(urlencode({"cluster": LONGEST_CLUSTER, "page_size": 1})).answer
    return len(answer["next_page_token"])


def _floor(client: Any, table: str, partition: str) -> tuple[float, float, int]:
    return query_once(
        client,
        TableName=table,
        KeyConditionExpression="#pk = :pk",
        ExpressionAttributeNames={"#pk": layout.PARTITION_KEY},
        ExpressionAttributeValues={":pk": {"S": partition}},
        ScanIndexForward=False,
        Limit=PAGE_SIZE,
    )


def _within_30_days(record: dict[str, Any]) -> dict[str, Any]:
    """The list suite's record (last updated within 30 days from a fixed moment) moved to the last 30 days."""
    offset = int(store.now_seconds()) - LIST_SUITE_START - 30 * 86_400
    moved = time.gmtime(epoch_seconds(record["last_update_time"]) + offset)
    return {**record, "last_update_time": time.strftime("%Y%m%d_%H%M%S", moved)}
