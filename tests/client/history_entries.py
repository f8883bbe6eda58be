"""Histories to serve from the fake API, built as the contract says (docs/api.md), apart from the
client's own code: the version is the SHA-256 of the record's canonical JSON cut to 32 hex digits, the changes
a JSON Patch from the version before, the digest chained over the previous entry's digest."""

from __future__ import annotations

import copy
import hashlib
from typing import Any, Final

import jsonpatch

from tests.client.fake_api import canonical, version
from tests.support.records import cluster, record_for

PRINCIPAL: Final = "arn:aws:iam::123456789012:user/worker"


def chained(entry: dict[str, Any], previous_digest: str) -> dict[str, Any]:
    """The entry with its digest (over the previous one's and the entry without a digest)."""
    unsigned = {key: value for key, value in entry.items() if key != "digest"}
    digest = hashlib.sha256((previous_digest + canonical(unsigned)).encode("utf-8")).hexdigest()
    return {**unsigned, "digest": f"sha256:{digest}"}


def entries_of(versions: list[dict[str, Any]], principal: str | None = PRINCIPAL) -> list[dict[str, Any]]:
    """The history of these versions of one record, in order: sequence 1 creates the first."""
    entries: list[dict[str, Any]] = []
    previous: dict[str, Any] | None = None
    for sequence, record in enumerate(versions, start=1):
        if previous is None:
            changes = [{"op": "add", "path": "", "value": copy.deepcopy(record)}]
        else:
            changes = jsonpatch.make_patch(previous, record).patch
        entry = {
            "sequence": sequence,
            "version": version(record),
            "recorded_time": f"20261122_07{sequence // 60 % 60:02d}{sequence % 60:02d}",
            "principal": principal,
            "status": record["status"],
            "previous_status": None if previous is None else previous["status"],
            "last_update_time": record["last_update_time"],
            "changes": changes,
        }
        entries.append(chained(entry, entries[-1]["digest"] if entries else ""))
        previous = record
    return entries


def rollout(operation_id: str) -> list[dict[str, Any]]:
    """Three versions of an operation on two clusters: created, east-1 answers 200, then west-2 answers 500
    and the operation fails."""
    created = record_for(operation_id, sub_status="creating networks")
    created["target_clusters"] = [cluster("east-1", None), cluster("west-2", None)]
    east = copy.deepcopy(created)
    east.update(last_update_time="20261122_064300", sub_status="1/2 clusters")
    east["target_clusters"][0] = cluster("east-1", 200)
    failed = copy.deepcopy(east)
    del failed["sub_status"]
    failed.update(last_update_time="20261122_064400", status="failed")
    failed["response"] = {"status_code": 500, "body": ""}
    failed["target_clusters"][1] = cluster("west-2", 500)
    return [created, east, failed]


def many_versions(operation_id: str, count: int) -> list[dict[str, Any]]:
    """`count` versions of one executing record, each with its own sub status."""
    return [record_for(operation_id, sub_status=f"step {number}") for number in range(1, count + 1)]
