"""Re-index the cluster index (`make backfill ARGS="... --fleet-table F"`, before the records' re-index):
the one step that makes the fleet table's cluster items exactly the live records' items, as this release
writes them. When to run it: docs/operate.md, "Re-indexing the list".

The cluster items depend on the record alone (fleet/clusters.py): a fixed shard count, no expiry. Items an
earlier release wrote were keyed by the stack's ListShards (a change of it left items under the old keys,
some never deleted) and carried the list's `_expires_at`, which the fleet table's TTL honours even after a
longer retention. This pass reads the fleet table's cluster items (a Scan, an administrative pass, as the
records' re-index), page by page, and for each operation on the page reads its record: an item the record
does not have (another shard count, an older version, an operation expired or gone) is deleted, and when
any item differs from the record's, the record's items are written (`fleet.recording.write_clusters`, the
loop's own write; again from the newer version if a PUT changed the record meanwhile). It runs before the
records' re-index, so that no item keeps an expiry that a longer retention has moved. Safe to run again
and to interrupt: a second run finds nothing to do.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from operations_api import batches, store
from operations_api.fleet import layout
from operations_api.fleet.clusters import Key, cluster_items
from operations_api.fleet.recording import BATCH_WRITE_LIMIT, write_clusters
from operations_api.listing.index import operation_id_of


@dataclass
class ClusterTally:
    read: int = 0
    removed: int = 0
    rewritten: int = 0
    done: set[str] = field(default_factory=set)  # the operations rewritten by this run

    def line(self) -> str:
        return (
            f"the cluster index: {self.read} items read, {self.removed} removed (under an earlier "
            f"ListShards, of an older version, or of an expired operation), {self.rewritten} operations "
            "re-indexed from their records"
        )


def reindex_clusters(table: str, tally: ClusterTally, *, dry_run: bool) -> None:
    """Make the fleet table `table`'s cluster items those of the live records, page by page."""
    for page in _cluster_pages(table):
        tally.read += len(page)
        by_operation: dict[str, list[dict[str, Any]]] = {}
        for item in page:
            by_operation.setdefault(_operation_of(item), []).append(item)
        stale: list[dict[str, Any]] = []
        for operation_id, items in by_operation.items():
            current = store.get_operation(operation_id)
            wanted = cluster_items(current.document) if current is not None else {}
            stale += [item for item in items if _key_of(item) not in wanted]
            if current is None or operation_id in tally.done:
                continue
            if any(item != wanted.get(_key_of(item)) for item in items):
                tally.done.add(operation_id)
                tally.rewritten += 1
                if not dry_run:
                    _rewrite(current)
        tally.removed += len(stale)
        if not dry_run:
            _delete(table, [_key_of(item) for item in stale])


def _rewrite(current: store.StoredOperation) -> None:
    """The record's items; if a PUT changed the record meanwhile, the newer version's instead."""
    write_clusters(None, current.document)
    newer = store.get_operation(current.document["operation_id"])
    if newer is None or newer.version != current.version:
        write_clusters(current.document, newer.document if newer is not None else None)


def _delete(table: str, keys: list[Key]) -> None:
    deletes = [{"DeleteRequest": {"Key": _attributes_of(key)}} for key in keys]
    for start in range(0, len(deletes), BATCH_WRITE_LIMIT):
        batches.batch_write(table, deletes[start : start + BATCH_WRITE_LIMIT])


def _cluster_pages(table: str) -> Iterator[list[dict[str, Any]]]:
    request: dict[str, Any] = {
        "TableName": table,
        "ConsistentRead": True,
        "FilterExpression": "begins_with(#pk, :cluster)",
        "ExpressionAttributeNames": {"#pk": layout.PARTITION_KEY},
        "ExpressionAttributeValues": {":cluster": {"S": layout.CLUSTER_PREFIX}},
    }
    for page in store.dynamodb_client().get_paginator("scan").paginate(**request):
        yield page.get("Items", [])


def _operation_of(item: dict[str, Any]) -> str:
    operation_id = operation_id_of(item[layout.SORT_KEY]["S"])
    if operation_id is None:
        raise ValueError(f"a cluster item whose sort key is not an order key: {item[layout.SORT_KEY]}")
    return operation_id


def _key_of(item: dict[str, Any]) -> Key:
    return item[layout.PARTITION_KEY]["S"], item[layout.SORT_KEY]["S"]


def _attributes_of(key: Key) -> dict[str, Any]:
    return {layout.PARTITION_KEY: {"S": key[0]}, layout.SORT_KEY: {"S": key[1]}}
