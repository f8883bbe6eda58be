"""Shared fixtures: a moto DynamoDB table built from template.yaml, the event files, the handlers."""

from __future__ import annotations

import io
import json
import logging
import os
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest

from devtools.lambda_runtime import ensure_tables
from tests.support.environment import TABLE_NAME, TEST_ENVIRONMENT
from tests.support.handlers import Invoke, JsonLogs, invoker, load_function

os.environ.update(TEST_ENVIRONMENT)
os.environ.pop("DYNAMODB_ENDPOINT_URL", None)


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
    history's HISTORY_TABLE_NAME...), and fresh cached clients; the client."""
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


@pytest.fixture
def put(table: Any, put_handler: ModuleType) -> Invoke:
    return invoker(put_handler)


@pytest.fixture
def get(table: Any, get_handler: ModuleType) -> Invoke:
    return invoker(get_handler)
