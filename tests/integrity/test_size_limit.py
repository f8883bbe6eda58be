"""Size at the true limit (docs/api.md, "Size"): DynamoDB's 400 KiB item, checked against dynalite,
which enforces DynamoDB's own limit (moto's is 405,000 B). A record whose item is 409,600 B is stored
whole; one byte more is a 413 and nothing is stored, nothing truncated. The item counted is the one
written: the record, the summary that repeats `sub_status` and `request.uri`, and the internal attributes."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from devtools.item_size import LIMIT, padded_to, stored_item
from operations_api.record.rules import OPERATION_URI_MAX_LENGTH, SUB_STATUS_MAX_LENGTH
from tests.support.dynamodb import DynamoTable
from tests.support.events import get_event, put_event
from tests.support.handlers import Invoke
from tests.support.records import full_record, minimal_record

LAMBDA_SYNC_PAYLOAD_LIMIT = 6 * 1024 * 1024


def body_of(result: dict[str, Any]) -> Any:
    return json.loads(result["body"])


@pytest.mark.parametrize("below", [0, 1, 3])
def test_a_record_at_or_just_below_the_limit_is_stored_whole(
    put_on_dynalite: Invoke, get_on_dynalite: Invoke, below: int
) -> None:
    record = padded_to(full_record(), LIMIT - below)
    result = put_on_dynalite(put_event(record))
    assert result["statusCode"] == 200, result["body"][:500]
    assert body_of(result) == record
    stored = get_on_dynalite(get_event(record["operation_id"]))
    assert stored["statusCode"] == 200
    assert body_of(stored) == record
    assert stored["headers"]["ETag"] == result["headers"]["ETag"]


@pytest.mark.parametrize("above", [1, 3])
def test_a_record_just_above_the_limit_is_a_413_and_nothing_is_stored(
    put_on_dynalite: Invoke, get_on_dynalite: Invoke, above: int
) -> None:
    record = padded_to(full_record(), LIMIT + above)
    result = put_on_dynalite(put_event(record))
    assert result["statusCode"] == 413
    assert result["headers"]["Content-Type"] == "application/problem+json"
    problem = body_of(result)
    assert problem["code"] == "RECORD_TOO_LARGE"
    assert "409,600 bytes" in problem["detail"]
    assert get_on_dynalite(get_event(record["operation_id"]))["statusCode"] == 404


def with_the_longest_copies(sub_status_character: str) -> dict[str, Any]:
    """The full record with the longest sub_status and request.uri, each copied into the item's summary."""
    record = full_record()
    record["sub_status"] = sub_status_character * SUB_STATUS_MAX_LENGTH
    record["request"] = {**record["request"], "uri": "/" + "u" * (OPERATION_URI_MAX_LENGTH - 1)}
    return record


@pytest.mark.parametrize("sub_status_character", ["s", "é"])
def test_the_copies_in_the_summary_count_to_the_byte(
    put_on_dynalite: Invoke, get_on_dynalite: Invoke, sub_status_character: str
) -> None:
    at_limit = padded_to(with_the_longest_copies(sub_status_character), LIMIT)
    result = put_on_dynalite(put_event(at_limit))
    assert result["statusCode"] == 200, result["body"][:500]
    assert body_of(get_on_dynalite(get_event(at_limit["operation_id"]))) == at_limit

    one_more = padded_to({**with_the_longest_copies(sub_status_character), "operation_id": "op-2"}, LIMIT + 1)
    result = put_on_dynalite(put_event(one_more))
    assert result["statusCode"] == 413
    assert body_of(result)["code"] == "RECORD_TOO_LARGE"
    assert get_on_dynalite(get_event("op-2"))["statusCode"] == 404


@pytest.mark.parametrize(("size", "stored"), [(LIMIT, True), (LIMIT + 1, False)])
def test_the_services_count_is_dynalites_own(
    service_on_dynalite: DynamoTable, size: int, stored: bool
) -> None:
    """The item the service counts, written straight to dynalite: dynalite's own limit falls on the same byte
    (ASCII: dynalite counts characters, DynamoDB UTF-8 bytes, test_dynalite_facts)."""
    item = stored_item(padded_to(with_the_longest_copies("s"), size))
    table = service_on_dynalite
    if stored:
        table.client.put_item(TableName=table.name, Item=item)
        assert table.item(item["operation_id"]["S"]) == item
    else:
        with pytest.raises(ClientError, match="size has exceeded"):
            table.client.put_item(TableName=table.name, Item=item)
        assert table.item(item["operation_id"]["S"]) is None


def test_a_record_over_the_limit_in_utf8_bytes_only_is_a_413_as_dynamodb_answers(
    put_on_dynalite: Invoke, get_on_dynalite: Invoke
) -> None:
    """dynalite would store it (it counts characters); the service counts bytes, as DynamoDB does."""
    record = minimal_record(request={"uri": "/v1/networks", "method": "POST", "body": "é" * (LIMIT // 2)})
    result = put_on_dynalite(put_event(record))
    assert result["statusCode"] == 413
    assert get_on_dynalite(get_event("op-1"))["statusCode"] == 404


def test_a_too_large_update_leaves_the_stored_record_as_it_was(
    put_on_dynalite: Invoke, service_on_dynalite: DynamoTable
) -> None:
    first = minimal_record(sub_status="step 1")
    assert put_on_dynalite(put_event(first))["statusCode"] == 200
    too_large = padded_to(minimal_record(last_update_time="20261122_070000"), LIMIT + 1)
    assert put_on_dynalite(put_event(too_large))["statusCode"] == 413
    assert service_on_dynalite.record("op-1") == first


def test_the_largest_record_fits_lambdas_payload_limits_even_when_every_character_is_escaped(
    put_on_dynalite: Invoke,
) -> None:
    """A NUL is 1 byte in DynamoDB but 6 in JSON (\\u0000), and 7 once the body is a string in the Lambda
    event or result: the worst case of a storable record still fits Lambda's 6 MB synchronous payload."""
    record = padded_to(minimal_record(), LIMIT)
    record["request"]["body"] = "\0" * len(record["request"]["body"])
    event = put_event(record)
    result = put_on_dynalite(event)
    assert result["statusCode"] == 200
    event_bytes = len(json.dumps(event).encode("utf-8"))
    result_bytes = len(json.dumps(result).encode("utf-8"))
    assert max(event_bytes, result_bytes) < LAMBDA_SYNC_PAYLOAD_LIMIT / 2, (event_bytes, result_bytes)
