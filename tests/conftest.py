"""Shared fixtures: a moto DynamoDB table built from template.yaml, the event files, the handlers."""

from __future__ import annotations

import copy
import importlib.util
import io
import json
import logging
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from devtools.lambda_runtime import ensure_tables, table_variables

ROOT = Path(__file__).resolve().parent.parent
EVENTS = ROOT / "events"
TABLE_NAME = "operations-test"

# The caller's own environment, before the defaults below replace its AWS credentials and region: the
# end-to-end suite (tests/e2e) reads a deployed stack and signs its requests with them.
CALLER_ENVIRONMENT = dict(os.environ)

os.environ.update(
    {
        **table_variables(TABLE_NAME),  # TABLE_NAME, HISTORY_TABLE_NAME...: the tables `table` makes
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "POWERTOOLS_SERVICE_NAME": "operations-api",
        "POWERTOOLS_METRICS_NAMESPACE": "operations-api",
    }
)
os.environ.pop("DYNAMODB_ENDPOINT_URL", None)


# Where each fault of events/put_operation_invalid.json is told, by the source and the build alike.
INVALID_EVENT_POINTERS = frozenset(
    {
        "/status",
        "/target_clusters/0/response/status_code",
        "/target_clusters/1/request/method",
        "/rollbacks/occurred_time",
        "/clusters",
    }
)


def load_event(name: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((EVENTS / f"{name}.json").read_text(encoding="utf-8"))
    return event


def full_record() -> dict[str, Any]:
    """The full record of events/put_operation.json: status failed, clusters and rollbacks."""
    record: dict[str, Any] = json.loads(load_event("put_operation")["body"])
    return record


def minimal_record(**overrides: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "operation_id": "op-1",
        "occurred_time": "20261122_064230",
        "last_update_time": "20261122_064230",
        "status": "executing",
        "request": {"uri": "/v1/networks", "method": "POST", "body": '{"name": "net-a"}'},
    }
    record.update(overrides)
    return record


def put_event(record: dict[str, Any], operation_id: str | None = None, **headers: str) -> dict[str, Any]:
    """The PUT fixture event with another record (and path id, and headers)."""
    event = copy.deepcopy(load_event("put_operation"))
    operation_id = operation_id if operation_id is not None else str(record.get("operation_id"))
    event["body"] = json.dumps(record)
    _retarget(event, operation_id)
    event["headers"].update({name.replace("_", "-").lower(): value for name, value in headers.items()})
    return event


def get_event(operation_id: str) -> dict[str, Any]:
    event = copy.deepcopy(load_event("get_operation"))
    _retarget(event, operation_id)
    return event


def _retarget(event: dict[str, Any], operation_id: str) -> None:
    path = f"/v1/operations/{operation_id}"
    event["rawPath"] = path
    event["requestContext"]["http"]["path"] = path
    event["pathParameters"] = {"operation_id": operation_id}


@dataclass
class FakeLambdaContext:
    function_name: str = "operations-api-test"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:operations-api-test"
    aws_request_id: str = "00000000-0000-4000-8000-000000000000"

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


def closed_store_environment(*python_path: Path) -> dict[str, str]:
    """A fresh process's environment whose DynamoDB is a closed port: a request goes all the way through
    botocore and ends in a 503 at once (one attempt), with no server needed."""
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(str(path) for path in python_path),
        "TABLE_NAME": "operations",
        "DYNAMODB_ENDPOINT_URL": "http://127.0.0.1:9",
        "AWS_CLIENT_MAX_ATTEMPTS": "1",
        "AWS_ACCESS_KEY_ID": "probe",
        "AWS_SECRET_ACCESS_KEY": "probe",
        "AWS_DEFAULT_REGION": "us-east-1",
    }


def load_function(name: str) -> ModuleType:
    """Import functions/<name>/app.py under a name of its own (both functions' modules are `app`)."""
    spec = importlib.util.spec_from_file_location(f"{name}_app", ROOT / "functions" / name / "app.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


Invoke = Callable[[dict[str, Any]], dict[str, Any]]
JsonLogs = Callable[[], list[dict[str, Any]]]


@pytest.fixture
def json_logs() -> Iterator[JsonLogs]:
    """The service's JSON log lines, as Powertools Logger writes them (its handler's stream, swapped)."""
    from operations_api.api import logger

    handler = logger.registered_handler
    assert isinstance(handler, logging.StreamHandler)
    buffer = io.StringIO()
    previous = handler.setStream(buffer)
    yield lambda: [json.loads(line) for line in buffer.getvalue().splitlines()]
    handler.setStream(previous)


@pytest.fixture(scope="session")
def put_handler() -> ModuleType:
    return load_function("put_operation")


@pytest.fixture(scope="session")
def get_handler() -> ModuleType:
    return load_function("get_operation")


@pytest.fixture
def table() -> Iterator[Any]:
    """Fresh moto DynamoDB tables, made from template.yaml's own definitions (the records' TABLE_NAME, the
    history's...), and fresh cached clients; the client."""
    from moto import mock_aws

    from operations_api import clients, settings, store

    settings.get_settings.cache_clear()
    clients.botocore_session.cache_clear()  # a session made before moto was imported would bypass it
    store.dynamodb_client.cache_clear()
    with mock_aws():
        import boto3

        client = boto3.client("dynamodb", region_name="us-east-1")
        ensure_tables(client, TABLE_NAME)
        yield client
    store.dynamodb_client.cache_clear()


@pytest.fixture
def requests_sent(table: Any) -> list[str]:
    """The names of the DynamoDB operations the service sends, in order (botocore's before-send hook)."""
    from operations_api import store

    sent: list[str] = []

    def record(request: Any, **_: Any) -> None:
        sent.append(request.headers["X-Amz-Target"].decode().split(".")[-1])

    store.dynamodb_client().meta.events.register("before-send.dynamodb.*", record)
    return sent


def invoker(module: ModuleType) -> Invoke:
    def invoke(event: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = module.lambda_handler(event, FakeLambdaContext())
        return result

    return invoke


@pytest.fixture
def put(table: Any, put_handler: ModuleType) -> Invoke:
    return invoker(put_handler)


@pytest.fixture
def get(table: Any, get_handler: ModuleType) -> Invoke:
    return invoker(get_handler)
