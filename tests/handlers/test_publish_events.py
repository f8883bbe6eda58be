"""Change events end to end on moto: PUTs through the handler, the table's real stream records through the
consumer, and the events as a subscriber's queue (a rule on the bus) receives them, field by field
(docs/api.md, "Change events")."""

from __future__ import annotations

import json
import re
from typing import Any

from operations_api.record.summary import summarize
from operations_api.service import version_of
from tests.support.change_events import Pipeline
from tests.support.events import put_event
from tests.support.handlers import Invoke, JsonLogs
from tests.support.records import full_record, minimal_record

TTL_DELETER = {"type": "Service", "principalId": "dynamodb.amazonaws.com"}


def put_ok(put: Invoke, record: dict[str, Any], **headers: str) -> str:
    """PUT the record; its ETag's value (the version), unquoted."""
    answer = put(put_event(record, **headers))
    assert answer["statusCode"] == 200, answer
    etag: str = answer["headers"]["ETag"]
    return etag.strip('"')


def assert_event(
    event: dict[str, Any],
    detail_type: str,
    record: dict[str, Any],
    previous: str | None,
    version: str,
    sequence: int = 1,
) -> None:
    """The event's detail: the summary, the previous status and version, and the history's numbers (no
    authorizer runs here: principal null)."""
    assert event["source"] == "operations-api"
    assert event["detail-type"] == detail_type
    numbers = {key: event["detail"].pop(key) for key in ("sequence", "recorded_time", "principal")}
    assert event["detail"] == {**summarize(record), "previous_status": previous, "version": version}
    assert numbers["sequence"] == sequence
    assert re.fullmatch(r"[0-9]{8}_[0-9]{6}", numbers["recorded_time"])
    assert numbers["principal"] is None
    assert "body" not in json.dumps(event), "an event never carries a body"


def test_a_created_record_is_a_status_change_from_nothing(put: Invoke, pipeline: Pipeline) -> None:
    record = minimal_record(operation_id="op-new", sub_status="queued")
    version = put_ok(put, record)
    (event,) = pipeline.deliver()
    assert_event(event, "Operation Status Changed", record, None, version)
    assert event["detail"]["sub_status"] == "queued"
    assert event["detail"]["target_clusters"] == {"total": 0, "succeeded": 0, "failed": 0, "pending": 0}


def test_a_new_status_is_a_status_change_from_the_old_one(put: Invoke, pipeline: Pipeline) -> None:
    executing = minimal_record(operation_id="op-fail")
    put_ok(put, executing)
    failed = minimal_record(
        operation_id="op-fail",
        status="failed",
        last_update_time="20261122_070000",
        response={"status_code": 502, "body": '{"message": "cluster-b refused"}'},
        target_clusters=[
            {
                "cluster_id": "cluster-a",
                "request": {"uri": "/n", "method": "POST", "body": "{}"},
                "response": {"status_code": 201, "body": "{}"},
            },
            {
                "cluster_id": "cluster-b",
                "request": {"uri": "/n", "method": "POST", "body": "{}"},
                "response": {"status_code": 502, "body": "{}"},
            },
            {"cluster_id": "cluster-c", "request": {"uri": "/n", "method": "POST", "body": "{}"}},
        ],
    )
    version = put_ok(put, failed)
    created, changed = pipeline.deliver()
    assert created["detail"]["status"] == "executing"
    assert_event(changed, "Operation Status Changed", failed, "executing", version, sequence=2)
    assert changed["detail"]["response_status_code"] == 502
    assert changed["detail"]["target_clusters"] == {"total": 3, "succeeded": 1, "failed": 1, "pending": 1}


def test_any_other_change_is_an_update_with_the_same_status(put: Invoke, pipeline: Pipeline) -> None:
    failed = full_record()
    without_rollbacks = {key: value for key, value in failed.items() if key != "rollbacks"}
    put_ok(put, without_rollbacks)
    version = put_ok(put, failed)  # the failed operation gains its rollbacks
    _, updated = pipeline.deliver()
    assert_event(updated, "Operation Updated", failed, "failed", version, sequence=2)


def test_an_identical_replay_publishes_nothing(put: Invoke, pipeline: Pipeline) -> None:
    record = full_record()
    put_ok(put, record)
    assert len(pipeline.deliver()) == 1
    put_ok(put, record)
    put_ok(put, record)
    records = pipeline.stream_records()
    assert [record["eventName"] for record in records] == ["MODIFY", "MODIFY"], "moto streams the replays"
    assert pipeline.consume(records) == {"batchItemFailures": []}
    assert pipeline.received() == []


def test_every_change_of_a_batch_is_published_once_in_order_of_the_stream(
    put: Invoke, pipeline: Pipeline
) -> None:
    versions = []
    for index in range(25):
        versions.append(put_ok(put, minimal_record(operation_id=f"op-{index:02d}")))
    events = pipeline.deliver()
    assert sorted(event["detail"]["version"] for event in events) == sorted(versions)
    assert len({event["id"] for event in events}) == 25


def test_a_ttl_deletion_is_an_expiry_and_any_other_delete_is_nothing(
    put: Invoke, table: Any, pipeline: Pipeline
) -> None:
    by_hand, expiring = ({**full_record(), "operation_id": name} for name in ("op-by-hand", "op-expiring"))
    put_ok(put, by_hand)
    version = put_ok(put, expiring)
    pipeline.deliver()
    # moto never runs TTL: its REMOVE record of a delete is what DynamoDB streams for a TTL deletion, less
    # the userIdentity that DynamoDB adds (docs/events.md).
    for record in (by_hand, expiring):
        table.delete_item(TableName="operations-test", Key={"operation_id": {"S": record["operation_id"]}})
    removal, expiry = pipeline.stream_records()
    assert [removal["eventName"], expiry["eventName"]] == ["REMOVE", "REMOVE"]
    assert "userIdentity" not in removal
    assert pipeline.consume([removal]) == {"batchItemFailures": []}
    assert pipeline.received() == [], "a delete by anyone but DynamoDB's TTL is not an expiry"
    expiry["userIdentity"] = TTL_DELETER
    assert pipeline.consume([expiry]) == {"batchItemFailures": []}
    (event,) = pipeline.received()
    assert_event(event, "Operation Expired", expiring, "failed", version, sequence=2)


def test_internal_attributes_never_reach_an_event_and_changing_only_them_is_no_change(
    put: Invoke, table: Any, pipeline: Pipeline
) -> None:
    record = minimal_record(operation_id="op-indexed")
    version = put_ok(put, record)
    pipeline.deliver()
    key = {"operation_id": {"S": "op-indexed"}}
    item = table.get_item(TableName="operations-test", Key=key)["Item"]
    table.put_item(
        TableName="operations-test", Item={**item, "_list_pk": {"S": "executing#3"}, "_n": {"N": "1"}}
    )
    assert pipeline.deliver() == []
    indexed = {**record, "sub_status": "indexed"}
    table.put_item(
        TableName="operations-test",
        Item={
            **item,
            "_list_pk": {"S": "executing#3"},
            "sub_status": {"S": "indexed"},
            "_version": {"S": version_of(indexed)},
        },
    )
    (event,) = pipeline.deliver()
    assert_event(event, "Operation Updated", indexed, "executing", version_of(indexed), sequence=2)
    assert version != version_of(indexed)


def test_one_log_line_per_batch_with_counts_and_never_a_record(
    put: Invoke, pipeline: Pipeline, json_logs: JsonLogs
) -> None:
    record = full_record()
    put_ok(put, record)
    put_ok(put, record)
    pipeline.deliver()
    (line,) = [line for line in json_logs() if line["message"] == "batch"]
    assert {
        key: line[key]
        for key in ("records", "entries_written", "events", "published", "dead_lettered", "put_events_calls")
    } == {
        "records": 2,
        "entries_written": 1,
        "events": 1,
        "published": 1,
        "dead_lettered": 0,
        "put_events_calls": 1,
    }
    assert line["function_name"] == "operations-api-test"
    logged = json.dumps(json_logs())
    assert record["request"]["body"] not in logged
    assert record["target_clusters"][0]["cluster_id"] not in logged
