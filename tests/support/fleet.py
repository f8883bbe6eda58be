"""The fleet table in tests: made beside the records' table, seeded with the items the stream loop keeps
(fleet/layout.py), and the answers those items must give, computed in Python from the records."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable
from typing import Any

from boto3.dynamodb.types import TypeSerializer

from devtools.lambda_runtime import local_table_names
from operations_api.fleet import layout
from operations_api.listing.index import epoch_seconds, expires_at, order_key
from operations_api.record.rules import TERMINAL_STATUSES
from operations_api.record.summary import SUCCESS_BELOW, summarize
from tests.support.environment import TABLE_NAME
from tests.support.listing import expected

FLEET_TABLE_NAME = local_table_names(TABLE_NAME)["FleetTable"]  # the `table` fixture makes it
FLEET_NOW = epoch_seconds(
    "20261122_064514"
)  # the tests' moment: the counts' window ends with hour 2026112206
BATCH = 25  # a BatchWriteItem's most
WORST_FIRST = ("failed", "pending", "succeeded")
SERIALIZER = TypeSerializer()


def put_items(client: Any, items: Iterable[dict[str, Any]], table_name: str = FLEET_TABLE_NAME) -> None:
    pending = [{"PutRequest": {"Item": item}} for item in items]
    for start in range(0, len(pending), BATCH):
        requests = pending[start : start + BATCH]
        while requests:
            response = client.batch_write_item(RequestItems={table_name: requests})
            requests = response.get("UnprocessedItems", {}).get(table_name, [])


# --- counts ------------------------------------------------------------------------------------------


def counter_items(records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The counters the loop keeps for these records' current versions: +1 on each one's status item
    (and hour, when it is finished), in its counts shard."""
    counts: Counter[tuple[str, str]] = Counter()
    for record in records:
        shard = layout.counts_partition(layout.shard_number(record["operation_id"], layout.COUNT_SHARDS))
        status = record["status"]
        if status in TERMINAL_STATUSES:
            counts[shard, layout.finished_key(layout.hour_of(record["last_update_time"]), status)] += 1
        else:
            counts[shard, layout.in_progress_key(status)] += 1
    return [
        {
            layout.PARTITION_KEY: {"S": partition},
            layout.SORT_KEY: {"S": sort_key},
            layout.COUNT_ATTRIBUTE: {"N": str(count)},
        }
        for (partition, sort_key), count in counts.items()
    ]


def recount(records: Iterable[dict[str, Any]], now: float, hours: int) -> dict[str, Any]:
    """The counts answer, computed from the records: in progress now; finished in the window's hours."""
    current = int(now) // 3_600 * 3_600
    first = time.strftime("%Y%m%d%H", time.gmtime(current - (hours - 1) * 3_600))
    last = time.strftime("%Y%m%d%H", time.gmtime(current))
    answer: dict[str, Any] = {
        "in_progress": {"unexecuted": 0, "executing": 0},
        "finished": {"completed": 0, "failed": 0, "canceled": 0},
        "hours": hours,
    }
    for record in records:
        if record["status"] not in TERMINAL_STATUSES:
            answer["in_progress"][record["status"]] += 1
        elif first <= layout.hour_of(record["last_update_time"]) <= last:
            answer["finished"][record["status"]] += 1
    return answer


# --- operations by cluster ----------------------------------------------------------------------------


def cluster_of(record: dict[str, Any], cluster_id: str) -> dict[str, str] | None:
    """The summary's `cluster` for this record and cluster, or None when the record does not name it."""
    requests = [c for c in record.get("target_clusters") or () if c["cluster_id"] == cluster_id]
    rollbacks = [
        c
        for c in (record.get("rollbacks") or {}).get("target_clusters") or ()
        if c["cluster_id"] == cluster_id
    ]
    if not requests and not rollbacks:
        return None
    cluster = {"cluster_id": cluster_id}
    if requests:
        cluster["state"] = _worst(requests)
    if rollbacks:
        cluster["rollback"] = _worst(rollbacks)
    return cluster


def _worst(requests: list[dict[str, Any]]) -> str:
    states = set()
    for request in requests:
        code = (request.get("response") or {}).get("status_code")
        states.add("pending" if code is None else "succeeded" if code < SUCCESS_BELOW else "failed")
    return next(state for state in WORST_FIRST if state in states)


def cluster_items(
    record: dict[str, Any], shard_count: int = layout.CLUSTER_SHARDS, retention_days: int = 0
) -> list[dict[str, Any]]:
    """The items the loop keeps for this record under each cluster it names: one in the cluster's
    partition of its status, one in that of every status. Another shard count or a retention period gives
    the items of the earlier layout, keyed by the stack's ListShards and carrying the list's expiry."""
    names = [c["cluster_id"] for c in record.get("target_clusters") or ()]
    names += [c["cluster_id"] for c in (record.get("rollbacks") or {}).get("target_clusters") or ()]
    shard = layout.shard_number(record["operation_id"], shard_count)
    expiry = expires_at(record, retention_days)
    items = []
    for cluster_id in dict.fromkeys(names):
        attributes = {
            layout.SORT_KEY: {"S": order_key(record["last_update_time"], record["operation_id"])},
            "_summary": SERIALIZER.serialize(summarize(record)),
            "cluster": SERIALIZER.serialize(cluster_of(record, cluster_id)),
        }
        if expiry is not None:
            attributes[layout.EXPIRES_ATTRIBUTE] = {"N": str(expiry)}
        for group in (record["status"], "all"):
            partition = layout.cluster_partition(cluster_id, group, shard)
            items.append({layout.PARTITION_KEY: {"S": partition}, **attributes})
    return items


def with_cluster(record: dict[str, Any], cluster_id: str) -> dict[str, Any]:
    """The summary a `?cluster=` list gives of this record."""
    return {**summarize(record), "cluster": cluster_of(record, cluster_id)}


def listed(records: list[dict[str, Any]], cluster_id: str, **filters: Any) -> list[dict[str, Any]]:
    """What the list of this cluster must give, in order: the records that name it, as the list filters."""
    naming_it = [record for record in records if cluster_of(record, cluster_id) is not None]
    by_id = {record["operation_id"]: record for record in naming_it}
    return [with_cluster(by_id[operation_id], cluster_id) for operation_id in expected(naming_it, **filters)]
