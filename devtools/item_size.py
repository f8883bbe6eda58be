"""A record's stored item size, as DynamoDB counts it against its 400 KiB (409,600 B) limit, and records
padded to a given size, for the size tests and the benchmarks.

The store counts (`store.item_size`) the item it writes (`store.item_of`): the record, the list index's
attributes, whose summary repeats `sub_status` and `request.uri`, `_version` and its acceptance time; here
with the default shard count, no retention and no principal (no authorizer runs locally; a signed PUT's
item also holds the caller's ARN).
"""

from __future__ import annotations

from typing import Any, Final

from operations_api import store
from operations_api.settings import DEFAULT_LIST_SHARDS

LIMIT: Final = store.ITEM_SIZE_LIMIT_BYTES
VERSION: Final = "0" * 32  # service.version_of: 32 hex digits
ACCEPTED_AT: Final = "20260101_000000"  # store.recorded_time: always 15 characters


def stored_item(record: dict[str, Any]) -> dict[str, Any]:
    """The item the store writes for this record, as DynamoDB attribute values."""
    return store.item_of(record, VERSION, DEFAULT_LIST_SHARDS, 0, ACCEPTED_AT)


def stored_item_size(record: dict[str, Any]) -> int:
    return store.item_size(stored_item(record))


def padded_to(record: dict[str, Any], size: int) -> dict[str, Any]:
    """The record with its request body set to ASCII padding so that its stored item is exactly `size`
    bytes. (The body, because the summary the item also holds never carries it: one byte each.)"""
    empty = stored_item_size({**record, "request": {**record["request"], "body": ""}})
    if size < empty:
        raise ValueError(f"the record is already {empty} B without padding, more than {size} B")
    return {**record, "request": {**record["request"], "body": "x" * (size - empty)}}
