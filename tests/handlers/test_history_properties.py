"""Property: whatever PUTs are sent (replays, A→B→A returns, stale and terminal refusals, If-Match, two
writers racing on one version, expiry and re-creation) and however the stream is delivered (once, every
batch twice, the loop killed mid-batch, a fault in one change mid-batch), the history equals the list of
accepted versions exactly: no gap, every patch rebuilds its version, the chain verifies, and every entry's
event was published (docs/design.md, "History")."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from operations_api.history import recording
from tests.support.change_events import Pipeline
from tests.support.environment import TABLE_NAME
from tests.support.events import put_event
from tests.support.handlers import Invoke
from tests.support.history_loop import stored_history, verified_versions
from tests.support.records import minimal_record, utc_time

pytestmark = pytest.mark.fuzzing

TTL_DELETER = {"type": "Service", "principalId": "dynamodb.amazonaws.com"}
BATCH_SIZE = 4  # small batches, so that a fault or a kill lands mid-batch with records after it
START = datetime(2026, 11, 22, 7, 0, 0)
_examples = itertools.count()

put_steps = st.tuples(
    st.just("put"),
    st.sampled_from(["a", "b"]),
    st.integers(min_value=0, max_value=2),  # content: A, B, C
    st.sampled_from(["executing", "executing", "completed", "failed"]),
    st.sampled_from([1, 1, 0, -1]),  # seconds after the last write (-1: stale)
    st.sampled_from([None, None, "match", "stale"]),  # If-Match
)
steps = st.lists(
    st.one_of(
        put_steps,
        st.tuples(st.just("race"), st.sampled_from(["a", "b"])),
        st.tuples(st.just("expire"), st.sampled_from(["a", "b"])),
    ),
    min_size=1,
    max_size=12,
)


class Killed(BaseException):
    """The loop's process dies (a timeout, an out-of-memory kill): nothing of the invocation completes."""


@dataclass
class Model:
    """What the PUT answers said was accepted, per operation: the versions of its current life."""

    prefix: str
    clock: dict[str, int] = field(default_factory=dict)
    versions: dict[str, list[str]] = field(default_factory=dict)
    live: dict[str, bool] = field(default_factory=dict)

    def operation(self, name: str) -> str:
        return f"{self.prefix}-{name}"


def record_of(model: Model, name: str, content: int, status: str, moment: int) -> dict[str, Any]:
    record = minimal_record(
        operation_id=model.operation(name),
        sub_status="ABC"[content],
        status=status,
        last_update_time=utc_time(START + timedelta(seconds=moment)),
    )
    if status != "executing":
        record["response"] = {"status_code": 200 + content, "body": ""}
    return record


def send(put: Invoke, model: Model, record: dict[str, Any], if_match: str | None, moment: int) -> None:
    name = record["operation_id"].rsplit("-", 1)[1]
    headers = {"if_match": if_match} if if_match else {}
    answer = put(put_event(record, **headers))
    if answer["statusCode"] != 200:
        assert answer["statusCode"] in (409, 412), answer
        return
    version = answer["headers"]["ETag"].strip('"')
    life = model.versions.setdefault(name, [])
    if not model.live.get(name):
        life.clear()  # created anew: a new life
    if not life or life[-1] != version:
        life.append(version)
    model.live[name] = True
    model.clock[name] = max(model.clock.get(name, 0), moment)


def apply(step: tuple[Any, ...], put: Invoke, table: Any, model: Model) -> None:
    name = step[1]
    current = model.versions.get(name, [""])[-1:] or [""]
    if step[0] == "put":
        _, _, content, status, tick, guard = step
        moment = max(model.clock.get(name, 0) + tick, 0)
        if_match = {None: None, "match": f'"{current[0]}"', "stale": '"0000"'}[guard]
        send(put, model, record_of(model, name, content, status, moment), if_match, moment)
    elif step[0] == "race":  # two writers read the same version; both write with If-Match on it
        for content in (1, 2):
            moment = model.clock.get(name, 0) + 1
            send(put, model, record_of(model, name, content, "executing", moment), f'"{current[0]}"', moment)
    elif model.live.get(name):  # expire: DynamoDB's TTL deletes the item
        table.delete_item(TableName=TABLE_NAME, Key={"operation_id": {"S": model.operation(name)}})
        model.live[name] = False
        model.versions[name] = []
        model.clock[name] = 0


def stream_of(pipeline: Pipeline) -> list[dict[str, Any]]:
    """The stream's new records; a removal as DynamoDB's TTL streams it (moto never runs TTL)."""
    records = pipeline.stream_records()
    for record in records:
        if record["eventName"] == "REMOVE":
            record["userIdentity"] = TTL_DELETER
    return records


def deliver(
    pipeline: Pipeline, records: list[dict[str, Any]], mode: str, at: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Deliver as Lambda does: batches in order, each retried from its first failed record until it passes."""
    real = recording.record
    for start in range(0, len(records), BATCH_SIZE):
        batch = records[start : start + BATCH_SIZE]
        calls = itertools.count()
        if mode in ("killed", "fault"):
            fault: type[BaseException] = Killed if mode == "killed" else RuntimeError

            def faulty(
                change: Any, fault: type[BaseException] = fault, calls: Any = calls, size: int = len(batch)
            ) -> Any:
                if next(calls) == at % size:
                    raise fault("injected")
                return real(change)

            monkeypatch.setattr(recording, "record", faulty)
        pending, attempts = batch, itertools.count()
        while pending:
            assert next(attempts) < 3, "a change that keeps failing once the fault is gone"
            numbers = [record["dynamodb"]["SequenceNumber"] for record in pending]
            try:
                response = pipeline.consume(pending)
                failed = [failure["itemIdentifier"] for failure in response["batchItemFailures"]]
            except (Killed, Exception):  # killed, or every record failed: Lambda retries the whole batch
                failed = numbers
            if failed:
                assert failed == numbers[numbers.index(failed[0]) :], "a failure holds back every later one"
                pending = pending[numbers.index(failed[0]) :]
            else:
                pending = []
            monkeypatch.setattr(recording, "record", real)
        if mode == "twice":
            assert pipeline.consume(batch) == {"batchItemFailures": []}


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    plan=steps,
    mode=st.sampled_from(["once", "twice", "killed", "fault"]),
    at=st.integers(min_value=0, max_value=BATCH_SIZE - 1),
)
def test_the_history_is_the_accepted_versions_exactly_however_the_stream_delivers(
    put: Invoke,
    table: Any,
    pipeline: Pipeline,
    monkeypatch: pytest.MonkeyPatch,
    plan: list[Any],
    mode: str,
    at: int,
) -> None:
    model = Model(prefix=f"x{next(_examples)}")
    for step in plan:
        apply(step, put, table, model)
    deliver(pipeline, stream_of(pipeline), mode, at, monkeypatch)
    published = {
        (event["detail"]["operation_id"], event["detail"]["sequence"], event["detail"]["recorded_time"])
        for event in pipeline.received()
    }
    for name, versions in model.versions.items():
        history = stored_history(model.operation(name))
        assert [entry["version"] for entry in history.entries] == versions
        verified_versions(history)
        for entry in history.entries:
            assert (model.operation(name), entry["sequence"], entry["recorded_time"]) in published, (
                "no event lost"
            )
        if not model.live.get(name) and history.head is not None:
            assert "ended" in history.head, "an expired life is ended"
