"""The history loop on moto: PUTs through the handler, the table's real stream records through the loop,
the history read back from its table and checked against the contract (docs/api.md): one entry per
accepted change, exactly once whatever is redelivered, every version rebuilt, the chain verified, any
size, lives ended by expiry (docs/design.md, "History")."""

from __future__ import annotations

import copy
import json
import os
from typing import Any

import pytest

from devtools.item_size import padded_to
from operations_api import settings
from operations_api.history import layout
from operations_api.service import version_of
from tests.support.change_events import Pipeline
from tests.support.events import put_event
from tests.support.handlers import Invoke, invoker, load_function
from tests.support.history import LAMBDA_ANSWER_LIMIT, history_event, walk_history
from tests.support.history_loop import stored_history, verified_versions, version_at
from tests.support.records import minimal_record, record_at

TTL_DELETER = {"type": "Service", "principalId": "dynamodb.amazonaws.com"}
ALICE = "arn:aws:iam::123456789012:user/alice"


def accepted(put: Invoke, record: dict[str, Any], principal: str | None = None, **headers: str) -> str:
    """PUT the record (signed by `principal`); its version."""
    event = put_event(record, **headers)
    if principal is not None:
        event["requestContext"]["authorizer"] = {"iam": {"userArn": principal}}
    answer = put(event)
    assert answer["statusCode"] == 200, answer
    etag: str = answer["headers"]["ETag"]
    return etag.strip('"')


def numbers(events: list[dict[str, Any]]) -> list[tuple[str, str, int]]:
    return [
        (event["detail"]["operation_id"], event["detail-type"], event["detail"]["sequence"])
        for event in events
    ]


def test_each_accepted_change_is_one_entry_and_every_version_rebuilds(
    put: Invoke, pipeline: Pipeline
) -> None:
    a = minimal_record(sub_status="a")
    b = minimal_record(sub_status="b", last_update_time="20261122_064231")
    a_again = {**a, "last_update_time": "20261122_064231"}
    versions = [accepted(put, a, ALICE), accepted(put, b), accepted(put, b), accepted(put, a_again, ALICE)]
    events = pipeline.deliver()
    assert numbers(events) == [
        ("op-1", "Operation Status Changed", 1),
        ("op-1", "Operation Updated", 2),
        ("op-1", "Operation Updated", 3),
    ], "the identical replay adds no entry and publishes nothing"
    history = stored_history("op-1")
    assert [entry["version"] for entry in history.entries] == [versions[0], versions[1], versions[3]]
    assert verified_versions(history) == [a, b, a_again]
    first, second, third = history.entries
    assert first["changes"] == [{"op": "add", "path": "", "value": a}]
    assert (first["principal"], second["principal"], third["principal"]) == (ALICE, None, ALICE)
    assert (first["previous_status"], second["previous_status"]) == (None, "executing")
    assert [event["detail"]["recorded_time"] for event in events] == [
        e["recorded_time"] for e in history.entries
    ]
    assert events[0]["detail"]["principal"] == ALICE
    assert history.head is not None
    assert history.head["version"]["S"] == versions[3]


def test_a_redelivered_change_is_not_written_again_and_its_event_is_published_again(
    put: Invoke, pipeline: Pipeline
) -> None:
    for second in range(3):
        accepted(put, minimal_record(last_update_time=f"20261122_06423{second}", sub_status=str(second)))
    records = pipeline.stream_records()
    assert pipeline.consume(records) == {"batchItemFailures": []}
    first_events = pipeline.received()
    assert pipeline.consume(records) == {"batchItemFailures": []}  # the whole batch again
    assert pipeline.consume(records[1:2]) == {"batchItemFailures": []}  # and one record alone
    again = pipeline.received()
    key = lambda event: (event["detail"]["sequence"], event["detail"]["recorded_time"])  # noqa: E731
    assert sorted(map(key, again)) == sorted(map(key, first_events + first_events[1:2])), "same numbers"
    history = stored_history("op-1")
    assert len(history.entries) == 3
    assert history.marks == 3
    verified_versions(history)


def test_a_399_kb_record_rewritten_whole_several_times_is_stored_whole_and_rebuilds(
    put: Invoke, pipeline: Pipeline
) -> None:
    records = []
    for rewrite in range(5):
        # 399 kB: moto counts an item's size its own way and refuses 399 KiB, which DynamoDB takes
        record = padded_to(minimal_record(last_update_time=f"20261122_06424{rewrite}"), 399_000)
        # incompressible enough: every byte of the body replaced at each rewrite
        body = os.urandom(len(record["request"]["body"]) // 2).hex()
        records.append({**record, "request": {**record["request"], "body": body}})
        accepted(put, records[-1])
        pipeline.deliver()
    history = stored_history("op-1")
    assert verified_versions(history) == records
    assert version_at(history, 5) == records[4]
    chunk_counts = [item["chunks"]["N"] for item in _first_chunks("op-1")]
    assert max(int(count) for count in chunk_counts) > 1, "an entry over one item is split"
    read = invoker(load_function("get_history"))
    pages, _ = walk_history(read, "op-1", page_size=2)
    assert [len(page) for page in pages] == [2, 2, 1]
    assert walk_history(read, "op-1", page_size=25)[0] == [history.entries], "2 MB fit one page"
    assert [entry for page in pages for entry in page] == history.entries
    assert [entry["version"] for entry in history.entries] == [version_of(record) for record in records]
    for sequence, record in enumerate(records, start=1):
        answer = read(history_event("op-1", sequence=str(sequence)))
        assert (answer["statusCode"], json.loads(answer["body"])) == (200, record)
        assert answer["headers"]["ETag"] == f'"{version_of(record)}"'
        assert len(json.dumps(answer).encode("utf-8")) < LAMBDA_ANSWER_LIMIT


def _first_chunks(operation_id: str) -> list[dict[str, Any]]:
    from tests.support.history_loop import items_of

    return [item for item in items_of(operation_id) if "chunks" in item]


def test_every_version_of_a_long_history_is_a_bounded_read_from_its_checkpoint(
    put: Invoke, pipeline: Pipeline
) -> None:
    count = 2 * layout.CHECKPOINT_EVERY + 3
    records = [
        minimal_record(last_update_time=f"20261122_07{step:02d}00", sub_status=f"s{step}")
        for step in range(count)
    ]
    for record in records:
        accepted(put, record)
    pipeline.deliver()
    history = stored_history("op-1")
    assert sorted(history.snapshots) == [1, 1 + layout.CHECKPOINT_EVERY, 1 + 2 * layout.CHECKPOINT_EVERY]
    assert verified_versions(history) == records
    assert [version_at(history, sequence) for sequence in range(1, count + 1)] == records


def deleted_after_two_versions(put: Invoke, table: Any, pipeline: Pipeline) -> dict[str, Any]:
    """op-1 PUT twice and recorded, then deleted from the table: its REMOVE stream record, unconsumed."""
    first = minimal_record()
    accepted(put, first)
    accepted(put, {**first, "sub_status": "later"})
    pipeline.deliver()
    table.delete_item(TableName="operations-test", Key={"operation_id": {"S": "op-1"}})
    (removal,) = pipeline.stream_records()
    return removal


def test_an_expiry_ends_the_life_and_deletes_its_entries_and_a_new_creation_starts_at_1(
    put: Invoke, table: Any, pipeline: Pipeline
) -> None:
    removal = deleted_after_two_versions(put, table, pipeline)
    expiry = {**copy.deepcopy(removal), "userIdentity": TTL_DELETER}
    assert pipeline.consume([expiry]) == {"batchItemFailures": []}
    assert pipeline.consume([expiry]) == {"batchItemFailures": []}  # redelivered
    expired, again = pipeline.received()
    assert numbers([expired, again]) == [("op-1", "Operation Expired", 3)] * 2
    history = stored_history("op-1")
    assert history.head is not None
    assert (history.head["ended"]["N"], history.lives) == ("3", set())
    version = accepted(put, minimal_record(sub_status="anew"))
    (created,) = pipeline.deliver()
    assert numbers([created]) == [("op-1", "Operation Status Changed", 1)]
    history = stored_history("op-1")
    assert [entry["version"] for entry in history.entries] == [version]
    assert "ended" not in (history.head or {})


def test_a_deletion_by_hand_ends_the_life_publishing_nothing_and_its_history_is_unknown_from_then(
    put: Invoke, table: Any, pipeline: Pipeline
) -> None:
    """The history's routes read the head alone (docs/design.md, "Reading the history"): the loop ends a
    life on any deletion, TTL's or not; until it has recorded one, the history is still shown (its lag)."""
    read = invoker(load_function("get_history"))
    removal = deleted_after_two_versions(put, table, pipeline)
    assert "userIdentity" not in removal, "a deletion by hand: moto's delete, as DynamoDB streams it"
    shown = read(history_event("op-1"))
    assert (shown["statusCode"], len(json.loads(shown["body"])["entries"])) == (200, 2), "not recorded yet"
    assert pipeline.consume([removal]) == {"batchItemFailures": []}
    assert pipeline.consume([removal]) == {"batchItemFailures": []}  # redelivered
    assert pipeline.received() == [], "a deletion by hand is no expiry: no event"
    history = stored_history("op-1")
    assert history.head is not None
    assert (history.head["ended"]["N"], history.lives) == ("3", set())
    for event in (history_event("op-1"), history_event("op-1", sequence="1")):
        answer = read(event)
        assert (answer["statusCode"], json.loads(answer["body"])["code"]) == (404, "OPERATION_NOT_FOUND")
    version = accepted(put, minimal_record(sub_status="anew"))
    (created,) = pipeline.deliver()
    assert numbers([created]) == [("op-1", "Operation Status Changed", 1)], "no expiry published first"
    entries = json.loads(read(history_event("op-1"))["body"])["entries"]
    assert [(entry["sequence"], entry["version"]) for entry in entries] == [(1, version)]


def test_a_put_over_an_expired_record_publishes_its_expiry_first_and_starts_a_new_life(
    put: Invoke, pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import datetime

    monkeypatch.setenv("RETENTION_DAYS", "1")
    settings.get_settings.cache_clear()
    finished = record_at("op-1", datetime(2020, 1, 1), status="completed")  # expired a day after 2020
    accepted(put, {**finished, "status": "executing", "response": None})
    accepted(put, finished)
    anew = record_at("op-1", datetime(2020, 1, 2), status="executing")
    version = accepted(put, anew)  # the id is free again: the PUT creates it anew over the expired item
    events = pipeline.deliver()
    assert numbers(events) == [
        ("op-1", "Operation Status Changed", 1),
        ("op-1", "Operation Status Changed", 2),
        ("op-1", "Operation Expired", 3),
        ("op-1", "Operation Status Changed", 1),
    ]
    assert events[2]["detail"]["status"] == "completed"
    assert events[3]["detail"]["previous_status"] is None
    history = stored_history("op-1")
    assert [entry["version"] for entry in history.entries] == [version]
    assert len(history.lives) == 1, "the old life's entries are deleted"
    verified_versions(history)


def test_before_the_loop_records_a_new_life_the_expired_one_is_never_shown(
    put: Invoke, pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The loop keeps the last version's expiry on the head, so the history hides a life that expired
    even while a PUT over it waits in the stream (no deletion ever comes for that item)."""
    from datetime import datetime

    monkeypatch.setenv("RETENTION_DAYS", "1")
    settings.get_settings.cache_clear()
    read = invoker(load_function("get_history"))
    finished = record_at("op-1", datetime(2020, 1, 1), status="completed")
    accepted(put, {**finished, "status": "executing", "response": None})
    accepted(put, finished)
    pipeline.deliver()
    accepted(put, record_at("op-1", datetime(2020, 1, 2), status="executing"))  # not yet delivered
    for event in (history_event("op-1"), history_event("op-1", sequence="1")):
        answer = read(event)
        assert answer["statusCode"] == 404, answer
    pipeline.deliver()
    entries = json.loads(read(history_event("op-1"))["body"])["entries"]
    assert [(entry["sequence"], entry["status"]) for entry in entries] == [(1, "executing")]


def test_the_history_routes_serve_what_the_loop_wrote(put: Invoke, pipeline: Pipeline, table: Any) -> None:
    """End to end: PUTs, the loop, then GetHistoryFunction's two routes (history-read's) on its entries."""
    read = invoker(load_function("get_history"))
    records = [
        minimal_record(sub_status=f"s{step}", last_update_time=f"20261122_0700{step:02d}")
        for step in range(3)
    ]
    versions = [accepted(put, record, ALICE) for record in records]
    pipeline.deliver()
    page = read(history_event("op-1"))
    assert page["statusCode"] == 200, page
    assert json.loads(page["body"])["entries"] == stored_history("op-1").entries
    second = read(history_event("op-1", sequence="2"))
    assert (second["statusCode"], json.loads(second["body"])) == (200, records[1])
    assert second["headers"]["ETag"] == f'"{versions[1]}"'
