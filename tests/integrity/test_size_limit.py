"""Size at the true limit (docs/api.md, "Size"): DynamoDB's 400 KiB item, checked against dynalite,
which enforces DynamoDB's own limit (moto's is 405,000 B). A record whose item is 409,600 B is stored
whole; one byte more is a 413 and nothing is stored, nothing truncated."""

from __future__ import annotations

import json
from typing import Any

import pytest

from devtools.item_size import LIMIT, padded_to
from tests.conftest import Invoke, full_record, get_event, minimal_record, put_event
from tests.integrity.conftest import DynamoTable

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
