"""The loop keeps the fleet's read models (docs/design.md, "The fleet's read models"), on moto: PUTs through
the handler, the table's real stream records through the loop, the fleet table read back and compared with
what the records say: the counts by status and hour, every cluster's operations with their worst state,
exactly once however often the stream delivers; expiry; the stream marks' own expiry."""

from __future__ import annotations

import copy
import time
from datetime import datetime
from types import ModuleType
from typing import Any

import pytest

from operations_api import settings
from tests.support.change_events import Pipeline
from tests.support.events import put_event
from tests.support.fleet import FLEET_NOW, listed
from tests.support.fleet import recount as counts_of
from tests.support.fleet_loop import (
    expected_clusters,
    marks,
    recount,
    scan_fleet,
    stored_clusters,
    stored_counts,
)
from tests.support.handlers import Invoke, invoker
from tests.support.history_loop import items_of
from tests.support.listing import ListCall, answer_of, query_event, walk
from tests.support.records import full_record, minimal_record, record_at

TTL_DELETER = {"type": "Service", "principalId": "dynamodb.amazonaws.com"}


def accept(put: Invoke, record: dict[str, Any]) -> None:
    answer = put(put_event(record))
    assert answer["statusCode"] == 200, answer


def clusters(*named: tuple[str, int | None]) -> list[dict[str, Any]]:
    return [
        {
            "cluster_id": cluster_id,
            "request": {"uri": "/api/x", "method": "POST", "body": ""},
            "response": None if code is None else {"status_code": code, "body": ""},
        }
        for cluster_id, code in named
    ]


def assert_read_models(records: list[dict[str, Any]]) -> None:
    items = scan_fleet()
    assert stored_counts(items) == recount(records)
    assert stored_clusters(items) == expected_clusters(records)


def test_an_operation_is_counted_and_indexed_once_in_its_current_status_however_often_delivered(
    put: Invoke, pipeline: Pipeline
) -> None:
    assert_read_models([])  # nothing yet: no counter, no cluster
    started = minimal_record(target_clusters=clusters(("eu-west-3", 201), ("eu-west-3", 500), ("us-1", None)))
    other = minimal_record(operation_id="op-2", target_clusters=clusters(("us-1", 201)))
    accept(put, started)
    accept(put, other)
    first = pipeline.stream_records()
    assert pipeline.consume(first) == {"batchItemFailures": []}
    assert_read_models([started, other])
    (failed_there,) = stored_clusters(scan_fleet())["eu-west-3", "executing"].values()
    assert failed_there["state"] == "failed", "a cluster named twice: its worst request"
    done = {**full_record(), "operation_id": "op-1", "last_update_time": "20261122_074501"}
    accept(put, done)
    second = pipeline.stream_records()
    for _ in range(2):
        assert pipeline.consume(second) == {"batchItemFailures": []}
        assert pipeline.consume(first) == {"batchItemFailures": []}
    assert_read_models([done, other])
    assert stored_counts(scan_fleet()) == {"h#2026112207#failed": 1, "i#executing": 1}
    assert stored_clusters(scan_fleet()).keys() >= {("cluster-a", "all"), ("cluster-a", "failed")}
    assert ("eu-west-3", "all") not in stored_clusters(scan_fleet()), "the clusters it no longer names go"
    (mark,) = [
        m for (operation, name), m in marks(scan_fleet()).items() if (operation, name) == ("op-1", "counted")
    ]
    assert (mark["status"]["S"], mark["hour"]["S"], mark["sequence"]["N"]) == ("failed", "2026112207", "2")


def test_a_long_cluster_id_and_thousands_of_clusters_in_one_record(
    put: Invoke, pipeline: Pipeline, fleet: Any, list_call: ListCall, count_handler: ModuleType
) -> None:
    """Stored and answered: the counts, and every page of `?cluster=` for the longest id, the thousands'
    first, middle and last, and one no record names, with and without a status filter (the fleet property
    draws at most 1,000 clusters a record)."""
    longest = "é" * 512  # 1,024 bytes of UTF-8: keyed by its digest
    many = [(f"c-{number:04d}", 201 if number % 3 else None) for number in range(2_000)]
    record = minimal_record(target_clusters=clusters((longest, 503), *many))
    other = minimal_record(  # a second row in two of the lists
        operation_id="op-2",
        status="failed",
        response={"status_code": 500, "body": ""},
        target_clusters=clusters(("c-0000", 500), ("c-1999", 201)),
    )
    accept(put, record)
    accept(put, other)
    pipeline.deliver()
    assert_read_models([record, other])
    assert_answers(
        [record, other], list_call, invoker(count_handler), [longest, "c-0000", "c-1000", "c-1999"]
    )
    fewer = {**record, "last_update_time": "20261122_064231", "target_clusters": clusters(*many[:10])}
    accept(put, fewer)
    pipeline.deliver()
    assert_read_models([fewer, other])
    assert len(stored_clusters(scan_fleet())) == 23
    assert_answers([fewer, other], list_call, invoker(count_handler), [longest, "c-0000", "c-1999"])


def assert_answers(
    records: list[dict[str, Any]], list_call: ListCall, count: Invoke, walked: list[str]
) -> None:
    """What GET /v1/operation-counts and every page (of one summary) of each walked cluster's list answer,
    against what the records say at the fleet fixture's moment."""
    counted = answer_of(count(query_event("count_operations", "hours=24")))
    assert counted == (200, counts_of(records, FLEET_NOW, 24))
    for cluster_id in [*walked, "nobody"]:
        assert walk(list_call, cluster=cluster_id, page_size=1) == listed(records, cluster_id)
        for status in ("executing", "failed"):
            narrowed = walk(list_call, cluster=cluster_id, status=status)
            assert narrowed == listed(records, cluster_id, status=status), (cluster_id, status)


def test_expiry_removes_the_clusters_and_an_expired_life_is_counted_anew(
    put: Invoke, pipeline: Pipeline, table: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RETENTION_DAYS", "1")
    settings.get_settings.cache_clear()
    finished = record_at(
        "op-1", datetime(2020, 1, 1), status="completed", target_clusters=clusters(("a", 201))
    )
    accept(put, finished)
    other = record_at("op-2", datetime(2020, 1, 1), status="completed", target_clusters=clusters(("a", 201)))
    accept(put, other)
    pipeline.deliver()
    anew = record_at("op-1", datetime(2020, 1, 2), status="executing", target_clusters=clusters(("b", None)))
    accept(put, anew)  # over the expired item: a new life
    table.delete_item(TableName="operations-test", Key={"operation_id": {"S": "op-2"}})
    removal = pipeline.stream_records()
    removal[-1]["userIdentity"] = TTL_DELETER
    assert pipeline.consume(removal) == {"batchItemFailures": []}
    assert pipeline.consume(copy.deepcopy(removal)) == {"batchItemFailures": []}
    items = scan_fleet()
    assert stored_clusters(items) == expected_clusters([anew]), "the expired versions' clusters are gone"
    assert stored_counts(items) == recount([anew, finished, other]), "finished hours age out of the windows"
    assert ("op-2", "counted") not in marks(items)


def test_a_deletion_by_hand_removes_the_clusters_and_the_count_of_an_operation_in_progress(
    put: Invoke, pipeline: Pipeline, table: Any
) -> None:
    """The loop ends a life on any deletion (history/recording.py): the fleet forgets the operation as for
    an expiry, though no event is published."""
    deleted = minimal_record(target_clusters=clusters(("a", None)))
    kept = minimal_record(operation_id="op-2", target_clusters=clusters(("a", 201)))
    accept(put, deleted)
    accept(put, kept)
    pipeline.deliver()
    table.delete_item(TableName="operations-test", Key={"operation_id": {"S": "op-1"}})
    assert pipeline.deliver() == []
    assert_read_models([kept])


def test_each_stream_mark_expires_two_days_after_it_is_written_and_nothing_else_does(
    put: Invoke, pipeline: Pipeline
) -> None:
    before = int(time.time())
    accept(put, minimal_record())
    accept(put, minimal_record(sub_status="next"))
    pipeline.deliver()
    after = int(time.time())
    items = items_of("op-1")
    stream_marks = [item for item in items if item["position"]["S"].startswith("stream#")]
    assert len(stream_marks) == 2
    for mark in stream_marks:
        assert before + 2 * 86_400 <= int(mark["_expires_at"]["N"]) <= after + 2 * 86_400
    assert all("_expires_at" not in item for item in items if item not in stream_marks), "head, entries"


def test_the_loop_publishes_the_counts_as_gauges_at_most_once_a_minute(
    put: Invoke, pipeline: Pipeline, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.handlers.test_metrics import published

    now = time.strftime("%Y%m%d_%H%M%S", time.gmtime())
    for name, status in (("a", "executing"), ("b", "unexecuted"), ("c", "failed"), ("d", "completed")):
        response = {"status_code": 500, "body": ""} if status in ("failed", "completed") else None
        accept(put, minimal_record(operation_id=name, status=status, last_update_time=now, response=response))
    pipeline.deliver()
    gauges_seen = [metric for metric in published(capsys) if metric["name"] in gauges_names()]
    assert [(metric["name"], metric.get("value", 1)) for metric in gauges_seen] == [
        ("OperationsInProgress", 2),
        ("OperationsFailedThisHour", 1),
    ]
    accept(put, minimal_record(operation_id="e", last_update_time=now))
    pipeline.deliver()
    assert not [metric for metric in published(capsys) if metric["name"] in gauges_names()], "once a minute"


def gauges_names() -> set[str]:
    from operations_api import metrics

    return {metrics.OPERATIONS_IN_PROGRESS, metrics.OPERATIONS_FAILED_THIS_HOUR}


@pytest.mark.parametrize(("named", "requests"), [(0, 2), (3, 3), (100, 10)])
def test_a_change_costs_two_requests_and_a_batch_write_per_25_cluster_items(
    put: Invoke, pipeline: Pipeline, requests_sent: list[str], named: int, requests: int
) -> None:
    """One BatchGetItem (head, stream mark, fleet marks), one TransactWriteItems (entry, marks, counters),
    and the cluster items (two per cluster) 25 to a BatchWriteItem; the gauges' Queries once a minute."""
    accept(put, minimal_record(target_clusters=clusters(*((f"c{n}", 201) for n in range(named)))))
    records = pipeline.stream_records()
    pipeline.consume(records)  # the first batch: the gauges too
    first = [name for name in requests_sent if name != "PutItem"]
    assert first.count("Query") == 8, "one Query per counts shard"
    accept(
        put,
        minimal_record(
            operation_id="op-2", target_clusters=clusters(*((f"c{n}", 201) for n in range(named)))
        ),
    )
    requests_sent.clear()
    pipeline.consume(pipeline.stream_records())
    assert len(requests_sent) == requests, requests_sent


def test_what_the_loop_keeps_is_what_the_cluster_list_reads(
    put: Invoke, pipeline: Pipeline, list_call: Any
) -> None:
    """End to end: PUTs, the loop, then ListOperationsFunction's ?cluster= (fleet-read's) over pages; the
    stored items are exactly the ones the list's tests seed (tests/support/fleet.py)."""
    from tests.support import fleet as seeded
    from tests.support.fleet import listed
    from tests.support.listing import walk

    records = [
        minimal_record(
            operation_id=f"op-{number}",
            last_update_time=f"20261122_0643{number:02d}",
            target_clusters=clusters(("eu-west-3", 201 if number % 3 else None), (f"only-{number}", 500)),
        )
        for number in range(7)
    ]
    for record in records[1::2]:
        record.update(status="failed", response={"status_code": 500, "body": ""})
    for record in records:
        accept(put, record)
    pipeline.deliver()
    stored = {
        (item["pk"]["S"], item["sk"]["S"]): item for item in scan_fleet() if item["pk"]["S"][:8] == "cluster#"
    }
    wanted = [item for record in records for item in seeded.cluster_items(record)]
    assert stored == {(item["pk"]["S"], item["sk"]["S"]): item for item in wanted}
    for cluster_id, filters in (
        ("eu-west-3", {}),
        ("eu-west-3", {"status": "failed"}),
        ("only-3", {}),
        ("none", {}),
    ):
        assert walk(list_call, cluster=cluster_id, page_size=2, **filters) == listed(
            records, cluster_id, **filters
        )
