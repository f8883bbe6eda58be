"""The API over real HTTP, as `make run` serves it: round trips, problems, API Gateway's own answers."""

from __future__ import annotations

import fcntl
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, Any, Final
from urllib.parse import urlsplit

import boto3
import pytest

from devtools import local_server
from devtools.lambda_runtime import local_table_names
from devtools.processes import group_alive
from devtools.template import ROOT, load_template
from operations_api.record import rules
from tests.support.events import event_body
from tests.support.http import Answer, call, free_port
from tests.support.raw_http import get, put_json

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


@pytest.mark.parametrize("operation_id", [".", ".."])
def test_an_id_that_no_url_can_carry_is_refused_over_http_and_nothing_is_stored(
    local_api: str, operation_id: str
) -> None:
    """Sent exactly as written (http.client): urllib, like every client, resolves `.` and `..` away."""
    put = put_json(local_api, json.loads(with_id(event_body("put_operation"), operation_id)))
    got = get(local_api, operation_id)
    assert (put.problem_code, got.problem_code) == ("VALIDATION_ERROR", "VALIDATION_ERROR")
    put_problem, get_problem = put.json(), got.json()
    assert (
        put_problem["errors"]
        == get_problem["errors"]
        == [{"parameter": "operation_id", "detail": rules.OPERATION_ID_RULE}]
    )
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


WAIT_SECONDS: Final = 180.0  # an outer bound only: every wait below polls for its condition
NOT_A_SHELLS: Final = {"MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES", "LOG_LEVEL"}
ACCESS_LINE: Final = re.compile(r"^(GET|PUT) (/\S*) (\d{3}) \d+\.\dms$")


@dataclass
class MakeRun:
    """`make run`, exactly as a user types it, in a process group of its own (as a terminal gives it)."""

    process: subprocess.Popen[bytes]
    log: IO[bytes]
    base_url: str

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode("utf-8", "replace")

    def wait_for(self, what: str, condition: Callable[[str], bool]) -> str:
        deadline = time.monotonic() + WAIT_SECONDS
        while not condition(output := self.output()):
            assert time.monotonic() < deadline, f"no {what} within {WAIT_SECONDS} s: {output[-3000:]}"
            time.sleep(0.1)
        return output

    def signal_group(self, signum: signal.Signals) -> None:
        os.killpg(self.process.pid, signum)


def make_run_environment(port: int) -> dict[str, str]:
    """A shell's environment, without an outer make's flags (`make test` runs these tests) or a LOG_LEVEL;
    and `make run`'s .venv-run made first, by one test at a time: the tests run in parallel, and two uv
    syncs of it would collide."""
    environment = {k: v for k, v in server_environment(str(port)).items() if k not in NOT_A_SHELLS}
    with (ROOT / ".venv" / ".make-run.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        made = subprocess.run(
            ["make", "--no-print-directory", ".venv-run/.stamp"], cwd=ROOT, env=environment, check=False
        )
    assert made.returncode == 0
    return environment


@pytest.fixture
def make_run(request: pytest.FixtureRequest) -> Iterator[MakeRun]:
    """`PORT=<free> make run` (stdout and stderr, as a terminal shows them); its group killed if left."""
    port = free_port()
    environment = make_run_environment(port)
    environment.update(getattr(request, "param", {}))
    log = tempfile.TemporaryFile()  # noqa: SIM115 (closed below)
    process = subprocess.Popen(
        ["make", "--no-print-directory", "run"],
        cwd=ROOT,
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        yield MakeRun(process, log, f"http://127.0.0.1:{port}")
    finally:
        if group_alive(process.pid):  # make, or the server it started: neither is left behind
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        log.close()


def port_is_closed(base_url: str) -> bool:
    try:
        socket.create_connection(("127.0.0.1", urlsplit(base_url).port or 0), timeout=5).close()
    except OSError:
        return True
    return False


def requests_of_a_session(base_url: str) -> list[tuple[str, str, int]]:
    """A GET of nothing, a PUT, its GET, the list, a refused PUT: each answer's method, path and status."""
    record = json.loads(with_id(event_body("put_operation"), "op-logged"))
    answers = [
        ("GET", "/v1/operations/op-none", get(base_url, "op-none").status),
        ("PUT", "/v1/operations/op-logged", put_json(base_url, record).status),
        ("GET", "/v1/operations/op-logged", get(base_url, "op-logged").status),
        ("GET", "/v1/operations", call(f"{base_url}/v1/operations").status),
        ("PUT", "/v1/operations/op-bad", put_json(base_url, {"status": "done"}, "op-bad").status),
    ]
    assert [status for *_, status in answers] == [404, 200, 200, 200, 400]
    return answers


def access_lines(output: str) -> list[tuple[str, str, int]]:
    return [
        (found.group(1), found.group(2), int(found.group(3)))
        for line in output.splitlines()
        if (found := ACCESS_LINE.match(line))
    ]


def test_make_run_logs_one_line_per_request_and_says_its_dynamodb_is_in_memory(make_run: MakeRun) -> None:
    make_run.wait_for("banner", lambda output: "Ctrl-C stops it." in output)
    session = requests_of_a_session(make_run.base_url)
    output = make_run.wait_for("access lines", lambda output: len(access_lines(output)) >= len(session))
    assert access_lines(output) == session
    banner, _, log = output.partition("Ctrl-C stops it.\n")
    assert "in memory: its records are gone when this stops" in banner
    assert "One line per request: method, path, status, milliseconds" in banner
    others = [line for line in log.splitlines() if not ACCESS_LINE.match(line)]
    assert [line for line in others if not line.startswith("event ")] == [], "nothing but requests and events"


BANNER_ENDPOINT: Final = re.compile(r"DYNAMODB_ENDPOINT_URL=(http://[^\s)]+)")


def test_make_run_makes_every_table_of_the_template_the_history_beside_the_records(make_run: MakeRun) -> None:
    banner = make_run.wait_for("banner", lambda output: "Ctrl-C stops it." in output)
    endpoint = BANNER_ENDPOINT.search(banner)
    assert endpoint is not None, banner
    client = boto3.client("dynamodb", endpoint_url=endpoint.group(1), region_name="us-east-1")
    names = local_table_names("operations")  # `make run`'s default TABLE_NAME
    assert sorted(client.list_tables()["TableNames"]) == sorted(names.values())
    history = client.describe_table(TableName="operations-history")["Table"]
    assert history["KeySchema"] == load_template().resources["HistoryTable"]["Properties"]["KeySchema"]
    assert "table 'operations', in memory" in banner
    assert "tables beside it: 'operations-history'" in banner


def test_the_banner_says_a_dynamodb_of_ones_own_is_kept() -> None:
    """DYNAMODB_ENDPOINT_URL set: not moto's in memory, and nothing of it goes when the server stops."""
    running = local_server.RunningApi(
        "http://127.0.0.1:3000", "http://127.0.0.1:8000", "t", lambda: None, False
    )
    text = local_server.banner(running, 1.0)
    assert "table 't', yours: kept" in text
    assert "tables beside it: 't-history'" in text
    assert "in memory" not in text


@pytest.mark.parametrize("make_run", [{"LOG_LEVEL": "INFO"}], indirect=True)
def test_make_run_with_log_level_info_adds_the_functions_own_logs(make_run: MakeRun) -> None:
    make_run.wait_for("banner", lambda output: "Ctrl-C stops it." in output)
    session = requests_of_a_session(make_run.base_url)
    output = make_run.wait_for("access lines", lambda output: len(access_lines(output)) >= len(session))
    logged = [json.loads(line) for line in output.splitlines() if line.startswith('{"level":"INFO"')]
    statuses = [line["status_code"] for line in logged if line["message"] == "request"]
    assert statuses == [status for *_, status in session]


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_make_run_serves_then_stops_cleanly_on_a_signal(make_run: MakeRun, signum: signal.Signals) -> None:
    make_run.wait_for("banner", lambda output: "Ctrl-C stops it." in output)
    assert get(make_run.base_url, "op-none").status == 404
    make_run.signal_group(signum)  # what Ctrl-C does: the signal to the terminal's whole process group
    log = make_run.wait_for("stop", lambda output: "stopped" in output.splitlines())
    make_run.process.wait(timeout=WAIT_SECONDS)
    make_run.wait_for("every process gone", lambda _: not group_alive(make_run.process.pid))
    assert port_is_closed(make_run.base_url)
    assert f"Operations API on {make_run.base_url}" in log
    assert "DynamoDB http://127.0.0.1:" in log
    assert "DYNAMODB_ENDPOINT_URL=http://127.0.0.1:" in log, "how `make invoke` shares this DynamoDB"
    assert all(route.route_key in log for route in load_template().routes)
    assert "GET /v1/operations/op-none 404" in log
    assert "Traceback" not in log
