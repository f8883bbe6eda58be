"""The fleet's read models as the loop stored them (moto), and what they must hold, computed in Python from
the records with the contract's rules (docs/api.md), not with the loop's code: the fleet-loop tests share
these."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from operations_api import store
from operations_api.listing.index import order_key
from tests.support.environment import TEST_ENVIRONMENT
from tests.support.history_loop import every_page

FLEET_TABLE_NAME = TEST_ENVIRONMENT["FLEET_TABLE_NAME"]  # the `table` fixture makes it
TERMINAL = ("completed", "failed", "canceled")
WORST_FIRST = ("failed", "pending", "succeeded")


def scan_fleet() -> list[dict[str, Any]]:
    return every_page("scan", {"TableName": FLEET_TABLE_NAME, "ConsistentRead": True})


def stored_counts(items: list[dict[str, Any]]) -> Counter[str]:
    """Each counter's sort key (`i#<status>`, `h#<hour>#<status>`), summed over the shards, zeros left out."""
    counts: Counter[str] = Counter()
    for item in items:
        if item["pk"]["S"].startswith("counts#"):
            counts[item["sk"]["S"]] += int(item["count"]["N"])
    return +counts


def recount(records: Iterable[dict[str, Any]]) -> Counter[str]:
    """The counts of these records: in progress by status; finished by the hour of last_update_time."""
    counts: Counter[str] = Counter()
    for record in records:
        status = record["status"]
        if status in TERMINAL:
            hour = record["last_update_time"].replace("_", "")[:10]
            counts[f"h#{hour}#{status}"] += 1
        else:
            counts[f"i#{status}"] += 1
    return counts


def stored_clusters(items: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    """Per cluster id and status group ("all" or a status): the operations listed, each with its cluster."""
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for item in items:
        if item["pk"]["S"].startswith("cluster#"):
            group = item["pk"]["S"].split("#")[2]
            cluster = store.from_attribute(item["cluster"])
            summary = store.from_attribute(item["_summary"])
            key = (cluster["cluster_id"], group)
            assert item["sk"]["S"] == order_key(summary["last_update_time"], summary["operation_id"])
            assert summary["operation_id"] not in found.get(key, {}), "one item per operation"
            found.setdefault(key, {})[summary["operation_id"]] = {**cluster, "status": summary["status"]}
    return found


def expected_clusters(records: Iterable[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    """The same, from the records: each cluster a record names, with the worst state of its requests."""
    expected: dict[tuple[str, str], dict[str, Any]] = {}
    for record in records:
        named: dict[str, dict[str, Any]] = {}
        rollbacks = (record.get("rollbacks") or {}).get("target_clusters") or []
        for field, requests in (("state", record.get("target_clusters") or []), ("rollback", rollbacks)):
            for request in requests:
                cluster = named.setdefault(request["cluster_id"], {"cluster_id": request["cluster_id"]})
                cluster[field] = min(cluster.get(field, "succeeded"), state(request), key=WORST_FIRST.index)
        for cluster_id, cluster in named.items():
            for group in ("all", record["status"]):
                expected.setdefault((cluster_id, group), {})[record["operation_id"]] = {
                    **cluster,
                    "status": record["status"],
                }
    return expected


def state(request: dict[str, Any]) -> str:
    code = (request.get("response") or {}).get("status_code")
    return "pending" if code is None else "succeeded" if code < 400 else "failed"


def marks(items: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    """The marks by operation id and name (`counted`, `indexed`)."""
    return {
        (item["pk"]["S"].removeprefix("op#"), item["sk"]["S"]): item
        for item in items
        if item["pk"]["S"].startswith("op#")
    }
