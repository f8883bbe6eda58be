"""`make run` delivers change events: the local table's stream, the real consumer, and what a rule on the
local bus received, listed at GET /_local/events (README, "Following operations")."""

from __future__ import annotations

import json
import os
from typing import Any, cast

import pytest

from tests.support.change_events import schema_errors
from tests.support.events import event_body
from tests.support.http import call
from tests.support.servers import environment_restored

pytestmark = pytest.mark.http


def events_of(base_url: str, operation_id: str) -> list[dict[str, Any]]:
    answer = call(f"{base_url}/_local/events")
    assert answer.status == 200
    events: list[dict[str, Any]] = answer.json()["events"]
    return [event for event in events if event["detail"]["operation_id"] == operation_id]


def test_each_put_that_changes_a_record_is_listed_once_at_once(local_api: str) -> None:
    record = json.loads(event_body("put_operation"))
    record["operation_id"] = "op-local-events"
    url = f"{local_api}/v1/operations/op-local-events"
    first = call(url, "PUT", json.dumps(record), Content_Type="application/json")
    assert first.status == 200
    call(url, "PUT", json.dumps(record), Content_Type="application/json")  # an identical replay
    (event,) = events_of(local_api, "op-local-events")
    assert (event["source"], event["detail-type"]) == ("operations-api", "Operation Status Changed")
    assert event["detail"]["version"] == first.headers["ETag"].strip('"')
    assert event["detail"]["previous_status"] is None
    assert schema_errors(event) == []
    record["rollbacks"]["result"] = "partially rolled back"
    assert call(url, "PUT", json.dumps(record), Content_Type="application/json").status == 200
    assert [event["detail-type"] for event in events_of(local_api, "op-local-events")] == [
        "Operation Status Changed",
        "Operation Updated",
    ]


def test_the_list_is_read_only(local_api: str) -> None:
    answer = call(f"{local_api}/_local/events", "POST", "{}")
    assert answer.status == 405


def test_a_dynamodb_without_streams_is_said_once_and_the_server_goes_on(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from devtools import local_events

    follower, stop = local_events.start(lambda function_id, event: None, "http://127.0.0.1:9", "operations")
    stop()
    assert follower is None
    assert "gives no stream of 'operations'" in capsys.readouterr().err


class ScriptedStream:
    """A stream whose reads return the given batches of records, then nothing; and a bus that got nothing."""

    def __init__(self, *batches: list[dict[str, Any]]) -> None:
        self.batches = list(batches)

    def read(self) -> list[dict[str, Any]]:
        return self.batches.pop(0) if self.batches else []

    def received(self) -> list[dict[str, Any]]:
        return []


def stream_record(sequence_number: str) -> dict[str, Any]:
    return {"eventName": "MODIFY", "dynamodb": {"SequenceNumber": sequence_number}}


def test_a_consumer_that_fails_a_batch_is_handed_it_again_and_it_is_said_once(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from devtools import local_events

    handed: list[list[str]] = []

    def failing_twice(function_id: str, event: dict[str, Any]) -> Any:
        handed.append([local_events.sequence_number(record) for record in event["Records"]])
        if len(handed) <= 2:
            raise RuntimeError("the whole batch failed")
        return {"batchItemFailures": []}

    stream = ScriptedStream([stream_record("1")], [stream_record("2")])
    follower = local_events.LocalEvents(
        cast(Any, stream), cast(Any, stream), failing_twice, "PublishEventsFunction"
    )
    for _ in range(4):
        assert follower.answer("GET", local_events.EVENTS_PATH) == (200, {"events": []})
    assert handed == [["1"], ["1", "2"], ["1", "2"]], "held back, then handed again before what came after"
    said = [line for line in capsys.readouterr().err.splitlines() if "held back" in line]
    assert said[0] == (
        "events: 1 records held back (RuntimeError); handed to PublishEventsFunction again until it takes "
        "them, as Lambda retries them"
    )
    assert len(said) == 1, "once for the record that holds the rest back, not at every poll"


def test_records_reported_failed_are_handed_again_from_the_first_with_every_later_one() -> None:
    """As Lambda's event source mapping: it resumes at the first record reported failed, so a change the
    loop could not record holds back the ones behind it, and none is skipped."""
    from devtools import local_events

    handed: list[list[str]] = []

    def fails_2_once(function_id: str, event: dict[str, Any]) -> Any:
        handed.append([local_events.sequence_number(record) for record in event["Records"]])
        failed = ["2", "3"] if len(handed) == 1 else []
        return {"batchItemFailures": [{"itemIdentifier": number} for number in failed]}

    stream = ScriptedStream([stream_record(n) for n in ("1", "2", "3")], [stream_record("4")])
    follower = local_events.LocalEvents(
        cast(Any, stream), cast(Any, stream), fails_2_once, "PublishEventsFunction"
    )
    follower.catch_up()
    follower.catch_up()
    follower.catch_up()
    assert handed == [["1", "2", "3"], ["2", "3", "4"]]
    assert follower.held_back == []


def test_the_stream_loop_make_run_feeds_is_given_the_history_table_made_beside_the_records() -> None:
    """The loop runs in the server's process on the follower's records: what it reads of its environment
    names the history table, made on the server's DynamoDB with the template's keys."""
    import boto3

    from devtools import local_server
    from operations_api import settings

    with environment_restored():
        for name in ("DYNAMODB_ENDPOINT_URL", "HISTORY_TABLE_NAME"):
            os.environ.pop(name, None)
        os.environ["TABLE_NAME"] = "ops-follower"
        running = local_server.start(port=0)
        try:
            history = settings.get_settings().history_table_name
            client = boto3.client("dynamodb", endpoint_url=running.dynamodb_endpoint, region_name="us-east-1")
            keys = client.describe_table(TableName=history)["Table"]["KeySchema"]
        finally:
            running.stop()
    assert history == "ops-follower-history"
    assert [key["AttributeName"] for key in keys] == ["operation_id", "position"]


def test_writes_at_once_are_each_read_from_the_stream_once_in_distinct_positions() -> None:
    """make run's moto answers each request in a thread of its own: writes at once must each get their own
    sequence number, else moto's iterators hand records to the follower again (and the stream loop, which
    has recorded them, holds them back). local_events.serialise_moto_stream_writes gives them that."""
    from devtools import local_events
    from devtools.lambda_runtime import start_dynamodb

    with environment_restored():
        os.environ.pop("DYNAMODB_ENDPOINT_URL", None)
        dynamodb = start_dynamodb("ops-at-once")
        try:
            local_events.serialise_moto_stream_writes()
            reader = local_events.StreamReader(dynamodb.endpoint_url, "ops-at-once")
            written = write_at_once(dynamodb.endpoint_url, "ops-at-once", writers=8, each=40)
            read = read_until(reader, len(written))
            assert reader.read() == [], "nothing handed again"
        finally:
            dynamodb.stop()
    keys = [record["dynamodb"]["Keys"]["operation_id"]["S"] for record in read]
    assert sorted(keys) == sorted(written)
    numbers = [int(local_events.sequence_number(record)) for record in read]
    assert numbers == sorted(set(numbers)), "each record its own position, in order"


def write_at_once(endpoint_url: str, table_name: str, writers: int, each: int) -> list[str]:
    """`writers` threads each putting `each` items (of a couple of KB, as records are) at once; their keys."""
    import threading

    import boto3

    def put(writer: int) -> None:
        client = boto3.client("dynamodb", endpoint_url=endpoint_url, region_name="us-east-1")
        for index in range(each):
            item = {"operation_id": {"S": f"op-{writer}-{index}"}, "body": {"S": "x" * 2000}}
            client.put_item(TableName=table_name, Item=item)

    threads = [threading.Thread(target=put, args=(writer,)) for writer in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return [f"op-{writer}-{index}" for writer in range(writers) for index in range(each)]


def read_until(reader: Any, count: int) -> list[dict[str, Any]]:
    """The stream's records, read until `count` have come (within an outer bound: reads are immediate)."""
    records: list[dict[str, Any]] = []
    for _ in range(count + 10):
        records += reader.read()
        if len(records) >= count:
            break
    return records
