"""The API over real HTTP, as `make run` serves it: round trips, problems, API Gateway's own answers."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from devtools.template import ROOT, load_template
from operations_api import rules
from tests.http.conftest import Answer, call, event_body, free_port

pytestmark = pytest.mark.http
JSON = {"Content-Type": "application/json"}
FIXTURE_ID = json.loads(event_body("put_operation"))["operation_id"]


def operation_url(base: str, operation_id: str = FIXTURE_ID) -> str:
    return f"{base}/v1/operations/{operation_id}"


def with_id(body: str, operation_id: str) -> str:
    record = json.loads(body)
    record["operation_id"] = operation_id
    return json.dumps(record)


def assert_problem(answer: Answer, status: int, code: str) -> dict[str, Any]:
    assert answer.status == status
    assert answer.headers["Content-Type"] == "application/problem+json"
    problem: dict[str, Any] = answer.json()
    assert (problem["status"], problem["code"]) == (status, code)
    return problem


def test_a_put_then_a_get_round_trips_the_fixture_record_exactly(local_api: str) -> None:
    body = event_body("put_operation")
    put = call(operation_url(local_api), "PUT", body, **JSON)
    got = call(operation_url(local_api))
    assert (put.status, got.status) == (200, 200)
    assert put.json() == got.json() == json.loads(body)
    assert put.headers["ETag"] == got.headers["ETag"]
    assert put.headers["Content-Type"] == got.headers["Content-Type"] == "application/json"


def test_malformed_json_is_a_400_problem(local_api: str) -> None:
    answer = call(operation_url(local_api), "PUT", event_body("put_operation_malformed_json"), **JSON)
    problem = assert_problem(answer, 400, "MALFORMED_JSON")
    assert problem["instance"] == urlsplit(operation_url(local_api)).path


def test_an_invalid_record_is_a_400_problem_pointing_at_each_fault(local_api: str) -> None:
    answer = call(operation_url(local_api), "PUT", event_body("put_operation_invalid"), **JSON)
    problem = assert_problem(answer, 400, "VALIDATION_ERROR")
    pointers = {error["pointer"] for error in problem["errors"]}
    assert pointers == {
        "/status",
        "/target_clusters/0/response/status_code",
        "/target_clusters/1/request/method",
        "/rollbacks/occurred_time",
        "/clusters",
    }
    assert all(error["detail"] for error in problem["errors"])


def test_each_problem_carries_the_fresh_request_id_of_its_own_request(local_api: str) -> None:
    answers = [call(operation_url(local_api, f"missing-{uuid.uuid4()}")) for _ in range(3)]
    request_ids = [answer.json()["request_id"] for answer in answers]
    assert request_ids == [answer.headers["Apigw-Requestid"] for answer in answers]
    assert len(set(request_ids)) == 3


def test_an_unknown_operation_is_a_404_problem(local_api: str) -> None:
    assert_problem(call(operation_url(local_api, f"missing-{uuid.uuid4()}")), 404, "OPERATION_NOT_FOUND")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1/nothing"),
        ("GET", "/"),
        ("GET", "/v1/operations/a/b"),
        ("DELETE", f"/v1/operations/{FIXTURE_ID}"),
        ("POST", f"/v1/operations/{FIXTURE_ID}"),
        ("TRACE", f"/v1/operations/{FIXTURE_ID}"),
        ("QUERY", f"/v1/operations/{FIXTURE_ID}"),
    ],
)
def test_a_request_no_route_takes_gets_api_gateways_own_404(local_api: str, method: str, path: str) -> None:
    answer = call(f"{local_api}{path}", method)
    assert answer.status == 404
    assert answer.headers["Content-Type"] == "application/json"
    assert answer.json() == {"message": "Not Found"}


def test_the_stale_fixture_after_the_failed_one_is_a_409_and_changes_nothing(local_api: str) -> None:
    stored = call(operation_url(local_api), "PUT", event_body("put_operation"), **JSON)
    stale = call(operation_url(local_api), "PUT", event_body("put_operation_stale"), **JSON)
    assert stored.status == 200
    assert_problem(stale, 409, "TERMINAL_STATUS")  # older, and executing after failed: the status rule speaks
    assert call(operation_url(local_api)).json() == json.loads(event_body("put_operation"))


def test_an_older_report_is_a_409_stale_update(local_api: str) -> None:
    url = operation_url(local_api, "op-stale")
    older = json.loads(with_id(event_body("put_operation"), "op-stale"))
    newer = {**older, "last_update_time": "20261122_070000"}
    assert call(url, "PUT", json.dumps(newer), **JSON).status == 200
    assert_problem(call(url, "PUT", json.dumps(older), **JSON), 409, "STALE_UPDATE")


def test_a_body_that_is_not_utf8_is_a_400_problem_not_a_500(local_api: str) -> None:
    url = operation_url(local_api, "op-binary")
    answer = call(url, "PUT", b'{"operation_id": "op-binary\xff\xfe"}', **JSON)
    assert_problem(answer, 400, "MALFORMED_JSON")


def test_a_body_of_a_binary_media_type_reaches_the_handler_base64_encoded(local_api: str) -> None:
    body = with_id(event_body("put_operation"), "op-octets")
    answer = call(operation_url(local_api, "op-octets"), "PUT", body, Content_Type="application/octet-stream")
    assert_problem(answer, 400, "UNSUPPORTED_MEDIA_TYPE")


def test_a_chunked_request_body_is_read_whole(local_api: str) -> None:
    body = with_id(event_body("put_operation"), "op-chunked").encode()
    chunks = iter([body[:100], body[100:]])
    url = urlsplit(operation_url(local_api, "op-chunked"))
    connection = http.client.HTTPConnection(url.netloc, timeout=30)
    try:
        connection.request("PUT", url.path, body=chunks, headers=JSON, encode_chunked=True)
        response = connection.getresponse()
        assert (response.status, json.loads(response.read())) == (200, json.loads(body))
    finally:
        connection.close()


def raw_call(base_url: str, method: str, path: str, body: str | None = None) -> tuple[int, dict[str, Any]]:
    """A request whose path is sent exactly as written: urllib, like every client, resolves `.` and `..`."""
    connection = http.client.HTTPConnection(urlsplit(base_url).netloc, timeout=30)
    try:
        connection.request(method, path, body=body, headers=JSON if body is not None else {})
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


@pytest.mark.parametrize("operation_id", [".", ".."])
def test_an_id_that_no_url_can_carry_is_refused_over_http_and_nothing_is_stored(
    local_api: str, operation_id: str
) -> None:
    path = f"/v1/operations/{operation_id}"
    body = with_id(event_body("put_operation"), operation_id)
    put_status, put_problem = raw_call(local_api, "PUT", path, body)
    get_status, get_problem = raw_call(local_api, "GET", path)
    assert (put_status, get_status) == (400, 400)
    assert put_problem["errors"] == get_problem["errors"] == [
        {"parameter": "operation_id", "detail": rules.OPERATION_ID_RULE}
    ]
    assert "Nothing was stored." in put_problem["detail"]
    assert "stored" not in get_problem["detail"]
    listed = call(f"{local_api}/v1/operations?page_size=100").json()["operations"]
    assert operation_id not in {summary["operation_id"] for summary in listed}


def test_an_etag_precondition_works_over_http(local_api: str) -> None:
    url = operation_url(local_api, "op-etag")
    body = with_id(event_body("put_operation"), "op-etag")
    etag = call(url, "PUT", body, **JSON).headers["ETag"]
    assert call(url, "PUT", body, If_Match=etag, **JSON).status == 200
    assert_problem(call(url, "PUT", body, If_None_Match="*", **JSON), 412, "PRECONDITION_FAILED")


def server_environment(port: str) -> dict[str, str]:
    """The environment `make run` gives the server: its own DynamoDB, the source tree on the path."""
    environment = {k: v for k, v in os.environ.items() if k not in ("DYNAMODB_ENDPOINT_URL", "TABLE_NAME")}
    environment.update(PORT=port, PYTHONPATH=f"{ROOT / 'layers' / 'operations'}{os.pathsep}{ROOT}")
    return environment


def start_refused(port: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "devtools.local_server"]
    return subprocess.run(
        command, cwd=ROOT, env=server_environment(port), capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize("port", ["abc", "-1", "65536", "3000x"])
def test_a_port_that_is_not_a_port_number_is_one_clear_line_and_exit_2(port: str) -> None:
    refused = start_refused(port)
    assert refused.returncode == 2
    assert refused.stderr.strip().splitlines() == [
        f"make run: PORT must be a port number from 0 to 65535 (0: any free port), not {port!r}"
    ]


def test_a_port_that_is_taken_is_one_clear_line_and_exit_2() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        refused = start_refused(str(port))
    assert refused.returncode == 2
    (line,) = refused.stderr.strip().splitlines()
    assert line.startswith(f"make run: port {port} is taken")
    assert "PORT=0" in line


@pytest.fixture
def server_process() -> Iterator[tuple[subprocess.Popen[str], str]]:
    """`python -m devtools.local_server` as `make run` starts it, on a free port; killed by pid if left."""
    port = free_port()
    command = [sys.executable, "-m", "devtools.local_server"]
    process = subprocess.Popen(
        command, cwd=ROOT, env=server_environment(str(port)), stderr=subprocess.PIPE, text=True
    )
    try:
        yield process, f"http://127.0.0.1:{port}"
    finally:
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
        if process.stderr is not None:
            process.stderr.close()


def wait_for_first_answer(base_url: str, process: subprocess.Popen[str], seconds: float) -> Answer:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, "the server exited before it answered"
        try:
            return call(operation_url(base_url, "op-none"))
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"no answer within {seconds} s")


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_make_run_serves_then_stops_cleanly_on_a_signal(
    server_process: tuple[subprocess.Popen[str], str], signum: signal.Signals
) -> None:
    process, base_url = server_process
    assert wait_for_first_answer(base_url, process, seconds=60).status == 404
    process.send_signal(signum)
    assert process.wait(timeout=5) == 0
    assert process.stderr is not None
    log = process.stderr.read()
    assert f"Operations API on {base_url}" in log
    assert "DynamoDB http://127.0.0.1:" in log
    assert "DYNAMODB_ENDPOINT_URL=http://127.0.0.1:" in log, "how `make invoke` shares this DynamoDB"
    assert all(route.route_key in log for route in load_template().routes)
    assert "GET /v1/operations/op-none 404" in log
