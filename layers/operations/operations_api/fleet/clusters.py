"""The operations-by-cluster items of one version of a record (fleet/layout.py): pure, no request.

For each cluster the record names (in `target_clusters` or `rollbacks.target_clusters`; a cluster named
twice is one item), one item in the cluster's partition of the record's status and one in that of every
status, sorted by the list's order key, holding the list's summary and the cluster's `state` /
`rollback`: the worst of the record's requests for it, failed over pending over succeeded. The items
depend on the record alone, never on the stack's ListShards or RetentionDays (docs/design.md, "The
cluster index outlives ListShards and RetentionDays").
"""

from __future__ import annotations

from typing import Any, Final

from operations_api.fleet import layout
from operations_api.listing.index import EVERY_STATUS, order_key
from operations_api.record.summary import SUCCESS_BELOW, summarize
from operations_api.store import to_attribute

WORST_FIRST: Final = ("failed", "pending", "succeeded")
SUMMARY_ATTRIBUTE: Final = "_summary"
CLUSTER_ATTRIBUTE: Final = "cluster"

Key = tuple[str, str]


def cluster_states(record: dict[str, Any]) -> dict[str, dict[str, str]]:
    """Each cluster the record names, with its `cluster` map: cluster_id, and `state` / `rollback`."""
    requested = _worst_by_cluster(record.get("target_clusters"))
    rolled_back = _worst_by_cluster((record.get("rollbacks") or {}).get("target_clusters"))
    clusters: dict[str, dict[str, str]] = {}
    for cluster_id in [*requested, *rolled_back]:
        cluster = clusters.setdefault(cluster_id, {"cluster_id": cluster_id})
        if cluster_id in requested:
            cluster["state"] = requested[cluster_id]
        if cluster_id in rolled_back:
            cluster["rollback"] = rolled_back[cluster_id]
    return clusters


def _worst_by_cluster(requests: list[dict[str, Any]] | None) -> dict[str, str]:
    worst: dict[str, str] = {}
    for request in requests or ():
        state = _state(request)
        known = worst.get(request["cluster_id"])
        if known is None or WORST_FIRST.index(state) < WORST_FIRST.index(known):
            worst[request["cluster_id"]] = state
    return worst


def _state(request: dict[str, Any]) -> str:
    code = (request.get("response") or {}).get("status_code")
    if code is None:
        return "pending"
    return "succeeded" if code < SUCCESS_BELOW else "failed"


def cluster_items(record: dict[str, Any]) -> dict[Key, dict[str, Any]]:
    """The record's items by key, as DynamoDB attribute values."""
    shard = layout.shard_number(record["operation_id"], layout.CLUSTER_SHARDS)
    sort_key = order_key(record["last_update_time"], record["operation_id"])
    common: dict[str, Any] = {SUMMARY_ATTRIBUTE: to_attribute(summarize(record))}
    items: dict[Key, dict[str, Any]] = {}
    for cluster_id, cluster in cluster_states(record).items():
        for group in (record["status"], EVERY_STATUS):
            partition = layout.cluster_partition(cluster_id, group, shard)
            items[partition, sort_key] = {
                layout.PARTITION_KEY: {"S": partition},
                layout.SORT_KEY: {"S": sort_key},
                **common,
                CLUSTER_ATTRIBUTE: to_attribute(cluster),
            }
    return items
