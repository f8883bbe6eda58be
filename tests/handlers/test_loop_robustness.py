"""The history loop under contention and long batches, on moto (docs/design.md, "The fleet's read models"
and "History"): a transaction that meets a concurrent writer is built again and retried in place, recorded
once and counted once; one that keeps meeting them is held back as any failure is; a batch that runs out of
time hands the rest to the next invocation without a "held back" line; a patch that does not rebuild its
version is stored as one `replace` of the whole record."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import jsonpatch
import pytest
from botocore.exceptions import ClientError

from operations_api import batches, store
from operations_api.events import stream
from ops.history_backfill import backfill_history
from tests.handlers.test_fleet_loop import accept
from tests.support.change_events import Pipeline
from tests.support.environment import TABLE_NAME
from tests.support.fleet_loop import FLEET_TABLE_NAME, recount, scan_fleet, stored_counts
from tests.support.handlers import FakeLambdaContext, Invoke, JsonLogs
from tests.support.history_loop import stored_history, verified_versions
from tests.support.records import full_record, minimal_record

CONFLICT = "TransactionConflict"


@dataclass
class Contending:
    """The store's DynamoDB client (moto), but its next `conflicts` transactions that touch a fleet counter
    (for `operation_id` only, if given) are canceled as DynamoDB cancels one that meets another transaction
    on an item: TransactionConflict for the counter, None for every other action, nothing written."""

    client: Any
    conflicts: int
    operation_id: str | None = None
    canceled: int = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.client, name)

    def transact_write_items(self, **request: Any) -> Any:
        actions = request["TransactItems"]
        reasons = [CONFLICT if is_counter(action) else "None" for action in actions]
        if self.conflicts and CONFLICT in reasons and self._concerned(actions):
            self.conflicts -= 1
            self.canceled += 1
            message = f"Transaction cancelled, please refer cancellation reasons ({reasons})"
            error = {"Code": "TransactionCanceledException", "Message": message}
            cancellation = [{"Code": reason} for reason in reasons]
            raise ClientError({"Error": error, "CancellationReasons": cancellation}, "TransactWriteItems")
        return self.client.transact_write_items(**request)

    def _concerned(self, actions: list[dict[str, Any]]) -> bool:
        return self.operation_id is None or any(
            (request.get("Key") or request["Item"]).get("operation_id", {}).get("S") == self.operation_id
            for action in actions
            for request in action.values()
        )


def is_counter(action: dict[str, Any]) -> bool:
    (request,) = action.values()
    key = request.get("Key") or request["Item"]
    return bool(request["TableName"] == FLEET_TABLE_NAME and key["pk"]["S"].startswith("counts#"))


def contend(monkeypatch: pytest.MonkeyPatch, conflicts: int, operation_id: str | None = None) -> Contending:
    contending = Contending(store.dynamodb_client(), conflicts, operation_id)
    monkeypatch.setattr(store, "dynamodb_client", lambda: contending)
    return contending


def lines(json_logs: JsonLogs, message: str) -> list[dict[str, Any]]:
    return [line for line in json_logs() if line["message"] == message]


def failed_numbers(response: dict[str, Any]) -> list[str]:
    return [failure["itemIdentifier"] for failure in response["batchItemFailures"]]


def sequence_numbers(records: list[dict[str, Any]]) -> list[str]:
    return [record["dynamodb"]["SequenceNumber"] for record in records]


def test_a_conflict_on_a_counter_is_retried_in_place_recorded_once_and_counted_once(
    put: Invoke, pipeline: Pipeline, json_logs: JsonLogs, monkeypatch: pytest.MonkeyPatch
) -> None:
    contending = contend(monkeypatch, conflicts=1)
    started = minimal_record()
    accept(put, started)
    (created,) = pipeline.deliver()
    done = {**full_record(), "operation_id": "op-1", "last_update_time": "20261122_074501"}
    contending.conflicts = 1  # again, on the change that moves the count from executing to failed
    accept(put, done)
    (finished,) = pipeline.deliver()
    assert contending.canceled == 2
    assert [created["detail"]["sequence"], finished["detail"]["sequence"]] == [1, 2]
    history = stored_history("op-1")
    assert (verified_versions(history), history.marks) == ([started, done], 2), "recorded once"
    assert stored_counts(scan_fleet()) == recount([done]), "counted once"
    assert lines(json_logs, "change held back") == []
    assert [line["conflicts_retried"] for line in lines(json_logs, "batch")] == [1, 1]


def test_a_change_that_keeps_meeting_conflicts_is_held_back_and_recorded_once_they_stop(
    put: Invoke,
    pipeline: Pipeline,
    json_logs: JsonLogs,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    contending = contend(monkeypatch, conflicts=batches.CONTENDED_ATTEMPTS, operation_id="op-2")
    created = [minimal_record(operation_id=f"op-{number}") for number in (1, 2, 3)]
    for record in created:
        accept(put, record)
    records = pipeline.stream_records()
    response = pipeline.consume(records)
    assert failed_numbers(response) == sequence_numbers(records[1:]), "op-2 and every change after it"
    assert contending.canceled == batches.CONTENDED_ATTEMPTS
    (held,) = lines(json_logs, "change held back")
    assert (held["operation_id"], held["error"], held["level"]) == ("op-2", "Contended", "ERROR")
    assert '"HistoryChangesHeldBack"' in capsys.readouterr().out
    assert stored_counts(scan_fleet()) == recount(created[:1])
    assert pipeline.consume(records[1:]) == {"batchItemFailures": []}  # Lambda's retry, the conflicts gone
    assert stored_counts(scan_fleet()) == recount(created)
    for record in created:
        assert len(verified_versions(stored_history(record["operation_id"]))) == 1


def test_a_condition_failed_by_the_backfill_writing_meanwhile_is_read_again_and_applied_once(
    put: Invoke, pipeline: Pipeline, table: Any, json_logs: JsonLogs, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The back-fill writes the head and the fleet's marks of an operation between the loop's read and its
    transaction: the transaction's conditions fail, the loop reads again and builds on what it finds."""
    client = store.dynamodb_client()
    raced: list[str] = []

    class Racing(Contending):
        def transact_write_items(self, **request: Any) -> Any:
            if not raced and any(is_counter(action) for action in request["TransactItems"]):
                raced.append("backfill")  # first, so that the back-fill's own transactions pass
                item = table.get_item(TableName=TABLE_NAME, Key={"operation_id": {"S": "op-1"}})["Item"]
                assert backfill_history([item], TABLE_NAME, with_fleet=True)["written"] == 1
            return self.client.transact_write_items(**request)

    monkeypatch.setattr(store, "dynamodb_client", lambda: Racing(client, 0))
    record = minimal_record()
    accept(put, record)
    (created,) = pipeline.deliver()
    assert raced == ["backfill"]
    assert created["detail"]["sequence"] == 1
    history = stored_history("op-1")
    assert verified_versions(history) == [record]
    assert len(history.lives) == 1, "the back-fill's life is replaced by the change's own"
    assert stored_counts(scan_fleet()) == recount([record]), "counted once, by the back-fill or the loop"
    assert lines(json_logs, "change held back") == []
    assert [line["conflicts_retried"] for line in lines(json_logs, "batch")] == [1]


@dataclass
class Running(FakeLambdaContext):
    """A context whose remaining time follows `remaining` (milliseconds), one value a call, then the last."""

    remaining: list[int] = field(default_factory=list)

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining.pop(0) if len(self.remaining) > 1 else self.remaining[0]


def test_a_batch_that_runs_short_of_time_hands_the_rest_to_the_next_invocation(
    put: Invoke,
    pipeline: Pipeline,
    json_logs: JsonLogs,
    capsys: pytest.CaptureFixture[str],
) -> None:
    created = [minimal_record(operation_id=f"op-{number}") for number in range(5)]
    for record in created:
        accept(put, record)
    records = pipeline.stream_records()
    margin = stream.TIME_MARGIN_MS
    # asked before the 2nd, 3rd and 4th change (the first is always tried), then for the log line
    context = Running(remaining=[200_000, margin, margin - 1, margin - 2])
    response = pipeline.consumer.lambda_handler({"Records": records}, context)
    assert failed_numbers(response) == sequence_numbers(records[3:])
    assert [event["detail"]["operation_id"] for event in pipeline.received()] == ["op-0", "op-1", "op-2"]
    (cut,) = lines(json_logs, "batch cut short")
    assert (cut["level"], cut["operation_id"], cut["deferred"], cut["remaining_ms"]) == (
        "INFO",
        "op-3",
        2,
        margin - 2,
    )
    assert cut["stream_sequence_number"] == records[3]["dynamodb"]["SequenceNumber"]
    (batch,) = lines(json_logs, "batch")
    assert (batch["held_back"], batch["deferred"], batch["errors"]) == (0, 2, [])
    assert lines(json_logs, "change held back") == [], "back-pressure, not a fault"
    assert "HistoryChangesHeldBack" not in capsys.readouterr().out
    # the next invocation starts at the first change deferred, as Lambda resumes after a partial response
    assert pipeline.consume(records[3:]) == {"batchItemFailures": []}
    assert [event["detail"]["operation_id"] for event in pipeline.received()] == ["op-3", "op-4"]
    for record in created:
        assert verified_versions(stored_history(record["operation_id"])) == [record]
    assert stored_counts(scan_fleet()) == recount(created)


def test_the_first_change_of_a_batch_is_tried_however_little_time_is_left(
    put: Invoke, pipeline: Pipeline
) -> None:
    for number in range(2):
        accept(put, minimal_record(operation_id=f"op-{number}"))
    records = pipeline.stream_records()
    response = pipeline.consumer.lambda_handler({"Records": records}, Running(remaining=[0]))
    assert failed_numbers(response) == sequence_numbers(records[1:]), "progress at every invocation"
    assert len(stored_history("op-0").entries) == 1


def test_a_patch_that_does_not_rebuild_its_version_is_stored_as_a_replace_of_the_whole_record(
    put: Invoke, pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = minimal_record()
    second = {**first, "sub_status": "later", "last_update_time": "20261122_064231"}
    third = {**second, "sub_status": "latest", "last_update_time": "20261122_064232"}
    accept(put, first)
    accept(put, second)
    pipeline.deliver()
    monkeypatch.setattr(jsonpatch, "make_patch", lambda before, after: jsonpatch.JsonPatch([]))
    accept(put, third)
    pipeline.deliver()
    history = stored_history("op-1")
    assert verified_versions(history) == [first, second, third], "every version rebuilds"
    kept = history.entries[1]["changes"]  # a patch that rebuilds is stored as made
    assert {"op": "add", "path": "/sub_status", "value": "later"} in kept
    assert len(kept) == 2
    assert history.entries[2]["changes"] == [{"op": "replace", "path": "", "value": third}]
