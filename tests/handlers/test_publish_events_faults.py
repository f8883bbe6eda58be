"""Faults on the way to the bus: EventBridge refusing entries, throttling, timing out; a poison record.
Whatever happens, every change is published or its record reported failed (so that Lambda retries it,
and after its retries hands it to the dead-letter queue): none is lost silently."""

from __future__ import annotations

import copy
import json
import os
import socket
import threading
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devtools.local_events import creations
from operations_api.events import publisher
from tests.support.change_events import use_bus
from tests.support.handlers import FakeLambdaContext, JsonLogs

Refuse = Callable[[int, str], str | None]  # (call number, operation id) -> an ErrorCode, or None to accept


def operation_of(record: dict[str, Any]) -> str:
    value: str = record["dynamodb"]["Keys"]["operation_id"]["S"]
    return value


class FakeEventBridge:
    """PutEvents that refuses the entries `refuse` names, or fails whole calls with `fail_call`."""

    def __init__(
        self, refuse: Refuse | None = None, fail_call: Callable[[int], Exception | None] | None = None
    ):
        self.refuse = refuse or (lambda call, operation_id: None)
        self.fail_call = fail_call or (lambda call: None)
        self.calls = 0
        self.accepted: list[str] = []

    def put_events(self, Entries: list[dict[str, Any]]) -> dict[str, Any]:
        self.calls += 1
        assert len(Entries) <= publisher.MAX_ENTRIES_PER_CALL
        if (error := self.fail_call(self.calls)) is not None:
            raise error
        results = []
        for entry in Entries:
            operation_id = json.loads(entry["Detail"])["operation_id"]
            code = self.refuse(self.calls, operation_id)
            if code is None:
                self.accepted.append(operation_id)
                results.append({"EventId": f"event-{len(self.accepted)}"})
            else:
                results.append({"ErrorCode": code, "ErrorMessage": "refused"})
        return {"FailedEntryCount": sum("ErrorCode" in result for result in results), "Entries": results}


@pytest.fixture
def consume(publish_handler: ModuleType, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., Any]]:
    """Run the consumer on records, its PutEvents going to the given fake."""
    use_bus()
    monkeypatch.setattr(publisher, "RETRY_PAUSES_SECONDS", (0.0, 0.0))

    def run(records: list[dict[str, Any]], fake: FakeEventBridge) -> dict[str, Any]:
        monkeypatch.setattr(publisher, "events_client", lambda: fake)
        response: dict[str, Any] = publish_handler.lambda_handler({"Records": records}, FakeLambdaContext())
        return response

    yield run
    os.environ.pop("EVENT_BUS_NAME", None)


def failed_operations(response: dict[str, Any], records: list[dict[str, Any]]) -> set[str]:
    by_sequence = {record["dynamodb"]["SequenceNumber"]: operation_of(record) for record in records}
    return {by_sequence[failure["itemIdentifier"]] for failure in response["batchItemFailures"]}


def test_entries_refused_once_are_put_again_and_published(consume: Callable[..., Any]) -> None:
    records = creations(12)
    fake = FakeEventBridge(
        refuse=lambda call, op: "ThrottlingException" if call == 1 and op in {"op-003", "op-007"} else None
    )
    assert consume(records, fake) == {"batchItemFailures": []}
    assert sorted(fake.accepted) == sorted(operation_of(record) for record in records)
    assert fake.calls == 3, "10 + 2 entries, and the two refused put again"


def test_entries_refused_every_time_are_reported_and_the_rest_published(consume: Callable[..., Any]) -> None:
    records = creations(12)
    fake = FakeEventBridge(refuse=lambda call, op: "InternalFailure" if op == "op-004" else None)
    response = consume(records, fake)
    assert failed_operations(response, records) == {"op-004"}
    assert sorted(fake.accepted) == sorted(
        operation_of(record) for record in records if operation_of(record) != "op-004"
    )
    assert fake.calls == 1 + publisher.ENTRY_ATTEMPTS, "bounded: the refused entry is put three times in all"


def test_a_throttled_call_reports_its_records_and_the_rest_of_the_batch(
    consume: Callable[..., Any], json_logs: JsonLogs
) -> None:
    records = creations(25)
    throttled = ClientError({"Error": {"Code": "ThrottlingException", "Message": "slow down"}}, "PutEvents")
    fake = FakeEventBridge(fail_call=lambda call: throttled if call == 2 else None)
    response = consume(records, fake)
    assert fake.accepted == [operation_of(record) for record in records[:10]]
    assert failed_operations(response, records) == {operation_of(record) for record in records[10:]}
    assert fake.calls == 2, "after a call failed whole, the rest of the batch is not tried"
    (line,) = [line for line in json_logs() if line["message"] == "batch"]
    assert (line["published"], line["unpublished"], line["errors"]) == (10, 15, ["ThrottlingException"])


def test_when_no_event_of_a_batch_can_be_published_the_invocation_fails_so_lambda_bisects_and_retries(
    consume: Callable[..., Any],
) -> None:
    throttled = ClientError({"Error": {"Code": "ThrottlingException", "Message": "slow down"}}, "PutEvents")
    with pytest.raises(BatchProcessingError):
        consume(creations(3), FakeEventBridge(fail_call=lambda call: throttled))


@pytest.fixture
def silent_endpoint() -> Iterator[str]:
    """An HTTP endpoint that accepts connections and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    thread.join()
    for connection in held:
        connection.close()
    listener.close()


def test_a_bus_that_times_out_fails_the_invocation_after_bounded_retries(
    publish_handler: ModuleType, silent_endpoint: str, monkeypatch: pytest.MonkeyPatch, json_logs: JsonLogs
) -> None:
    monkeypatch.setenv("EVENTS_ENDPOINT_URL", silent_endpoint)
    monkeypatch.setenv("AWS_CLIENT_READ_TIMEOUT", "0.2")
    monkeypatch.setenv("AWS_CLIENT_MAX_ATTEMPTS", "2")
    use_bus()
    try:
        with pytest.raises(BatchProcessingError):
            publish_handler.lambda_handler({"Records": creations(3)}, FakeLambdaContext())
    finally:
        monkeypatch.delenv("EVENTS_ENDPOINT_URL")
        use_bus()
        os.environ.pop("EVENT_BUS_NAME", None)
    (line,) = [line for line in json_logs() if line["message"] == "batch"]
    assert (line["unpublished"], line["errors"]) == (3, ["ReadTimeoutError"])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    count=st.integers(min_value=1, max_value=35),
    refusals=st.sets(
        st.tuples(st.integers(min_value=1, max_value=12), st.integers(min_value=0, max_value=34))
    ),
    failing_call=st.one_of(st.none(), st.integers(min_value=1, max_value=8)),
)
def test_every_change_is_published_or_reported_never_both_never_neither(
    consume: Callable[..., Any], count: int, refusals: set[tuple[int, int]], failing_call: int | None
) -> None:
    records = creations(count)
    refused = {(call, f"op-{index:03d}") for call, index in refusals}
    timeout = ClientError({"Error": {"Code": "InternalException", "Message": "x"}}, "PutEvents")
    fake = FakeEventBridge(
        refuse=lambda call, op: "InternalFailure" if (call, op) in refused else None,
        fail_call=lambda call: timeout if call == failing_call else None,
    )
    try:
        reported = failed_operations(consume(records, fake), records)
    except BatchProcessingError:
        reported = {operation_of(record) for record in records}
    every = {operation_of(record) for record in records}
    assert set(fake.accepted) | reported == every, "none lost"
    assert not set(fake.accepted) & reported, "none reported that was published"
    assert len(fake.accepted) == len(set(fake.accepted)), "none published twice by one invocation"


def poisoned(records: list[dict[str, Any]], index: int) -> list[dict[str, Any]]:
    """The records with one poison: an image no record can have (a binary status)."""
    records = copy.deepcopy(records)
    records[index]["dynamodb"]["NewImage"]["status"] = {"B": "AAEC"}
    return records


def test_a_poison_record_is_isolated_by_bisection_and_never_blocks_the_rest(
    consume: Callable[..., Any],
) -> None:
    records = poisoned(creations(8), 5)
    poison = records[5]["dynamodb"]["SequenceNumber"]
    fake = FakeEventBridge()
    assert consume(records, fake) == {"batchItemFailures": [{"itemIdentifier": poison}]}
    assert len(fake.accepted) == 7, "the rest of the batch is published"
    # Lambda bisects (BisectBatchOnFunctionError) and retries: each half, then the poison's quarter...
    first_half, second_half = records[:4], records[4:]
    assert consume(first_half, FakeEventBridge()) == {"batchItemFailures": []}
    assert consume(second_half, FakeEventBridge()) == {"batchItemFailures": [{"itemIdentifier": poison}]}
    assert consume(second_half[:2], FakeEventBridge()) == {"batchItemFailures": [{"itemIdentifier": poison}]}
    assert consume(second_half[2:], FakeEventBridge()) == {"batchItemFailures": []}
    # ...down to the poison alone: a function error, until its retries end and it goes to the DLQ.
    with pytest.raises(BatchProcessingError):
        consume(second_half[1:2], FakeEventBridge())
