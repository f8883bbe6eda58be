"""`make invoke`, run exactly as docs/development.md shows it, for each function on each of its events in
events/, on the real build for this machine: the handler's answer on stdout, its logs on stderr."""

from __future__ import annotations

import json
import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Final

import boto3
import pytest

from devtools.bench.fresh import moto_server
from devtools.lambda_runtime import DEFAULT_TABLE_NAME, local_table_names
from devtools.template import ROOT, load_template
from operations_api.service import version_of
from operations_api.store import item_of
from tests.support.build import as_a_user_runs_make, handler_result
from tests.support.events import INVALID_EVENT_POINTERS
from tests.support.history import history_recorded, versions_of
from tests.support.http import call
from tests.support.records import full_record
from tests.support.servers import ServerProcess, start_server_process, wait_until_answering

pytestmark = pytest.mark.build

EVENTS: Final = ROOT / "events"
INVOKE_SECONDS: Final = 600  # an outer bound: the first invoke of a session may rebuild
SERVER_START_SECONDS: Final = 120

# Each API event on a fresh table (what `make invoke` gives each run): its status and problem code.
API_ANSWERS: Final = {
    "put_operation.json": (200, None),
    "put_operation_stale.json": (200, None),  # stale only after put_operation.json: see the shared test
    "put_operation_id_mismatch.json": (400, "OPERATION_ID_MISMATCH"),
    "put_operation_invalid.json": (400, "VALIDATION_ERROR"),
    "put_operation_malformed_json.json": (400, "MALFORMED_JSON"),
    "get_operation.json": (404, "OPERATION_NOT_FOUND"),
    "get_operation_not_found.json": (404, "OPERATION_NOT_FOUND"),
    "list_operations.json": (200, None),
    "list_operations_cluster.json": (200, None),
    "count_operations.json": (200, None),
    "count_operations_invalid_hours.json": (400, "VALIDATION_ERROR"),
    # a fresh table has no history: test_invokes_read_a_history_in_make_runs_dynamodb reads one
    "get_history.json": (404, "OPERATION_NOT_FOUND"),
    "get_history_version.json": (404, "OPERATION_NOT_FOUND"),
    "get_history_not_found.json": (404, "OPERATION_NOT_FOUND"),
    "get_history_invalid.json": (400, "VALIDATION_ERROR"),
}
# Each stream event: the detail-types of the change events the consumer published.
STREAM_PUBLISHED: Final = {
    "dynamodb_stream_insert.json": ["Operation Status Changed"],
    "dynamodb_stream_update.json": ["Operation Updated"],
    "dynamodb_stream_status_change.json": ["Operation Status Changed"],
    "dynamodb_stream_replay.json": [],
    "dynamodb_stream_ttl_removal.json": ["Operation Expired"],
    "dynamodb_stream_user_removal.json": [],
}
NOT_AN_EVENT: Final = {"sam-local-env.json"}  # sam local's --env-vars file


def function_of(event_file: str) -> str:
    """The template's function an event belongs to: an API event by its route, a stream event to the
    function that reads the table's stream."""
    event = json.loads((EVENTS / event_file).read_text(encoding="utf-8"))
    functions = load_template().functions.values()
    if "routeKey" in event:
        (function,) = [f for f in functions if any(r.route_key == event["routeKey"] for r in f.routes)]
    else:
        assert {record["eventSource"] for record in event["Records"]} == {"aws:dynamodb"}, event_file
        (function,) = [f for f in functions if f.reads_stream]
    return function.logical_id


def make_invoke(function: str, event_file: str, *assignments: str) -> subprocess.CompletedProcess[str]:
    """`make invoke FN=<function> EVENT=events/<file>` from the repository's root, as a user types it."""
    command = ["make", "invoke", f"FN={function}", f"EVENT=events/{event_file}", *assignments]
    return subprocess.run(
        command, cwd=ROOT, env=as_a_user_runs_make(), capture_output=True, text=True, timeout=INVOKE_SECONDS
    )


def test_every_event_file_belongs_to_a_function_and_has_an_expected_answer() -> None:
    files = {path.name for path in EVENTS.glob("*.json")} - NOT_AN_EVENT
    assert files == set(API_ANSWERS) | set(STREAM_PUBLISHED)
    assert {function_of(name) for name in STREAM_PUBLISHED} == {"PublishEventsFunction"}
    assert {function_of(name) for name in API_ANSWERS} == {
        function.logical_id for function in load_template().functions.values() if function.routes
    }


@pytest.mark.parametrize("event_file", sorted(API_ANSWERS))
def test_make_invoke_answers_each_api_event_as_the_contract_says(native_build: Path, event_file: str) -> None:
    function = function_of(event_file)
    answer = make_invoke(function, event_file)
    result = handler_result(answer)
    status, code = API_ANSWERS[event_file]
    assert result["statusCode"] == status, result
    body = json.loads(result["body"])
    if code is not None:
        assert result["headers"]["Content-Type"] == "application/problem+json"
        assert body["code"] == code
    elif function == "ListOperationsFunction":
        assert body["operations"] == [], "a fresh table lists nothing"
    elif function == "CountOperationsFunction":
        assert body["hours"] == 24
        assert set(body["in_progress"].values()) | set(body["finished"].values()) == {0}, "a fresh table"
    else:
        assert result["headers"]["ETag"].startswith('"')
        assert body == json.loads(json.loads((EVENTS / event_file).read_text(encoding="utf-8"))["body"])
    if event_file == "put_operation_invalid.json":
        assert {entry["pointer"] for entry in body["errors"]} == INVALID_EVENT_POINTERS
    if event_file == "count_operations_invalid_hours.json":
        assert [entry["parameter"] for entry in body["errors"]] == ["hours"]
    assert f"invoke: {function} from {native_build / function}, under Python" in answer.stderr
    assert '"message":"request"' in answer.stderr, "the handler's log line, on stderr"


@pytest.mark.parametrize("event_file", sorted(STREAM_PUBLISHED))
def test_make_invoke_runs_the_stream_consumer_and_shows_what_it_published(
    native_build: Path, event_file: str
) -> None:
    answer = make_invoke("PublishEventsFunction", event_file)
    assert handler_result(answer) == {"batchItemFailures": []}
    published = STREAM_PUBLISHED[event_file]
    assert f"invoke: {len(published)} change events published" in answer.stderr
    assert [line for line in answer.stderr.splitlines() if '"detail-type"' in line] == [
        f'  "detail-type": "{detail_type}",' for detail_type in published
    ]


def test_the_invoke_build_runs_on_this_machine(native_build: Path) -> None:
    """Its layer is pure Python (no extension for another machine), its bytecode for the runtime."""
    assert sorted((native_build / "OperationsLayer" / "python").rglob("*.so")) == []


@pytest.fixture
def empty_dynamodb() -> Iterator[str]:
    """A DynamoDB with no table yet (moto's server, here): its endpoint."""
    with moto_server() as endpoint:
        yield endpoint


def test_make_invoke_of_the_stream_loop_makes_the_history_table_beside_the_records(
    native_build: Path, empty_dynamodb: str
) -> None:
    """Given a DynamoDB, `make invoke` makes there every table the template has that is missing, the
    history's with its own keys: the loop it runs is given their names (devtools/lambda_runtime.py)."""
    answer = make_invoke(
        "PublishEventsFunction", "dynamodb_stream_insert.json", f"DYNAMODB_ENDPOINT_URL={empty_dynamodb}"
    )
    assert handler_result(answer) == {"batchItemFailures": []}
    client = boto3.client("dynamodb", endpoint_url=empty_dynamodb, region_name="us-east-1")
    assert sorted(client.list_tables()["TableNames"]) == sorted(local_table_names("operations").values())
    history = client.describe_table(TableName="operations-history")["Table"]
    assert history["KeySchema"] == load_template().resources["HistoryTable"]["Properties"]["KeySchema"]


# --- invokes sharing the DynamoDB of a running `make run`, as docs/development.md shows ---------------

BANNER_ENDPOINT: Final = re.compile(r"DYNAMODB_ENDPOINT_URL=(http://[^\s)]+)")


@pytest.fixture
def make_run_dynamodb(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[ServerProcess, str]]:
    """A local server as `make run` starts it (its default table, as `make invoke`'s), and the DynamoDB
    endpoint its banner prints."""
    monkeypatch.delenv("TABLE_NAME")  # the tests' own table name (tests/conftest.py)
    server = start_server_process()
    try:
        wait_until_answering(server, time.monotonic() + SERVER_START_SECONDS)
        endpoint = BANNER_ENDPOINT.search(server.output())
        assert endpoint is not None, server.output()
        yield server, endpoint.group(1)
    finally:
        server.stop()


def test_invokes_given_make_runs_dynamodb_see_each_others_records_and_the_servers(
    native_build: Path, make_run_dynamodb: tuple[ServerProcess, str]
) -> None:
    """Alone, each invoke has a fresh table (the GET event answers 404); given the DynamoDB `make run`
    prints, the PUT event's record is there for the GET event, the stale report is refused, and the
    server itself serves the record."""
    server, endpoint = make_run_dynamodb
    shared = f"DYNAMODB_ENDPOINT_URL={endpoint}"
    put = handler_result(make_invoke("PutOperationFunction", "put_operation.json", shared))
    assert put["statusCode"] == 200
    stale = handler_result(make_invoke("PutOperationFunction", "put_operation_stale.json", shared))
    assert (stale["statusCode"], json.loads(stale["body"])["code"]) == (409, "TERMINAL_STATUS")
    got = handler_result(make_invoke("GetOperationFunction", "get_operation.json", shared))
    assert (got["statusCode"], json.loads(got["body"])) == (200, full_record())
    served = call(f"{server.url}/v1/operations/{full_record()['operation_id']}")
    assert (served.status, served.json()) == (200, full_record()), served.body


def test_invokes_read_a_history_in_make_runs_dynamodb(
    native_build: Path, make_run_dynamodb: tuple[ServerProcess, str]
) -> None:
    """The history fixtures, given the DynamoDB `make run` prints, where the fixture's operation has three
    versions and their history: the first page of two entries with a token, the second version, 404 and
    400 problems."""
    _, endpoint = make_run_dynamodb
    operation_id = json.loads((EVENTS / "get_history.json").read_text(encoding="utf-8"))["pathParameters"]
    versions = versions_of(operation_id["operation_id"], 3)
    client = boto3.client("dynamodb", endpoint_url=endpoint, region_name="us-east-1")
    tables = local_table_names(DEFAULT_TABLE_NAME)
    for record in versions:
        client.put_item(TableName=tables["OperationsTable"], Item=item_of(record, version_of(record), 1, 0))
    history_recorded(client, tables["HistoryTable"], operation_id["operation_id"], versions)
    shared = f"DYNAMODB_ENDPOINT_URL={endpoint}"
    page = handler_result(make_invoke("GetHistoryFunction", "get_history.json", shared))
    assert page["statusCode"] == 200
    assert [entry["version"] for entry in json.loads(page["body"])["entries"]] == [
        version_of(record) for record in versions[:2]
    ]
    assert "next_page_token" in json.loads(page["body"])
    version = handler_result(make_invoke("GetHistoryFunction", "get_history_version.json", shared))
    assert (version["statusCode"], json.loads(version["body"])) == (200, versions[1])
    for event_file, (status, code) in [
        ("get_history_not_found.json", (404, "OPERATION_NOT_FOUND")),
        ("get_history_invalid.json", (400, "VALIDATION_ERROR")),
    ]:
        problem = handler_result(make_invoke("GetHistoryFunction", event_file, shared))
        assert (problem["statusCode"], json.loads(problem["body"])["code"]) == (status, code)
