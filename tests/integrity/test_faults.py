"""Faults of the network between the function and DynamoDB, through the handlers.

Throttling and DynamoDB's own errors are injected with botocore's Stubber in tests/handlers and
tests/unit. Here the faults are on the wire, between the real client (its timeouts and retries as
configured in settings) and dynalite: nobody listening, dropped connections, a store that never answers,
a reply lost after the write. Each ends within the function's timeout, as the contract's 503 problem with
Retry-After (docs/api.md, "Status codes"), or a 200 once a retry gets through; logs one line; and leaves
the stored record whole: the old one, or the new one, never a mix.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any, Final

import pytest

from devtools import dynalite
from devtools.template import load_template
from operations_api import settings
from tests.integrity.fault_proxy import Fault, FaultProxy
from tests.support.dynamodb import DynamoTable, UseEndpoint
from tests.support.events import get_event, put_event
from tests.support.handlers import Invoke, JsonLogs
from tests.support.records import minimal_record

FIRST = minimal_record(sub_status="step 1")
SECOND = minimal_record(last_update_time="20261122_070000", sub_status="step 2")
FAULTS_INJECTED: list[Fault | str] = []


# A fault's answer comes within the function's timeout by the client's configuration, which
# `test_the_clients_worst_case_ends_within_the_function_timeout` checks; measured on a loaded machine it can
# take longer, so a measured call is only bounded by this, to catch a hang.
HANG_SECONDS: Final = 120.0


def function_timeout_seconds() -> int:
    return min(function.timeout for function in load_template().functions.values())


def attempts_budget() -> int:
    return settings.get_settings().client_max_attempts


def test_the_clients_worst_case_ends_within_the_function_timeout() -> None:
    """Every attempt waits its connect and read timeouts, and botocore's standard retries pause at most
    1, 2, 4... s between them: all of it ends before Lambda would stop the function."""
    budget = settings.get_settings()
    pauses = sum(2**retry for retry in range(budget.client_max_attempts - 1))
    attempts = budget.client_max_attempts * (
        budget.client_connect_timeout_seconds + budget.client_read_timeout_seconds
    )
    assert attempts + pauses < function_timeout_seconds()


@pytest.fixture(scope="module", autouse=True)
def report_fault_count() -> Iterator[None]:
    yield
    counts = {str(getattr(kind, "name", kind)): FAULTS_INJECTED.count(kind) for kind in set(FAULTS_INJECTED)}
    print(f"\nfaults injected: {len(FAULTS_INJECTED)} {counts}")


@pytest.fixture
def proxy(dynalite_table: DynamoTable, use_endpoint: UseEndpoint) -> Iterator[FaultProxy]:
    """The service talks to dynalite through a fault proxy; the first record is stored through it."""
    with FaultProxy(dynalite_table.endpoint_url) as fault_proxy:
        use_endpoint(fault_proxy.endpoint_url, dynalite_table.name)
        yield fault_proxy
        FAULTS_INJECTED.extend(fault_proxy.injected)


@pytest.fixture
def first_stored(proxy: FaultProxy, invoke_put: Invoke, dynalite_table: DynamoTable) -> dict[str, Any]:
    assert invoke_put(put_event(FIRST))["statusCode"] == 200
    item = dynalite_table.item("op-1")
    assert item is not None
    return item


def timed(invoke: Invoke, event: dict[str, Any]) -> tuple[dict[str, Any], float]:
    started = time.monotonic()
    result = invoke(event)
    return result, time.monotonic() - started


def assert_store_unavailable(result: dict[str, Any]) -> None:
    assert result["statusCode"] == 503, result["body"]
    assert result["headers"]["Content-Type"] == "application/problem+json"
    assert result["headers"]["Retry-After"] == "1"
    problem = json.loads(result["body"])
    assert problem["code"] == "STORE_UNAVAILABLE"
    assert problem["status"] == 503


def assert_one_log_line(json_logs: JsonLogs, status: int) -> None:
    lines = [line for line in json_logs() if line["message"] == "request"]
    assert [line["status_code"] for line in lines][-1] == status
    assert lines[-1]["problem_code"] == "STORE_UNAVAILABLE"


def test_a_put_whose_every_connection_drops_is_a_503_and_the_record_is_unchanged(
    proxy: FaultProxy,
    first_stored: dict[str, Any],
    invoke_put: Invoke,
    dynalite_table: DynamoTable,
    json_logs: JsonLogs,
) -> None:
    proxy.inject(*[Fault.DROP] * attempts_budget())
    result, elapsed = timed(invoke_put, put_event(SECOND))
    assert_store_unavailable(result)
    assert_one_log_line(json_logs, 503)
    assert elapsed < HANG_SECONDS
    assert proxy.injected == [Fault.DROP] * attempts_budget()
    assert dynalite_table.item("op-1") == first_stored


def test_a_store_that_never_answers_is_a_503_within_the_function_timeout(
    proxy: FaultProxy, first_stored: dict[str, Any], invoke_put: Invoke, dynalite_table: DynamoTable
) -> None:
    proxy.inject(*[Fault.SILENCE] * attempts_budget())
    result, elapsed = timed(invoke_put, put_event(SECOND))
    assert_store_unavailable(result)
    budget = settings.get_settings()
    assert budget.client_read_timeout_seconds * budget.client_max_attempts <= elapsed < HANG_SECONDS
    assert dynalite_table.item("op-1") == first_stored


def test_a_get_whose_connections_drop_is_a_503(proxy: FaultProxy, invoke_get: Invoke) -> None:
    proxy.inject(*[Fault.DROP] * attempts_budget())
    assert_store_unavailable(invoke_get(get_event("op-1")))


def test_a_dropped_connection_is_retried_and_the_write_lands_whole(
    proxy: FaultProxy, first_stored: dict[str, Any], invoke_put: Invoke, invoke_get: Invoke
) -> None:
    proxy.inject(*[Fault.DROP] * (attempts_budget() - 1))
    result = invoke_put(put_event(SECOND))
    assert result["statusCode"] == 200
    assert json.loads(invoke_get(get_event("op-1"))["body"]) == SECOND


def test_a_reply_lost_after_the_write_is_retried_as_an_identical_replay(
    proxy: FaultProxy, first_stored: dict[str, Any], invoke_put: Invoke, invoke_get: Invoke
) -> None:
    """The write happened; the retry is the same PUT again, which the contract accepts (idempotent)."""
    proxy.inject(Fault.LOSE_REPLY)
    result = invoke_put(put_event(SECOND))
    assert result["statusCode"] == 200
    stored = invoke_get(get_event("op-1"))
    assert json.loads(stored["body"]) == SECOND
    assert stored["headers"]["ETag"] == result["headers"]["ETag"]


def test_nobody_listening_is_a_503_for_put_and_get(
    use_endpoint: UseEndpoint, invoke_put: Invoke, invoke_get: Invoke
) -> None:
    use_endpoint(f"http://127.0.0.1:{dynalite.free_port()}", "operations")
    for invoke, event in [(invoke_put, put_event(FIRST)), (invoke_get, get_event("op-1"))]:
        result, elapsed = timed(invoke, event)
        assert_store_unavailable(result)
        assert elapsed < HANG_SECONDS
        FAULTS_INJECTED.extend(["REFUSED"] * attempts_budget())


def test_a_missing_table_is_a_500_problem_that_is_logged(
    dynalite_table: DynamoTable, use_endpoint: UseEndpoint, invoke_put: Invoke, json_logs: JsonLogs
) -> None:
    use_endpoint(dynalite_table.endpoint_url, "no-such-table")
    result = invoke_put(put_event(FIRST))
    assert result["statusCode"] == 500
    assert json.loads(result["body"])["code"] == "INTERNAL_ERROR"
    (error,) = [line for line in json_logs() if line["level"] == "ERROR"]
    assert "ResourceNotFoundException" in error["exception"]
    FAULTS_INJECTED.append("MISSING_TABLE")
