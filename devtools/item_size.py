"""A DynamoDB item's size, counted as DynamoDB counts it against its 400 KiB (409,600 B) limit.

Each attribute costs its name's length plus its value's: a string its UTF-8 bytes, a number about one
byte per two significant digits plus one, null and booleans one byte, a list or map 3 bytes plus one byte
per element (plus, for a map, each key's length). The number formula is the exact one dynalite uses,
measured against DynamoDB by its authors. The store adds attributes to the record: `_version` and the list
index's (`list_index.attributes`, here with the default shard count and no retention).
"""

from __future__ import annotations

import math
from typing import Any, Final

from operations_api import list_index
from operations_api.settings import DEFAULT_LIST_SHARDS
from operations_api.store import ITEM_SIZE_LIMIT_BYTES, VERSION_ATTRIBUTE

LIMIT: Final = ITEM_SIZE_LIMIT_BYTES
VERSION_LENGTH: Final = 32  # service.version_of: 32 hex digits


def text_size(text: str) -> int:
    return len(text.encode("utf-8"))


def number_size(number: int) -> int:
    if number == 0:
        return 1
    digits = str(abs(number))
    significant = digits.rstrip("0")
    exponent = len(digits) - 1
    even_padding = 0 if len(significant) % 2 or exponent % 2 else 1
    return 1 + math.ceil(len(significant) / 2) + even_padding + (1 if number < 0 else 0)


def value_size(value: Any) -> int:
    if value is None or isinstance(value, bool):
        return 1
    if isinstance(value, str):
        return text_size(value)
    if isinstance(value, int):
        return number_size(value)
    if isinstance(value, list):
        return 3 + sum(1 + value_size(item) for item in value)
    if isinstance(value, dict):
        return 3 + len(value) + attributes_size(value)
    raise TypeError(f"a record holds no {type(value).__name__}")


def attributes_size(attributes: dict[str, Any]) -> int:
    return sum(text_size(name) + value_size(value) for name, value in attributes.items())


def stored_item_size(record: dict[str, Any]) -> int:
    """The size of the item the store writes for this record: its attributes, the index's and `_version`."""
    internal = list_index.attributes(record, DEFAULT_LIST_SHARDS, retention_days=0)
    return attributes_size({**record, **internal}) + text_size(VERSION_ATTRIBUTE) + VERSION_LENGTH


def padded_to(record: dict[str, Any], size: int) -> dict[str, Any]:
    """The record with its request body set to ASCII padding so that its stored item is exactly `size`
    bytes. (The body, because the summary the item also holds never carries it: one byte each.)"""
    empty = stored_item_size({**record, "request": {**record["request"], "body": ""}})
    if size < empty:
        raise ValueError(f"the record is already {empty} B without padding, more than {size} B")
    return {**record, "request": {**record["request"], "body": "x" * (size - empty)}}
