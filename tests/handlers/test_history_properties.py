"""Property: whatever PUTs are sent (replays, A→B→A returns, stale and terminal refusals, If-Match, two
writers racing on one version, expiry and re-creation, a PUT over an expired item not deleted yet) and
however the stream is delivered (once, every batch twice, the loop killed mid-batch, a fault in one change
mid-batch), the history equals the accepted versions of the current life exactly: no gap, every patch
rebuilds its version, the chain verifies, every entry's event was published, the route shows that life
alone and an expired life never, and a life a PUT ended has its `Operation Expired` first
(docs/design.md, "History")."""

from __future__ import annotations

import itertools
import traceback
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import ModuleType
from typing import Any

import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from operations_api import store
from operations_api.events import stream
from operations_api.history import recording
from operations_api.listing.index import epoch_seconds
from operations_api.record.rules import TERMINAL_STATUSES
from tests.support.change_events import Pipeline
from tests.support.environment import TABLE_NAME
from tests.support.events import put_event
from tests.support.handlers import Invoke, invoker
from tests.support.history import history_event, walk_history
from tests.support.history_loop import stored_history, verified_versions
from tests.support.listing import service_settings
from tests.support.records import minimal_record, utc_time

pytestmark = pytest.mark.fuzzing

TTL_DELETER = {"type": "Service", "principalId": "dynamodb.amazonaws.com"}
BATCH_SIZE = 4  # small batches, so that a fault or a kill lands mid-batch with records after it
START = datetime(2026, 11, 22, 7, 0, 0)
RETENTION_DAYS = 1  # finished records expire a day after their last write: a "lapse" step lets them
LAPSE = RETENTION_DAYS * 86_400 + 1
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
        st.tuples(st.just("lapse"), st.just("a")),  # a day passes: every finished record expires
    ),
    min_size=1,
    max_size=12,
)
# a finished record expires but is not deleted; a PUT creates it anew, is changed, and the item is deleted
OVER_AN_EXPIRED_ITEM = [
    ("put", "a", 0, "executing", 1, None),
    ("put", "a", 1, "completed", 1, "match"),
    ("put", "b", 0, "failed", 1, None),
    ("lapse", "a"),
    ("put", "a", 2, "executing", 1, None),
    ("put", "a", 0, "executing", 1, None),
    ("expire", "b"),
]
# a finished record changed within its retention: live by the service's clock, which decided the PUT, though
# the stream's (moto's, days after START) is past its expiry (seed 153712001733795093135064349233859135667)
FINISHED_THEN_CHANGED = [("put", "a", 0, "completed", 1, None), ("put", "a", 0, "completed", 1, None)]


class Killed(BaseException):
    """The loop's process dies (a timeout, an out-of-memory kill): nothing of the invocation completes."""


@dataclass
class Clock:
    """The service's clock (store.now_seconds), in seconds after START: a second passes at each step, a
    day at a lapse; `floor` is the earliest last_update_time a write takes after the last lapse."""

    now: int = 0
    floor: int = 0

    def seconds(self) -> float:
        return epoch_seconds(utc_time(START)) + self.now

    def lapse(self, latest: int) -> None:
        self.now = self.floor = max(self.now, latest) + LAPSE

    def expired(self, record: dict[str, Any]) -> bool:
        """Whether a record has expired now, by docs/api.md's rule ("Retention"): finished, and its
        retention ended."""
        ended = epoch_seconds(record["last_update_time"]) + RETENTION_DAYS * 86_400
        return record["status"] in TERMINAL_STATUSES and ended <= self.seconds()


@dataclass
class Model:
    """What the PUT answers said was accepted, per operation: the versions of its current life, the item
    the table holds, and the lives that a PUT over their expired item ended (each owes an `Operation
    Expired` with the sequence after its last, before the new life's first event)."""

    prefix: str
    clock: dict[str, int] = field(default_factory=dict)
    versions: dict[str, list[str]] = field(default_factory=dict)
    live: dict[str, bool] = field(default_factory=dict)
    records: dict[str, dict[str, Any]] = field(default_factory=dict)
    ended_by_a_put: list[tuple[str, int, str]] = field(default_factory=list)  # id, sequence, new life's time
    time: Clock = field(default_factory=Clock)

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
    if name in model.records and not model.live.get(name):  # over the expired item, not deleted yet
        new_life = store.recorded_time(model.time.seconds())
        model.ended_by_a_put.append((model.operation(name), len(life) + 1, new_life))
    if not model.live.get(name):
        life.clear()  # created anew: a new life
    if not life or life[-1] != version:
        life.append(version)
    model.live[name] = True
    model.records[name] = record
    model.clock[name] = max(model.clock.get(name, 0), moment)


def apply(step: tuple[Any, ...], put: Invoke, table: Any, model: Model) -> None:
    name = step[1]
    current = model.versions.get(name, [""])[-1:] or [""]
    model.time.now += 1
    if step[0] == "put":
        _, _, content, status, tick, guard = step
        moment = max(model.clock.get(name, 0) + tick, model.time.floor)
        if_match = {None: None, "match": f'"{current[0]}"', "stale": '"0000"'}[guard]
        send(put, model, record_of(model, name, content, status, moment), if_match, moment)
    elif step[0] == "race":  # two writers read the same version; both write with If-Match on it
        for content in (1, 2):
            moment = max(model.clock.get(name, 0) + 1, model.time.floor)
            send(put, model, record_of(model, name, content, "executing", moment), f'"{current[0]}"', moment)
    elif step[0] == "lapse":
        model.time.lapse(max(model.clock.values(), default=0))
        for expired in [name for name, record in model.records.items() if model.time.expired(record)]:
            model.live[expired] = False
    elif name in model.records:  # expire: DynamoDB's TTL deletes the item
        table.delete_item(TableName=TABLE_NAME, Key={"operation_id": {"S": model.operation(name)}})
        del model.records[name]
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
        pending, failures = batch, list[list[str]]()  # each failed attempt's errors
        while pending:
            assert len(failures) < 3, f"a change that keeps failing once the fault is gone: {failures}"
            numbers = [record["dynamodb"]["SequenceNumber"] for record in pending]
            try:
                response = pipeline.consume(pending)
                failed = [failure["itemIdentifier"] for failure in response["batchItemFailures"]]
                error: BaseException | None = None
            except (Killed, Exception) as raised:  # killed, or every record failed: Lambda retries it whole
                failed, error = numbers, raised
            if failed:
                failures.append(reasons(error))
                assert failed == numbers[numbers.index(failed[0]) :], (
                    f"a failure holds back every later one: {failures}"
                )
                pending = pending[numbers.index(failed[0]) :]
            else:
                pending = []
            monkeypatch.setattr(recording, "record", real)
        if mode == "twice":
            assert pipeline.consume(batch) == {"batchItemFailures": []}


def reasons(error: BaseException | None) -> list[str]:
    """Why an attempt failed: what the consumer raised, or the errors its records met (a partial batch
    response; Powertools keeps them until the next batch), the records held back behind them left out."""
    if error is not None and not isinstance(error, BatchProcessingError):
        return [raised_at(error)]
    return [raised_at(exception) for _, exception, _ in stream.processor.exceptions if is_cause(exception)]


def is_cause(error: BaseException | None) -> bool:
    return error is not None and not isinstance(error, stream.HeldBack)


def raised_at(error: BaseException | None) -> str:
    """The error and the innermost frame it was raised in."""
    frames = traceback.extract_tb(error.__traceback__) if error is not None else []
    return f"{error!r}" + (f" at {frames[-1].filename}:{frames[-1].lineno}" if frames else "")


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
@example(plan=OVER_AN_EXPIRED_ITEM, mode="once", at=0)
@example(plan=OVER_AN_EXPIRED_ITEM, mode="fault", at=3)
@example(plan=FINISHED_THEN_CHANGED, mode="once", at=0)
def test_the_history_is_the_accepted_versions_exactly_however_the_stream_delivers(
    put: Invoke,
    table: Any,
    pipeline: Pipeline,
    history_handler: ModuleType,
    plan: list[Any],
    mode: str,
    at: int,
) -> None:
    model = Model(prefix=f"x{next(_examples)}")
    # patched for this example only (a function-scoped monkeypatch would outlive it, into the next ones)
    with pytest.MonkeyPatch.context() as monkeypatch, service_settings(RETENTION_DAYS=str(RETENTION_DAYS)):
        monkeypatch.setattr(store, "now_seconds", model.time.seconds)
        for step in plan:
            apply(step, put, table, model)
        deliver(pipeline, stream_of(pipeline), mode, at, monkeypatch)
        events = pipeline.received()
        for name, versions in model.versions.items():
            assert_history(model, name, versions, events, invoker(history_handler))
    assert_expiries_first(model, events)


def assert_history(
    model: Model, name: str, versions: list[str], events: list[dict[str, Any]], read: Invoke
) -> None:
    """The stored history is the current life's accepted versions, and the route shows exactly that; an
    expired life (deleted or not) is never shown."""
    published = {
        (event["detail"]["operation_id"], event["detail"]["sequence"], event["detail"]["recorded_time"])
        for event in events
    }
    history = stored_history(model.operation(name))
    assert [entry["version"] for entry in history.entries] == versions
    verified_versions(history)
    for entry in history.entries:
        assert (model.operation(name), entry["sequence"], entry["recorded_time"]) in published, (
            "no event lost"
        )
    if model.live.get(name):
        pages, _ = walk_history(read, model.operation(name), page_size=5)
        assert [entry for page in pages for entry in page] == history.entries
    else:
        assert read(history_event(model.operation(name)))["statusCode"] == 404, "an expired life is hidden"
        if name not in model.records and history.head is not None:
            assert "ended" in history.head, "a deleted life is ended"


def assert_expiries_first(model: Model, events: list[dict[str, Any]]) -> None:
    """Each life that a PUT over its expired item ended got its `Operation Expired`, with the sequence
    after its last, published before the new life's first event."""
    kinds = [
        (event["detail-type"], event["detail"]["operation_id"], event["detail"]["sequence"])
        for event in events
    ]
    changes = [
        (event["detail"]["operation_id"], event["detail"]["sequence"], event["detail"]["recorded_time"])
        for event in events
    ]
    for operation_id, sequence, new_life in model.ended_by_a_put:
        expiry = ("Operation Expired", operation_id, sequence)
        assert expiry in kinds, f"no expiry published for {operation_id}'s life of {sequence - 1} entries"
        assert kinds.index(expiry) < changes.index((operation_id, 1, new_life)), "the expiry comes first"
