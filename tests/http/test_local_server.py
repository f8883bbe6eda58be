"""The API over real HTTP, as `make run` serves it: round trips, problems, API Gateway's own answers."""

from __future__ import annotations

import base64
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid

import pytest

from devtools.template import ROOT
from tests.conftest import full_record, minimal_record
from tests.http.conftest import call

pytestmark = pytest.mark.http
JSON = {"Content-Type": "application/json"}


def operation_url(base: str, operation_id: str) -> str:
    return f"{base}/v1/operations/{operation_id}"


def test_a_put_then_a_get_round_trips_the_record_exactly(local_api: str) -> None:
    record = full_record()
    record["operation_id"] = f"round-trip-{uuid.uuid4()}"
    url = operation_url(local_api, record["operation_id"])
    put = call(url, "PUT", json.dumps(record), **JSON)
    got = call(url)
    assert (put.status, got.status) == (200, 200)
    assert put.json() == got.json() == record
    assert put.headers["ETag"] == got.headers["ETag"]
    assert got.headers["Content-Type"] == "application/json"


def test_problems_come_back_as_problem_documents_with_fresh_request_ids(local_api: str) -> None:
    url = operation_url(local_api, "op-problem")
    malformed = call(url, "PUT", '{"operation_id": ', **JSON)
    bad_record = minimal_record(operation_id="op-problem", status="done")
    invalid = call(url, "PUT", json.dumps(bad_record), **JSON)
    for answer, code in ((malformed, "MALFORMED_JSON"), (invalid, "VALIDATION_ERROR")):
        assert answer.status == 400
        assert answer.headers["Content-Type"] == "application/problem+json"
        assert answer.json()["code"] == code
    assert invalid.json()["errors"] == [
        {"pointer": "/status", "detail": invalid.json()["errors"][0]["detail"]}
    ]
    assert malformed.json()["request_id"] != invalid.json()["request_id"]


def test_an_unknown_operation_is_a_404_problem(local_api: str) -> None:
    answer = call(operation_url(local_api, f"missing-{uuid.uuid4()}"))
    assert answer.status == 404
    assert answer.json()["code"] == "OPERATION_NOT_FOUND"


@pytest.mark.parametrize(
    ("method", "path"), [("GET", "/v1/nothing"), ("DELETE", "/v1/operations/op-1"), ("GET", "/")]
)
def test_unknown_routes_get_api_gateways_own_404(local_api: str, method: str, path: str) -> None:
    answer = call(f"{local_api}{path}", method)
    assert answer.status == 404
    assert answer.json() == {"message": "Not Found"}


def test_a_stale_report_is_a_409(local_api: str) -> None:
    url = operation_url(local_api, "op-stale")
    newer = minimal_record(operation_id="op-stale", last_update_time="20261122_070000")
    assert call(url, "PUT", json.dumps(newer), **JSON).status == 200
    older = call(url, "PUT", json.dumps(minimal_record(operation_id="op-stale")), **JSON)
    assert older.status == 409
    assert older.json()["code"] == "STALE_UPDATE"


def test_a_body_that_is_not_utf8_is_a_400_problem_not_a_500(local_api: str) -> None:
    answer = call(operation_url(local_api, "op-binary"), "PUT", b'{"operation_id": "\xff\xfe"}', **JSON)
    assert answer.status == 400
    assert answer.json()["code"] == "MALFORMED_JSON"


def test_an_etag_precondition_works_over_http(local_api: str) -> None:
    url = operation_url(local_api, "op-etag")
    record = minimal_record(operation_id="op-etag")
    etag = call(url, "PUT", json.dumps(record), **JSON).headers["ETag"]
    assert call(url, "PUT", json.dumps(record), If_Match=etag, **JSON).status == 200
    assert call(url, "PUT", json.dumps(record), If_None_Match="*", **JSON).status == 412


def test_the_event_is_payload_2_0_as_api_gateway_sends_it() -> None:
    from devtools.local_server import build_event
    from devtools.template import Route

    route = Route("PUT", "/v1/operations/{operation_id}", "PutOperationFunction")
    headers = [
        ("Content-Type", "application/octet-stream"),
        ("Cookie", "a=1; b=2"),
        ("X-Twice", "1"),
        ("x-twice", "2"),
    ]
    event = build_event(
        "PUT", "/v1/operations/op%7E1?x=1&x=2", headers, b"\xff", route, {"operation_id": "op~1"}
    )
    assert event["version"] == "2.0"
    assert event["routeKey"] == "PUT /v1/operations/{operation_id}"
    assert event["rawPath"] == "/v1/operations/op%7E1"
    assert event["rawQueryString"] == "x=1&x=2"
    assert event["queryStringParameters"] == {"x": "1,2"}
    assert event["cookies"] == ["a=1", "b=2"]
    assert event["headers"] == {"content-type": "application/octet-stream", "x-twice": "1,2"}
    assert event["pathParameters"] == {"operation_id": "op~1"}
    assert (event["body"], event["isBase64Encoded"]) == (base64.b64encode(b"\xff").decode(), True)
    assert event["requestContext"]["http"]["method"] == "PUT"
    assert event["requestContext"]["requestId"]


def test_results_map_to_http_as_api_gateway_maps_them() -> None:
    from devtools.local_server import to_http

    answer = to_http(
        {
            "statusCode": 201,
            "headers": {"a": "1"},
            "cookies": ["c=1"],
            "body": "aGk=",
            "isBase64Encoded": True,
        }
    )
    assert (answer.status, answer.body) == (201, b"hi")
    assert ("Set-Cookie", "c=1") in answer.headers
    inferred = to_http({"hello": "world"})
    assert (inferred.status, json.loads(inferred.body)) == (200, {"hello": "world"})


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_make_run_starts_serves_and_stops_cleanly_on_ctrl_c() -> None:
    port = free_port()
    environment = {k: v for k, v in os.environ.items() if k not in ("DYNAMODB_ENDPOINT_URL", "TABLE_NAME")}
    environment.update(PORT=str(port), PYTHONPATH=f"{ROOT / 'layers' / 'operations'}{os.pathsep}{ROOT}")
    process = subprocess.Popen(
        [sys.executable, "-m", "devtools.local_server"],
        cwd=ROOT,
        env=environment,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        answer = None
        while time.monotonic() < deadline and answer is None:
            try:
                answer = call(operation_url(f"http://127.0.0.1:{port}", "op-none"))
            except OSError:
                time.sleep(0.2)
        assert answer is not None
        assert answer.status == 404
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=15) == 0
        assert process.stderr is not None
        log = process.stderr.read()
        assert f"Operations API on http://127.0.0.1:{port}" in log
        assert "GET /v1/operations/op-none 404" in log
    finally:
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
