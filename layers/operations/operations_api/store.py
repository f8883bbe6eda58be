"""DynamoDB: one item per operation, and exactly one DynamoDB request per API call.

The record's keys are the item's attributes, its nested lists stored as native lists and maps. The item
also holds `_version`, the record's version (its ETag), which is never part of the record. A PUT is one
conditional `PutItem` that enforces, atomically, that writes never go back and the client's preconditions
(docs/api.md, "Writes never go back" and "Optimistic concurrency"); a refusal carries the item as it
stood, so the caller can say why without a second request. This module knows DynamoDB and nothing of HTTP.

The item also carries the list index's attributes (`listing.index`), written by the same PutItem. An item
whose retention has ended is absent for every read and write here, whether or not DynamoDB's TTL has
deleted it yet (docs/api.md, "Retention"): the GET checks its expiry, and the PUT's condition takes it
for no item at all.

The attribute-value conversion is written here rather than taken from `boto3.dynamodb.types`: importing
that module imports all of boto3 (and s3transfer), which costs the cold start more than these few lines,
and the record holds only strings, integers, nulls, lists and maps.
"""

from __future__ import annotations

import time
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Final, NamedTuple

from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotocoreConnectionError

from operations_api import clients
from operations_api.listing import index as list_index
from operations_api.listing.index import EXPIRES_ATTRIBUTE
from operations_api.record.rules import TERMINAL_STATUSES
from operations_api.settings import get_settings

if TYPE_CHECKING:
    from botocore.client import BaseClient

ITEM_SIZE_LIMIT_BYTES: Final = 400 * 1024
VERSION_ATTRIBUTE: Final = "_version"
# Who wrote the record (the caller's IAM userArn; absent when no authorizer ran) and when the service
# accepted it (YYYYMMDD_hhmmss UTC): for the history, which the stream's new image carries them to.
PRINCIPAL_ATTRIBUTE: Final = "_principal"
RECORDED_TIME_ATTRIBUTE: Final = "_recorded_time"
RECORDED_TIME_FORMAT: Final = "%Y%m%d_%H%M%S"
# The item's own attributes (the version, and any index or expiry attribute) start with this; no key of the
# record does, so they are never part of it.
INTERNAL_PREFIX: Final = "_"
# Enough connections for the list's parallel Queries (`listing.shards`), one per shard read at once.
MAX_POOL_CONNECTIONS: Final = 16
_UNAVAILABLE_CODES: Final = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
        "ServiceUnavailable",
        "LimitExceededException",
    }
)


class StoreUnavailable(Exception):
    """DynamoDB throttled the request, failed on its side, or could not be reached in time."""


class ItemTooLarge(Exception):
    """The item is over DynamoDB's 400 KB limit; nothing was written."""


class ConditionFailed(Exception):
    """The conditional write was refused; `current` is the stored record as it stood (or None)."""

    def __init__(self, current: StoredOperation | None) -> None:
        super().__init__("conditional write refused")
        self.current = current


class StoredOperation(NamedTuple):
    document: dict[str, Any]
    version: str
    capacity_units: float | None = None


class VersionGuard(NamedTuple):
    """The client's preconditions: versions the stored record must (not) have; "*" stands for any."""

    if_match: frozenset[str] = frozenset()
    if_none_match: frozenset[str] = frozenset()


@lru_cache(maxsize=1)
def dynamodb_client() -> BaseClient:
    """One client per process, made on first use (so that moto's `mock_aws` can intercept it)."""
    return clients.create_client(
        "dynamodb", get_settings().dynamodb_endpoint_url, max_pool_connections=MAX_POOL_CONNECTIONS
    )


def get_operation(operation_id: str) -> StoredOperation | None:
    """A strongly consistent read of one record, or None."""
    response = _read_live(operation_id, ReturnConsumedCapacity="TOTAL")
    item = response.get("Item")
    return None if item is None else from_item(item, _capacity(response))


def _read_live(operation_id: str, **request: Any) -> dict[str, Any]:
    """GetItem of one record, strongly consistent; an expired item is dropped from the answer."""
    key = {"operation_id": {"S": operation_id}}
    response = _call("get_item", TableName=get_settings().table_name, Key=key, ConsistentRead=True, **request)
    if "Item" in response and item_expired(response["Item"], now_seconds()):
        del response["Item"]
    return response


def now_seconds() -> float:
    """The clock that decides expiry (a function, so that tests can move it)."""
    return time.time()


def put_operation(
    document: dict[str, Any], version: str, guard: VersionGuard, principal: str | None = None
) -> StoredOperation:
    """Create or replace the record, if the stored one is not newer, not finished in another status, and
    matches the guard. Raises ConditionFailed, ItemTooLarge or StoreUnavailable; writes nothing then.
    `principal` (who asks) and the acceptance time are stored with it, in the same write."""
    settings = get_settings()
    now = now_seconds()
    condition, names, values = _write_condition(document, guard, now)
    item = item_of(
        document, version, settings.list_shards, settings.retention_days, recorded_time(now), principal
    )
    size = item_size(item)
    if size > ITEM_SIZE_LIMIT_BYTES:
        raise ItemTooLarge(f"the item would be {size:,} bytes")
    try:
        response = _call(
            "put_item",
            TableName=settings.table_name,
            Item=item,
            ConditionExpression=condition,
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
            ReturnConsumedCapacity="TOTAL",
        )
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
            old = error.response.get("Item")
            if old is None:
                current = _current_after_refusal(document["operation_id"])
            else:
                current = None if item_expired(old, now) else from_item(old)
            raise ConditionFailed(current) from None
        raise
    return StoredOperation(document, version, _capacity(response))


def recorded_time(epoch_seconds: float) -> str:
    """A time as the history records it: YYYYMMDD_hhmmss, UTC."""
    return time.strftime(RECORDED_TIME_FORMAT, time.gmtime(epoch_seconds))


def item_of(
    document: dict[str, Any],
    version: str,
    shard_count: int,
    retention_days: int,
    accepted_at: str | None = None,
    principal: str | None = None,
) -> dict[str, Any]:
    """The item a PUT writes: the record, the list index's attributes (whose summary repeats `sub_status`
    and `request.uri`), `_version`, and who wrote it when (`accepted_at`: `recorded_time`'s form), as
    DynamoDB attribute values."""
    internal = list_index.attributes(document, shard_count, retention_days)
    item = {key: _to_attribute(value) for key, value in {**document, **internal}.items()}
    item[VERSION_ATTRIBUTE] = {"S": version}
    if accepted_at is not None:
        item[RECORDED_TIME_ATTRIBUTE] = {"S": accepted_at}
    if principal is not None:
        item[PRINCIPAL_ATTRIBUTE] = {"S": principal}
    return item


def item_size(attributes: dict[str, Any]) -> int:
    """An item's size as DynamoDB counts it against its limit: each attribute's name and value in UTF-8
    bytes. Counted here rather than left to the store's refusal, as dynalite counts characters, not bytes,
    and stores what DynamoDB refuses (tests/integrity/test_size_limit.py)."""
    return sum(len(name.encode("utf-8")) + _value_size(value) for name, value in attributes.items())


def _value_size(attribute: dict[str, Any]) -> int:
    (kind, value), *_ = attribute.items()
    if kind == "S":
        return len(value.encode("utf-8"))
    if kind == "N":
        return _number_size(value)
    if kind == "B":  # raw bytes (a history entry's blob)
        return len(value)
    if kind == "L":  # 3 bytes, and 1 per element
        return 3 + sum(1 + _value_size(element) for element in value)
    if kind == "M":
        return 3 + len(value) + item_size(value)
    return 1  # NULL, BOOL


def _number_size(number: str) -> int:
    """1 byte, and 1 per two significant digits (their count made odd by the exponent's parity): the
    formula dynalite's authors measured against DynamoDB."""
    digits = number.lstrip("-")
    if int(digits) == 0:
        return 1
    significant = digits.rstrip("0")
    exponent = len(digits) - 1
    even_padding = 0 if len(significant) % 2 or exponent % 2 else 1
    return 1 + (len(significant) + 1) // 2 + even_padding + (1 if number.startswith("-") else 0)


def _write_condition(
    document: dict[str, Any], guard: VersionGuard, now: float
) -> tuple[str, dict[str, str], dict[str, Any]]:
    terminal = sorted(TERMINAL_STATUSES)
    values: dict[str, Any] = {
        ":updated": {"S": document["last_update_time"]},
        ":status": {"S": document["status"]},
        ":now": {"N": str(int(now))},
        **{f":terminal{index}": {"S": status} for index, status in enumerate(terminal)},
    }
    terminal_list = ", ".join(f":terminal{index}" for index in range(len(terminal)))
    # Fixed-width YYYYMMDD_hhmmss text sorts as time does, so a string comparison orders the reports.
    clauses = [
        f"({_ABSENT} OR (#updated <= :updated AND (NOT #status IN ({terminal_list}) OR #status = :status)))"
    ]
    if guard.if_match:
        clauses.append(_version_clause(guard.if_match, "match", values, negate=False))
    if guard.if_none_match:
        clauses.append(_version_clause(guard.if_none_match, "nomatch", values, negate=True))
    condition = " AND ".join(clauses)
    names = {
        "#id": "operation_id",
        "#updated": "last_update_time",
        "#status": "status",
        "#expires": EXPIRES_ATTRIBUTE,
    }
    if "#version" in condition:
        names["#version"] = VERSION_ATTRIBUTE
    return condition, names, values


# An item whose retention has ended is no item: the write creates the record anew, If-None-Match: *
# holds and If-Match does not. (A comparison with a missing attribute is false in DynamoDB.)
_ABSENT: Final = "(attribute_not_exists(#id) OR #expires <= :now)"
_LIVE: Final = "(attribute_exists(#id) AND (attribute_not_exists(#expires) OR #expires > :now))"


def _version_clause(versions: frozenset[str], prefix: str, values: dict[str, Any], *, negate: bool) -> str:
    if "*" in versions:
        return _ABSENT if negate else _LIVE
    names = []
    for index, version in enumerate(sorted(versions)):
        names.append(f":{prefix}{index}")
        values[names[-1]] = {"S": version}
    listed = f"#version IN ({', '.join(names)})"
    return f"({_ABSENT} OR NOT {listed})" if negate else f"({_LIVE} AND {listed})"


def _current_after_refusal(operation_id: str) -> StoredOperation | None:
    """A store that does not return the old item on refusal (dynalite, DynamoDB Local before 2023) is
    asked once more, so that the refusal can still be explained. DynamoDB itself never needs this, and
    the PUT function may only PutItem: if the read is not allowed, the refusal goes unexplained (409)."""
    try:
        return get_operation(operation_id)
    except (ClientError, StoreUnavailable):
        return None


def _call(operation: str, **request: Any) -> dict[str, Any]:
    try:
        response: dict[str, Any] = getattr(dynamodb_client(), operation)(**request)
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        message = error.response.get("Error", {}).get("Message", "")
        if code in _UNAVAILABLE_CODES or status >= 500:
            raise StoreUnavailable(code or str(status)) from error
        if code == "ValidationException" and "size" in message.lower() and "exceed" in message.lower():
            raise ItemTooLarge(message) from error
        raise
    except (HTTPClientError, BotocoreConnectionError) as error:  # timeouts, resets, refused connections
        raise StoreUnavailable(type(error).__name__) from error
    return response


def from_item(item: dict[str, Any], capacity: float | None = None) -> StoredOperation:
    """The record an item (or a stream record's image) holds, without the item's internal attributes, and
    its version."""
    version = item.get(VERSION_ATTRIBUTE, {}).get("S", "")
    document = {
        key: from_attribute(value) for key, value in item.items() if not key.startswith(INTERNAL_PREFIX)
    }
    return StoredOperation(document, version, capacity)


def item_expired(item: dict[str, Any], now: float) -> bool:
    """Whether a stored item (DynamoDB attribute values) had expired at `now` (docs/api.md, "Retention")."""
    expiry = item.get(EXPIRES_ATTRIBUTE, {}).get("N")
    return list_index.is_expired(int(expiry) if expiry is not None else None, now)


def _capacity(response: dict[str, Any]) -> float | None:
    units = response.get("ConsumedCapacity", {}).get("CapacityUnits")
    return float(units) if units is not None else None


def _to_attribute(value: Any) -> dict[str, Any]:
    if value is None:
        return {"NULL": True}
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, int):
        return {"N": str(value)}
    if isinstance(value, list):
        return {"L": [_to_attribute(item) for item in value]}
    if isinstance(value, dict):
        return {"M": {key: _to_attribute(item) for key, item in value.items()}}
    raise TypeError(f"a record holds no {type(value).__name__}")


def to_attribute(value: Any) -> dict[str, Any]:
    """A record's value as a DynamoDB attribute value (the fleet's items carry the summary too)."""
    return _to_attribute(value)


def from_attribute(attribute: dict[str, Any]) -> Any:
    (kind, value), *_ = attribute.items()
    if kind == "S":
        return value
    if kind == "N":
        return int(value)  # the record's only numbers are integers (status codes)
    if kind == "NULL":
        return None
    if kind == "BOOL":
        return bool(value)
    if kind == "L":
        return [from_attribute(item) for item in value]
    if kind == "M":
        return {key: from_attribute(item) for key, item in value.items()}
    raise TypeError(f"a record holds no DynamoDB {kind} attribute")


def request(operation: str, **parameters: Any) -> dict[str, Any]:
    """One request of any kind (the history's, `history.recording`), with this module's fault mapping."""
    return _call(operation, **parameters)


def query(request: dict[str, Any]) -> dict[str, Any]:
    """One Query request (the list's, `listing.shards`; the history's), with this module's fault mapping."""
    return _call("query", **request)


def get_item(request: dict[str, Any]) -> dict[str, Any]:
    """One GetItem request of another table (the history's head), with this module's fault mapping."""
    return _call("get_item", **request)
