"""Faults of the store and of the code, through the handlers; and what the logs say (and never say)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ReadTimeoutError
from botocore.stub import Stubber

from devtools.item_size import LIMIT, padded_to
from operations_api import store
from tests.support.events import get_event, load_event, put_event
from tests.support.handlers import Invoke, JsonLogs
from tests.support.records import minimal_record


def body_of(result: dict[str, Any]) -> Any:
    return json.loads(result["body"])


@pytest.fixture
def stub(table: Any) -> Iterator[Stubber]:
    with Stubber(store.dynamodb_client()) as stubber:
        yield stubber


@pytest.mark.parametrize(
    "code", ["ProvisionedThroughputExceededException", "ThrottlingException", "InternalServerError"]
)
def test_a_throttled_or_failing_store_is_a_503_with_retry_after(
    put: Invoke, stub: Stubber, code: str
) -> None:
    stub.add_client_error("put_item", code, http_status_code=500 if code == "InternalServerError" else 400)
    result = put(put_event(minimal_record()))
    assert result["statusCode"] == 503
    assert result["headers"]["Retry-After"] == "1"
    assert body_of(result)["code"] == "STORE_UNAVAILABLE"


def test_a_store_timeout_on_get_is_a_503(get: Invoke, table: Any) -> None:
    def time_out(**_: Any) -> None:
        raise ReadTimeoutError(endpoint_url="https://dynamodb")

    store.dynamodb_client().meta.events.register_first("before-send.dynamodb.GetItem", time_out)
    result = get(get_event("op-1"))
    assert result["statusCode"] == 503
    assert body_of(result)["code"] == "STORE_UNAVAILABLE"


def test_a_record_over_the_item_limit_is_a_413_and_nothing_is_stored(put: Invoke, get: Invoke) -> None:
    record = padded_to(minimal_record(), LIMIT + 1)  # one byte over, counted by the service on any store
    result = put(put_event(record))
    assert result["statusCode"] == 413
    problem = body_of(result)
    assert problem["code"] == "RECORD_TOO_LARGE"
    assert "409,600 bytes" in problem["detail"]
    assert get(get_event("op-1"))["statusCode"] == 404


def test_an_unexpected_error_is_a_500_problem_logged_with_its_stack(
    put: Invoke, monkeypatch: pytest.MonkeyPatch, json_logs: JsonLogs
) -> None:
    def broken(*_: Any, **__: Any) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(store, "put_operation", broken)
    event = put_event(minimal_record())
    result = put(event)
    assert result["statusCode"] == 500
    problem = body_of(result)
    assert problem["code"] == "INTERNAL_ERROR"
    assert problem["request_id"] == event["requestContext"]["requestId"]
    (error,) = [line for line in json_logs() if line["level"] == "ERROR"]
    assert error["correlation_id"] == event["requestContext"]["requestId"]
    assert "RuntimeError: a bug" in error["exception"]


def test_each_request_logs_one_line_with_its_facts(put: Invoke, get: Invoke, json_logs: JsonLogs) -> None:
    put(load_event("put_operation"))
    get(load_event("get_operation"))
    get(load_event("get_operation_not_found"))
    lines = [line for line in json_logs() if line["message"] == "request"]
    assert [(line["http_method"], line["status_code"]) for line in lines] == [
        ("PUT", 200),
        ("GET", 200),
        ("GET", 404),
    ]
    for line, name in zip(lines, ["put_operation", "get_operation", "get_operation_not_found"], strict=True):
        event = load_event(name)
        assert line["correlation_id"] == event["requestContext"]["requestId"]
        assert line["path"] == event["rawPath"]
        assert line["operation_id"] == event["pathParameters"]["operation_id"]
        assert line["latency_ms"] >= 0
        assert line["service"] == "operations-api"
        assert "cold_start" in line
    assert lines[2]["problem_code"] == "OPERATION_NOT_FOUND"
    assert "problem_code" not in lines[1], "keys of one request must not leak into the next"


def test_no_body_header_value_or_request_content_is_ever_logged(
    put: Invoke, get: Invoke, json_logs: JsonLogs, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = "s3cr3t-Zq8v"
    record = minimal_record(sub_status=f"token {secret}")
    record["request"]["body"] = json.dumps({"password": secret})
    put(put_event(record, authorization=f"AWS4-HMAC-SHA256 Credential={secret}", x_api_key=secret))
    bad = put_event({**record, "extra": secret}, authorization=f"Bearer {secret}")
    put(bad)
    get(get_event("op-1"))
    logs = json_logs()
    assert [line["status_code"] for line in logs if line["message"] == "request"] == [200, 400, 200]
    assert secret not in json.dumps(logs)
    output = capsys.readouterr()
    assert secret not in output.out + output.err
