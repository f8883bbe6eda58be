"""A record's summary (docs/api.md, "Summaries"): small, derived from the record, never a body.

The one derivation of it: the PUT stores it as the list index's projected attributes, the list returns it,
and the change events carry it. Two derivations that could drift apart would be a bug waiting.
"""

from __future__ import annotations

from typing import Any, Final, TypedDict

SUCCESS_BELOW: Final = 400  # a cluster's response status_code below this succeeded; at or above it failed


class ClusterCounts(TypedDict):
    total: int
    succeeded: int
    failed: int
    pending: int


def summarize(record: dict[str, Any]) -> dict[str, Any]:
    """The summary of a valid record: its identity, status, times, request line, result code and the
    counts of its target clusters. Optional keys appear only when the record has them."""
    summary: dict[str, Any] = {
        "operation_id": record["operation_id"],
        "status": record["status"],
    }
    if "sub_status" in record:
        summary["sub_status"] = record["sub_status"]
    summary["occurred_time"] = record["occurred_time"]
    summary["last_update_time"] = record["last_update_time"]
    summary["request"] = {"method": record["request"]["method"], "uri": record["request"]["uri"]}
    response = record.get("response")
    if response is not None:
        summary["response_status_code"] = response["status_code"]
    summary["target_clusters"] = count_clusters(record.get("target_clusters"))
    return summary


def count_clusters(clusters: list[dict[str, Any]] | None) -> ClusterCounts:
    """Of the target clusters: those whose response's status_code is below 400, at or above 400, and
    without one (no response, a null response, or a null or absent status_code)."""
    counts = ClusterCounts(total=0, succeeded=0, failed=0, pending=0)
    for cluster in clusters or ():
        counts["total"] += 1
        code = (cluster.get("response") or {}).get("status_code")
        if code is None:
            counts["pending"] += 1
        elif code < SUCCESS_BELOW:
            counts["succeeded"] += 1
        else:
            counts["failed"] += 1
    return counts
