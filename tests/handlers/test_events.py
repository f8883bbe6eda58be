"""Each file in events/, driven through its handler, gives the answer the contract documents."""

from __future__ import annotations

import json
from typing import Any

from tests.support.events import INVALID_EVENT_POINTERS, load_event
from tests.support.handlers import Invoke
from tests.support.records import full_record


def body_of(result: dict[str, Any]) -> Any:
    return json.loads(result["body"])


def test_put_operation_stores_the_full_record_and_returns_it(put: Invoke) -> None:
    result = put(load_event("put_operation"))
    assert result["statusCode"] == 200
    assert result["headers"]["Content-Type"] == "application/json"
    assert result["headers"]["ETag"].startswith('"')
    assert body_of(result) == full_record()


def test_get_operation_returns_what_put_stored_with_the_same_etag(put: Invoke, get: Invoke) -> None:
    stored = put(load_event("put_operation"))
    result = get(load_event("get_operation"))
    assert result["statusCode"] == 200
    assert body_of(result) == full_record()
    assert result["headers"]["ETag"] == stored["headers"]["ETag"]


def test_get_operation_not_found_is_a_404_problem(get: Invoke) -> None:
    result = get(load_event("get_operation_not_found"))
    assert result["statusCode"] == 404
    assert result["headers"]["Content-Type"] == "application/problem+json"
    problem = body_of(result)
    assert problem["code"] == "OPERATION_NOT_FOUND"
    assert problem["instance"] == "/v1/operations/no-such-operation"
    assert problem["request_id"] == load_event("get_operation_not_found")["requestContext"]["requestId"]


def test_put_operation_invalid_lists_every_problem_with_its_pointer(put: Invoke, get: Invoke) -> None:
    result = put(load_event("put_operation_invalid"))
    assert result["statusCode"] == 400
    problem = body_of(result)
    assert problem["code"] == "VALIDATION_ERROR"
    assert {entry["pointer"] for entry in problem["errors"]} == INVALID_EVENT_POINTERS
    assert get(load_event("get_operation"))["statusCode"] == 404, "nothing may be stored"


def test_put_operation_malformed_json_is_a_400_problem(put: Invoke) -> None:
    result = put(load_event("put_operation_malformed_json"))
    assert result["statusCode"] == 400
    assert body_of(result)["code"] == "MALFORMED_JSON"


def test_put_operation_id_mismatch_is_a_400_problem_and_stores_nothing(put: Invoke, get: Invoke) -> None:
    result = put(load_event("put_operation_id_mismatch"))
    assert result["statusCode"] == 400
    assert body_of(result)["code"] == "OPERATION_ID_MISMATCH"
    assert get(load_event("get_operation"))["statusCode"] == 404


def test_put_operation_stale_after_the_terminal_report_is_a_409(put: Invoke, get: Invoke) -> None:
    put(load_event("put_operation"))
    result = put(load_event("put_operation_stale"))
    assert result["statusCode"] == 409
    assert body_of(result)["code"] == "TERMINAL_STATUS"
    assert body_of(get(load_event("get_operation"))) == full_record()


def test_every_api_call_is_exactly_one_dynamodb_request(
    put: Invoke, get: Invoke, requests_sent: list[str]
) -> None:
    put(load_event("put_operation"))  # created
    put(load_event("put_operation"))  # replayed
    put(load_event("put_operation_stale"))  # refused, explained from the old item DynamoDB returns
    get(load_event("get_operation"))
    get(load_event("get_operation_not_found"))
    put(load_event("put_operation_invalid"))  # refused before any request
    assert requests_sent == ["PutItem", "PutItem", "PutItem", "GetItem", "GetItem"]
