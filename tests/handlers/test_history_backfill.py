"""The history's back-fill (ops/history_backfill.py, `make backfill ARGS="... --history-table H"`): every
operation stored before the history existed gets its sequence 1 (its version, principal and recorded_time
null) from whichever comes first, the back-fill or the loop's next change of it, once; tested both ways."""

from __future__ import annotations

from typing import Any

import pytest
from boto3.dynamodb.types import TypeSerializer

from devtools.local_events import StreamReader
from operations_api import service
from ops import backfill
from tests.support.change_events import Pipeline
from tests.support.environment import TABLE_NAME
from tests.support.events import put_event
from tests.support.handlers import Invoke
from tests.support.history import HISTORY_TABLE_NAME
from tests.support.history_loop import stored_history, verified_versions
from tests.support.records import minimal_record

_SERIALIZER = TypeSerializer()
ARGUMENTS = ["--table", TABLE_NAME, "--history-table", HISTORY_TABLE_NAME, "--region", "us-east-1"]


def stored_before_the_history(table: Any, record: dict[str, Any]) -> str:
    """An item as the PUT wrote it before the history: no acceptance time, no principal, no head."""
    version = service.version_of(record)
    item = {key: _SERIALIZER.serialize(value) for key, value in record.items()}
    table.put_item(TableName=TABLE_NAME, Item={**item, "_version": {"S": version}})
    return version


def follow_stream_again(pipeline: Pipeline) -> None:
    """moto restores its tables from a copy when a transaction is canceled (the second run's are), stream
    shards included, which ends the reader's iterators: read the stream anew, from after what is there."""
    pipeline.reader = StreamReader(None, TABLE_NAME)
    pipeline.stream_records()


def old_records() -> list[dict[str, Any]]:
    return [minimal_record(operation_id=f"old-{index}", sub_status=f"s{index}") for index in range(3)]


def test_the_backfill_first_gives_sequence_1_and_the_next_change_follows_it(
    table: Any, put: Invoke, pipeline: Pipeline, capsys: pytest.CaptureFixture[str]
) -> None:
    versions = [stored_before_the_history(table, record) for record in old_records()]
    pipeline.stream_records()  # those writes happened before the loop was deployed
    assert backfill.main([*ARGUMENTS, "--dry-run"]) == 0
    assert stored_history("old-0").head is None, "a dry run writes nothing"
    assert backfill.main(ARGUMENTS) == 0
    assert backfill.main(ARGUMENTS) == 0
    dry, first, again = [line for line in capsys.readouterr().out.splitlines() if "records read" in line]
    assert dry.startswith("dry run: 3 records read: 3 given their sequence 1")
    assert first.startswith("3 records read: 3 given their sequence 1, 0 left")
    assert again.startswith("3 records read: 0 given their sequence 1, 3 left"), "once"
    (entry,) = stored_history("old-1").entries
    assert (entry["sequence"], entry["version"]) == (1, versions[1])
    assert (entry["recorded_time"], entry["principal"], entry["previous_status"]) == (None, None, None)
    changed = {**old_records()[1], "sub_status": "changed"}
    follow_stream_again(pipeline)
    assert put(put_event(changed))["statusCode"] == 200
    (event,) = pipeline.deliver()
    assert (event["detail"]["sequence"], event["detail"]["previous_status"]) == (2, "executing")
    assert verified_versions(stored_history("old-1")) == [old_records()[1], changed]


def test_the_loop_first_writes_sequence_1_from_the_old_image_and_the_backfill_then_skips_it(
    table: Any, put: Invoke, pipeline: Pipeline, capsys: pytest.CaptureFixture[str]
) -> None:
    for record in old_records():
        stored_before_the_history(table, record)
    pipeline.stream_records()
    changed = {**old_records()[0], "sub_status": "changed"}
    assert put(put_event(changed))["statusCode"] == 200
    records = pipeline.stream_records()
    assert pipeline.consume(records) == {"batchItemFailures": []}
    assert pipeline.consume(records) == {"batchItemFailures": []}, "redelivered: still once"
    history = stored_history("old-0")
    assert verified_versions(history) == [old_records()[0], changed]
    assert history.entries[0]["recorded_time"] is None
    assert history.entries[1]["recorded_time"] is not None
    assert [event["detail"]["sequence"] for event in pipeline.received()] == [2, 2]
    assert backfill.main(ARGUMENTS) == 0
    assert (
        capsys.readouterr()
        .out.splitlines()[-1]
        .startswith("3 records read: 2 given their sequence 1, 1 left")
    )
    assert len(stored_history("old-0").entries) == 2
    assert [entry["version"] for entry in stored_history("old-2").entries] == [
        service.version_of(old_records()[2])
    ]


def test_a_record_changed_between_the_scan_and_the_write_is_left_to_the_loop(
    table: Any, pipeline: Pipeline
) -> None:
    from ops.history_backfill import backfill_history

    record = old_records()[0]
    stored_before_the_history(table, record)
    scanned = list(backfill.scan_items(table, TABLE_NAME))
    stored_before_the_history(table, {**record, "sub_status": "changed meanwhile"})
    counts = backfill_history(scanned, TABLE_NAME)
    assert (counts["written"], counts["skipped"]) == (0, 1)
    assert stored_history("old-0").head is None
