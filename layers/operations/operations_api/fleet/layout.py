"""The fleet table's items: one place for their keys (docs/design.md, "The fleet's read models").

The stream loop keeps two read models here, beside the history (history/layout.py), both exactly once:

- **Counts**: partitions `counts#<n>` (n from a hash of the operation id, COUNT_SHARDS of them, so that
  thousands of writes a second make no hot key), items `i#<status>` (operations now in that in-progress
  status) and `h#<YYYYMMDDhh>#<status>` (operations whose current status is that terminal one, by the hour
  of their `last_update_time`), each with a `count`. One Query per shard, from the window's first hour
  on, reads every item a count needs: `i#…` sorts after every `h#…`.
- **Operations by cluster**: for each operation and each cluster its record names, one item under
  `cluster#<digest>#<status>#<n>` and one under `cluster#<digest>#all#<n>` (the digest of the cluster id,
  which may be 2,048 bytes of UTF-8 while a key holds 1,024; n of CLUSTER_SHARDS, by the list index's
  hash, never by the stack's ListShards), sorted by the list's order key, holding the list's summary and
  the cluster's `state` and `rollback`; no expiry, which the read decides from the current retention.
- **Marks**, `op#<operation_id>`: `counted` (what the counts hold for it: life, sequence, status, hour)
  and `indexed` (the life and sequence whose clusters the index holds). Each read model keeps its own, so
  one added later back-fills on its own.
"""

from __future__ import annotations

import hashlib
from typing import Final

PARTITION_KEY: Final = "pk"
SORT_KEY: Final = "sk"
EXPIRES_ATTRIBUTE: Final = "_expires_at"  # the table's TTL attribute, as in the records' table
COUNT_SHARDS: Final = 8
CLUSTER_SHARDS: Final = 4  # the template's default ListShards: the items written before it was fixed
COUNT_ATTRIBUTE: Final = "count"
IN_PROGRESS_PREFIX: Final = "i#"
FINISHED_PREFIX: Final = "h#"
CLUSTER_ATTRIBUTE: Final = "cluster"  # an item of a cluster's list: {cluster_id, state?, rollback?}
CLUSTER_PREFIX: Final = "cluster#"
COUNTED_MARK: Final = "counted"
INDEXED_MARK: Final = "indexed"


def shard_number(operation_id: str, shard_count: int) -> int:
    """Stable across processes and releases (the list index's rule)."""
    return int.from_bytes(hashlib.sha256(operation_id.encode("utf-8")).digest()[:4], "big") % shard_count


def counts_partition(shard: int) -> str:
    return f"counts#{shard}"


def in_progress_key(status: str) -> str:
    return f"{IN_PROGRESS_PREFIX}{status}"


def finished_key(hour: str, status: str) -> str:
    """`hour` is YYYYMMDDhh, the first ten digits of a `last_update_time` without its underscore."""
    return f"{FINISHED_PREFIX}{hour}#{status}"


def hour_of(timestamp: str) -> str:
    return timestamp.replace("_", "")[:10]


def marks_partition(operation_id: str) -> str:
    return f"op#{operation_id}"


def is_marks_partition(key: str) -> bool:
    return key.startswith(marks_partition(""))


def cluster_digest(cluster_id: str) -> str:
    return hashlib.sha256(cluster_id.encode("utf-8")).hexdigest()[:32]


def cluster_partition(cluster_id: str, status_or_all: str, shard: int) -> str:
    return f"{CLUSTER_PREFIX}{cluster_digest(cluster_id)}#{status_or_all}#{shard}"


def is_cluster_partition(key: str) -> bool:
    return key.startswith(CLUSTER_PREFIX)
