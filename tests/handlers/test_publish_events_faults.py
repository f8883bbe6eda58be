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
from tests.support.history_loop import DeadLetters

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
def consume(
    table: Any, publish_handler: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[..., Any]]:
    """Run the consumer on records (its history on moto), its PutEvents going to the given fake."""
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


def test_entries_refused_every_time_go_whole_to_the_dead_letter_queue_and_the_rest_published(
    consume: Callable[..., Any], dead_letters: DeadLetters
) -> None:
    records = creations(12)
    fake = FakeEventBridge(refuse=lambda call, op: "InternalFailure" if op == "op-004" else None)
    assert consume(records, fake) == {"batchItemFailures": []}, "the loop goes on"
    assert sorted(fake.accepted) == sorted(
        operation_of(record) for record in records if operation_of(record) != "op-004"
    )
    assert fake.calls == 1 + publisher.ENTRY_ATTEMPTS, "bounded: the refused entry is put three times in all"
    (entry,) = dead_letters.received()
    assert (entry["Source"], entry["DetailType"], entry["EventBusName"]) == (
        "operations-api",
        "Operation Status Changed",
        "operations-events-test",
    )
    detail = json.loads(entry["Detail"])
    assert (detail["operation_id"], detail["sequence"]) == ("op-004", 1), "the whole event, to put again"


def test_a_throttled_call_sends_its_events_and_the_rest_of_the_batch_to_the_dead_letter_queue(
    consume: Callable[..., Any], dead_letters: DeadLetters, json_logs: JsonLogs
) -> None:
    records = creations(25)
    throttled = ClientError({"Error": {"Code": "ThrottlingException", "Message": "slow down"}}, "PutEvents")
    fake = FakeEventBridge(fail_call=lambda call: throttled if call == 2 else None)
    assert consume(records, fake) == {"batchItemFailures": []}
    assert fake.accepted == [operation_of(record) for record in records[:10]]
    assert dead_letters.operations() == [operation_of(record) for record in records[10:]]
    assert fake.calls == 2, "after a call failed whole, the rest of the batch is not tried"
    (line,) = [line for line in json_logs() if line["message"] == "batch"]
    assert (line["published"], line["dead_lettered"], line["errors"]) == (10, 15, ["ThrottlingException"])


def test_an_event_neither_the_bus_nor_the_queue_takes_fails_its_record_and_every_later_one(
    consume: Callable[..., Any],
) -> None:
    records = creations(6)
    fake = FakeEventBridge(refuse=lambda call, op: "InternalFailure" if op == "op-003" else None)
    response = consume(records, fake)  # no dead-letter queue configured
    assert failed_operations(response, records) == {"op-003", "op-004", "op-005"}
    assert "op-004" in fake.accepted, "published, and published again on the retry: consumers de-duplicate"
    retried = FakeEventBridge()
    assert consume(records[3:], retried) == {"batchItemFailures": []}, (
        "its change is recorded: it republishes"
    )
    assert retried.accepted == ["op-003", "op-004", "op-005"]


def test_when_no_event_of_a_batch_goes_anywhere_the_invocation_fails_so_lambda_bisects_and_retries(
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


def test_a_bus_that_times_out_sends_the_events_to_the_dead_letter_queue_after_bounded_retries(
    table: Any,
    publish_handler: ModuleType,
    dead_letters: DeadLetters,
    silent_endpoint: str,
    monkeypatch: pytest.MonkeyPatch,
    json_logs: JsonLogs,
) -> None:
    use_bus()
    monkeypatch.setattr(publisher, "events_client", lambda: timing_out_client(silent_endpoint, monkeypatch))
    try:
        response = publish_handler.lambda_handler({"Records": creations(3)}, FakeLambdaContext())
    finally:
        os.environ.pop("EVENT_BUS_NAME", None)
    assert response == {"batchItemFailures": []}
    assert dead_letters.operations() == ["op-000", "op-001", "op-002"]
    (line,) = [line for line in json_logs() if line["message"] == "batch"]
    assert (line["dead_lettered"], line["errors"]) == (3, ["ReadTimeoutError"])


def timing_out_client(endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    """An EventBridge client of the settings' making, whose endpoint never answers (0.2 s, 2 attempts)."""
    from operations_api import clients, settings

    monkeypatch.setenv("AWS_CLIENT_READ_TIMEOUT", "0.2")
    monkeypatch.setenv("AWS_CLIENT_MAX_ATTEMPTS", "2")
    settings.get_settings.cache_clear()
    client = clients.create_client("events", endpoint)
    monkeypatch.delenv("AWS_CLIENT_READ_TIMEOUT")
    monkeypatch.delenv("AWS_CLIENT_MAX_ATTEMPTS")
    settings.get_settings.cache_clear()
    return client


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    count=st.integers(min_value=1, max_value=25),
    refusals=st.sets(
        st.tuples(st.integers(min_value=1, max_value=12), st.integers(min_value=0, max_value=34))
    ),
    failing_call=st.one_of(st.none(), st.integers(min_value=1, max_value=8)),
)
def test_every_event_is_published_or_dead_lettered_never_both_never_neither(
    consume: Callable[..., Any],
    dead_letters: DeadLetters,
    count: int,
    refusals: set[tuple[int, int]],
    failing_call: int | None,
) -> None:
    records = creations(count, prefix=f"p{count}-{len(refusals)}-{failing_call}")
    refused = {(call, operation_of(records[index])) for call, index in refusals if index < count}
    timeout = ClientError({"Error": {"Code": "InternalException", "Message": "x"}}, "PutEvents")
    fake = FakeEventBridge(
        refuse=lambda call, op: "InternalFailure" if (call, op) in refused else None,
        fail_call=lambda call: timeout if call == failing_call else None,
    )
    assert consume(records, fake) == {"batchItemFailures": []}
    lettered = dead_letters.operations()
    every = {operation_of(record) for record in records}
    assert set(fake.accepted) | set(lettered) == every, "none lost"
    assert not set(fake.accepted) & set(lettered), "none dead-lettered that was published"
    assert len(fake.accepted) + len(lettered) == count, "none twice by one invocation"


def poisoned(records: list[dict[str, Any]], index: int) -> list[dict[str, Any]]:
    """The records with one poison: an image no record can have (a binary status)."""
    records = copy.deepcopy(records)
    records[index]["dynamodb"]["NewImage"]["status"] = {"B": "AAEC"}
    return records


def test_a_change_that_fails_holds_back_every_later_one_and_nothing_is_skipped_once_it_clears(
    consume: Callable[..., Any], json_logs: JsonLogs
) -> None:
    records = creations(8)
    poison = poisoned(records, 5)
    fake = FakeEventBridge()
    response = consume(poison, fake)
    assert failed_operations(response, records) == {"op-005", "op-006", "op-007"}, "never skipped"
    assert fake.accepted == ["op-000", "op-001", "op-002", "op-003", "op-004"]
    (held,) = [line for line in json_logs() if line["message"] == "change held back"]
    assert (held["operation_id"], held["level"]) == ("op-005", "ERROR")
    # Lambda retries from the first failed record; once the fault clears, every change is recorded, in order
    cleared = FakeEventBridge()
    assert consume(records[5:], cleared) == {"batchItemFailures": []}
    assert cleared.accepted == ["op-005", "op-006", "op-007"]
    # while it does not clear, a batch that starts with it fails whole, so Lambda bisects and retries
    with pytest.raises(BatchProcessingError):
        consume(poison[5:], FakeEventBridge())
