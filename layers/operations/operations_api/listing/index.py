"""The list index's attributes, which the PUT writes beside the record (docs/api.md, "Listing operations",
"Retention"). Internal like `_version`: every one starts with "_", and a GET never returns them.

- `_list_shard`, the partition key of the index by status (`by-status-and-update`): `<status>#<n>`, n
  from a stable hash of the operation id, so that the writes of one status spread over `shard_count`
  partitions (no hot partition for `executing`).
- `_list_all`, the partition key of the index of every status (`by-update`): `all#<n>`, the same n. A list
  without a status filter reads `shard_count` partitions there, not `shard_count` for each status.
- `_list_order`, both indexes' sort key: `last_update_time`, then the id with every character inverted,
  then `~`. Read in descending order it gives the list's exact order: newest first, ties by operation_id
  ascending (the inversion turns the id's ascending order into descending; the final `~`, above every inverted
  character, puts an id before the longer ids it prefixes). The id can be read back from it.
- `_summary`: `summary.summarize(record)`, the one derivation; the index projects it, so a list never
  reads a record.
- `_expires_at`: for a finished operation under a retention period, epoch seconds of its
  `last_update_time` plus the period; DynamoDB's TTL attribute, and checked by every read.
"""

from __future__ import annotations

import calendar
import hashlib
import string
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, Final

from operations_api.record.rules import OPERATION_ID_MAX_LENGTH, TERMINAL_STATUSES, timestamp_fault
from operations_api.record.summary import summarize

INDEX_NAME: Final = "by-status-and-update"
SHARD_ATTRIBUTE: Final = "_list_shard"
ALL_INDEX_NAME: Final = "by-update"
ALL_SHARD_ATTRIBUTE: Final = "_list_all"
EVERY_STATUS: Final = "all"  # the partition prefix of the index of every status (not a status)
ORDER_ATTRIBUTE: Final = "_list_order"
SUMMARY_ATTRIBUTE: Final = "_summary"
EXPIRES_ATTRIBUTE: Final = "_expires_at"

SECONDS_PER_DAY: Final = 86_400
TIME_LENGTH: Final = len("YYYYMMDD_hhmmss")
ID_ALPHABET: Final = "".join(sorted("-._~" + string.digits + string.ascii_letters))
_HIGHEST_INVERTED: Final = ord("}")  # the id's smallest character becomes "}", its largest "<"
TERMINATOR: Final = "~"  # above every inverted character
_INVERTED: Final = {char: chr(_HIGHEST_INVERTED - rank) for rank, char in enumerate(ID_ALPHABET)}
_RESTORED: Final = {inverted: char for char, inverted in _INVERTED.items()}


def shard_number(operation_id: str, shard_count: int) -> int:
    """Stable across processes and releases (unlike Python's salted hash())."""
    digest = hashlib.sha256(operation_id.encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big") % shard_count


def shard_key(status: str, number: int) -> str:
    return f"{status}#{number}"


def shard_keys(statuses: Iterable[str], shard_count: int) -> list[str]:
    """Every partition of the index that holds these statuses, in a fixed order."""
    return [shard_key(status, number) for status in statuses for number in range(shard_count)]


def index_of(key: str) -> tuple[str, str]:
    """The index a shard key belongs to, and that index's partition key attribute."""
    if key.rpartition("#")[0] == EVERY_STATUS:
        return ALL_INDEX_NAME, ALL_SHARD_ATTRIBUTE
    return INDEX_NAME, SHARD_ATTRIBUTE


def order_key(last_update_time: str, operation_id: str) -> str:
    return last_update_time + "#" + "".join(_INVERTED[char] for char in operation_id) + TERMINATOR


def operation_id_of(key: str) -> str | None:
    """The operation id an order key was made from, or None when `key` is not an order key."""
    time, separator, rest = key[:TIME_LENGTH], key[TIME_LENGTH : TIME_LENGTH + 1], key[TIME_LENGTH + 1 :]
    if separator != "#" or timestamp_fault(time) or not rest.endswith(TERMINATOR):
        return None
    if not 1 <= len(rest) - 1 <= OPERATION_ID_MAX_LENGTH:
        return None
    try:
        return "".join(_RESTORED[char] for char in rest[:-1])
    except KeyError:
        return None


def highest_key_below(key: str) -> str:
    """The highest order key there can be below `key` (an order key): an inclusive bound that takes every
    item after `key` in the list. It is `key`'s id followed by the smallest id character (inverted: "}"),
    the item right after `key`'s; no order key lies between it and `key`."""
    return key[: -len(TERMINATOR)] + _INVERTED[ID_ALPHABET[0]] + TERMINATOR


def time_of(key: str) -> str:
    return key[:TIME_LENGTH]


def epoch_seconds(timestamp: str) -> int:
    return calendar.timegm(datetime.strptime(timestamp, "%Y%m%d_%H%M%S").timetuple())


def expires_at(document: dict[str, Any], retention_days: int) -> int | None:
    """When a finished operation expires (docs/api.md, "Retention"); None: never."""
    if retention_days <= 0 or document["status"] not in TERMINAL_STATUSES:
        return None
    return epoch_seconds(document["last_update_time"]) + retention_days * SECONDS_PER_DAY


def is_expired(expiry: int | None, now: float) -> bool:
    return expiry is not None and expiry <= now


def oldest_live_time(now: float, retention_days: int) -> str | None:
    """The earliest `last_update_time` of a finished operation still live at `now` under this retention,
    by `expires_at`'s rule (its expiry after int(now)); None: nothing expires."""
    if retention_days <= 0:
        return None
    oldest = int(now) - retention_days * SECONDS_PER_DAY + 1
    return datetime.fromtimestamp(oldest, tz=UTC).strftime("%Y%m%d_%H%M%S")


def attributes(document: dict[str, Any], shard_count: int, retention_days: int) -> dict[str, Any]:
    """The internal attributes the item of this record carries, beside the record's own."""
    operation_id = document["operation_id"]
    number = shard_number(operation_id, shard_count)
    derived: dict[str, Any] = {
        SHARD_ATTRIBUTE: shard_key(document["status"], number),
        ALL_SHARD_ATTRIBUTE: shard_key(EVERY_STATUS, number),
        ORDER_ATTRIBUTE: order_key(document["last_update_time"], operation_id),
        SUMMARY_ATTRIBUTE: summarize(document),
    }
    expiry = expires_at(document, retention_days)
    if expiry is not None:
        derived[EXPIRES_ATTRIBUTE] = expiry
    return derived
