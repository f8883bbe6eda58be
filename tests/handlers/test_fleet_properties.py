"""Property: whatever PUTs are sent (creations, transitions, late rollbacks, replays, refused writes,
clusters named twice, 512-character cluster ids, a thousand clusters in one record, expiry, re-creation)
and however the stream is delivered (once, every batch twice, the loop killed mid-batch, a fault held
back), the counts equal a recount from the records and every cluster's items equal the set computed in
Python (docs/design.md, "The fleet's read models")."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from operations_api import batches
from operations_api.fleet.recording import FleetChange
from tests.handlers.test_fleet_loop import clusters
from tests.handlers.test_history_properties import BATCH_SIZE, Killed, deliver, stream_of
from tests.support import fleet_loop as fleet
from tests.support.change_events import Pipeline
from tests.support.environment import TABLE_NAME
from tests.support.events import put_event
from tests.support.handlers import Invoke
from tests.support.records import minimal_record, utc_time

pytestmark = pytest.mark.fuzzing

START = datetime(2026, 11, 22, 7, 0, 0)
LONGEST = "ü" * 512
CLUSTER_SETS = [
    (),
    (("x", 201), ("x", 500)),  # named twice: failed
    ((LONGEST, None), ("x", 201)),
    (("y", 204),),
    tuple((f"m{number}", 201 if number % 2 else None) for number in range(1_000)),
]
_examples = itertools.count()

put_steps = st.tuples(
    st.just("put"),
    st.sampled_from(["a", "b"]),
    st.sampled_from([0, 0, 0, 1, 1, 1, 2, 2, 3, 4]),  # the clusters it names
    st.sampled_from(["unexecuted", "executing", "executing", "completed", "failed", "canceled"]),
    st.sampled_from([1, 1, 3_600, 0, -1]),  # seconds after the last write (-1: stale, refused)
    st.sampled_from([None, None, "match", "stale"]),  # If-Match
    st.sampled_from([None, None, "x", "z"]),  # a rollback of this cluster (a late one on a finished record)
)
steps = st.lists(
    st.one_of(put_steps, st.tuples(st.just("expire"), st.sampled_from(["a", "b"]))),
    min_size=1,
    max_size=10,
)


@dataclass
class Model:
    """What the PUT answers said was accepted: each operation's current record, and the finished records
    that expired (their hour's count stays: it ages out of every window)."""

    prefix: str
    clock: dict[str, int] = field(default_factory=dict)
    live: dict[str, dict[str, Any]] = field(default_factory=dict)
    expired: list[dict[str, Any]] = field(default_factory=list)
    etags: dict[str, str] = field(default_factory=dict)


def record_of(model: Model, step: tuple[Any, ...], moment: int) -> dict[str, Any]:
    _, name, cluster_set, status, _, _, rollback = step
    record = minimal_record(
        operation_id=f"{model.prefix}-{name}",
        status=status,
        last_update_time=utc_time(START + timedelta(seconds=moment)),
        target_clusters=clusters(*CLUSTER_SETS[cluster_set]),
    )
    if status in ("completed", "failed"):
        record["response"] = {"status_code": 201 if status == "completed" else 500, "body": ""}
    if rollback is not None:
        record["rollbacks"] = {
            "result": "succeeded",
            "occurred_time": record["last_update_time"],
            "target_clusters": clusters((rollback, 204)),
        }
    return record


def apply(step: tuple[Any, ...], put: Invoke, table: Any, model: Model) -> None:
    name = step[1]
    if step[0] == "expire":  # DynamoDB's TTL deletes the item
        if name in model.live:
            table.delete_item(TableName=TABLE_NAME, Key={"operation_id": {"S": f"{model.prefix}-{name}"}})
            record = model.live.pop(name)
            if record["status"] in fleet.TERMINAL:
                model.expired.append(record)
            model.clock[name] = 0
        return
    moment = max(model.clock.get(name, 0) + step[4], 0)
    record = record_of(model, step, moment)
    guard = {None: None, "match": model.etags.get(name, "0000"), "stale": "0000"}[step[5]]
    answer = put(put_event(record, **({"if_match": f'"{guard}"'} if guard else {})))
    if answer["statusCode"] != 200:
        assert answer["statusCode"] in (409, 412), answer  # refused: stale, terminal, or If-Match
        return
    model.live[name] = record
    model.etags[name] = answer["headers"]["ETag"].strip('"')
    model.clock[name] = max(model.clock.get(name, 0), moment)


def kill_after_the_cluster_writes(at: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """The loop dies once, after a change's cluster items are written and before its transaction."""
    real, calls = FleetChange.prepare, itertools.count()

    def torn(change: FleetChange, life: str, sequence: int) -> list[dict[str, Any]]:
        actions = real(change, life, sequence)
        if next(calls) == at:
            raise Killed("killed between the cluster items and the transaction")
        return actions

    monkeypatch.setattr(FleetChange, "prepare", torn)


def clear_fleet() -> None:
    keys = [{"pk": item["pk"], "sk": item["sk"]} for item in fleet.scan_fleet()]
    for start in range(0, len(keys), 25):
        requests = [{"DeleteRequest": {"Key": key}} for key in keys[start : start + 25]]
        batches.batch_write(fleet.FLEET_TABLE_NAME, requests)


# the examples share the function's fixtures (its tables), hence the health check suppressed
SHARED_TABLES = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]


@settings(max_examples=15, deadline=None, suppress_health_check=SHARED_TABLES)
@given(
    plan=steps,
    delivery=st.tuples(
        st.sampled_from(["once", "twice", "killed", "fault", "torn"]),
        st.integers(min_value=0, max_value=BATCH_SIZE - 1),  # where in a batch the kill or fault lands
    ),
)
def test_the_counts_and_the_clusters_equal_the_records_however_the_stream_delivers(
    plan: list[Any], delivery: tuple[str, int], put: Invoke, table: Any, pipeline: Pipeline, monkeypatch: Any
) -> None:
    mode, at = delivery
    model = Model(prefix=f"f{next(_examples)}")
    clear_fleet()  # the examples share the tables: the counters start from nothing in each
    for step in plan:
        apply(step, put, table, model)
    if mode == "torn":
        kill_after_the_cluster_writes(at, monkeypatch)
    deliver(pipeline, stream_of(pipeline), "once" if mode == "torn" else mode, at, monkeypatch)
    items = fleet.scan_fleet()
    assert fleet.stored_counts(items) == fleet.recount([*model.live.values(), *model.expired])
    assert fleet.stored_clusters(items) == fleet.expected_clusters(model.live.values())
