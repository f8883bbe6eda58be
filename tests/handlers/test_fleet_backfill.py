"""The fleet's back-fill (`make backfill ARGS="... --history-table H --fleet-table F"`) on a table that the
history already filled before the fleet existed: every live operation counted and indexed once, from
whichever comes first, the back-fill or the loop's next change of it; each read model from its own mark."""

from __future__ import annotations

from typing import Any

import pytest

from ops import backfill
from tests.handlers.test_fleet_loop import accept, clusters
from tests.handlers.test_history_backfill import ARGUMENTS, follow_stream_again, stored_before_the_history
from tests.support import fleet_loop as fleet
from tests.support.change_events import Pipeline
from tests.support.handlers import Invoke
from tests.support.records import minimal_record

WITH_FLEET = [*ARGUMENTS, "--fleet-table", fleet.FLEET_TABLE_NAME]


def records() -> list[dict[str, Any]]:
    return [
        minimal_record(operation_id="old-0", target_clusters=clusters(("a", 201), ("a", None))),
        minimal_record(operation_id="old-1", status="completed", response={"status_code": 201, "body": ""}),
        minimal_record(operation_id="old-2", target_clusters=clusters(("b", 500))),
    ]


def history_without_fleet(table: Any, put: Invoke, pipeline: Pipeline) -> list[dict[str, Any]]:
    """The records as the history loop left them before this upgrade: old-2 stored before the history
    too, the others with a history; the fleet table empty."""
    old = records()
    for record in old[:2]:
        accept(put, record)
    pipeline.deliver()
    stored_before_the_history(table, old[2])
    pipeline.stream_records()
    for item in fleet.scan_fleet():
        table.delete_item(TableName=fleet.FLEET_TABLE_NAME, Key={"pk": item["pk"], "sk": item["sk"]})
    return old


def fleet_line(capsys: pytest.CaptureFixture[str]) -> str:
    return capsys.readouterr().out.splitlines()[-1].split("; the fleet: ")[1]


def test_the_backfill_first_counts_and_indexes_each_once_and_the_next_change_follows(
    table: Any, put: Invoke, pipeline: Pipeline, capsys: pytest.CaptureFixture[str]
) -> None:
    old = history_without_fleet(table, put, pipeline)
    assert backfill.main([*WITH_FLEET, "--dry-run"]) == 0
    assert fleet_line(capsys) == "3 counted, 3 indexed"
    assert fleet.scan_fleet() == [], "a dry run writes nothing"
    assert backfill.main(WITH_FLEET) == 0
    assert fleet_line(capsys) == "3 counted, 3 indexed"
    assert fleet.stored_counts(fleet.scan_fleet()) == fleet.recount(old)
    assert fleet.stored_clusters(fleet.scan_fleet()) == fleet.expected_clusters(old)
    assert backfill.main(WITH_FLEET) == 0
    assert fleet_line(capsys) == "0 counted, 0 indexed", "once"
    follow_stream_again(pipeline)
    changed = {**old[0], "status": "failed", "response": {"status_code": 500, "body": ""}}
    accept(put, changed)
    records_now = [changed, *old[1:]]
    pipeline.deliver()
    assert fleet.stored_counts(fleet.scan_fleet()) == fleet.recount(records_now)
    assert fleet.stored_clusters(fleet.scan_fleet()) == fleet.expected_clusters(records_now)


def test_the_loop_first_counts_its_change_and_the_backfill_then_leaves_it(
    table: Any, put: Invoke, pipeline: Pipeline, capsys: pytest.CaptureFixture[str]
) -> None:
    old = history_without_fleet(table, put, pipeline)
    changed = {**old[2], "sub_status": "changed", "target_clusters": clusters(("c", 201))}
    accept(put, changed)
    records = pipeline.stream_records()
    for _ in range(2):  # redelivered: still once
        assert pipeline.consume(records) == {"batchItemFailures": []}
    assert fleet.stored_counts(fleet.scan_fleet()) == fleet.recount([changed])
    assert backfill.main(WITH_FLEET) == 0
    assert fleet_line(capsys) == "2 counted, 2 indexed"
    records_now = [*old[:2], changed]
    assert fleet.stored_counts(fleet.scan_fleet()) == fleet.recount(records_now)
    assert fleet.stored_clusters(fleet.scan_fleet()) == fleet.expected_clusters(records_now)
    assert {name for operation, name in fleet.marks(fleet.scan_fleet()) if operation == "old-2"} == {
        "counted",
        "indexed",
    }


def test_a_model_added_later_backfills_from_its_own_mark(
    table: Any, put: Invoke, pipeline: Pipeline, capsys: pytest.CaptureFixture[str]
) -> None:
    old = history_without_fleet(table, put, pipeline)
    assert backfill.main(WITH_FLEET) == 0
    for item in fleet.scan_fleet():  # as if the cluster index came after the counts
        if item["pk"]["S"].startswith("cluster#") or item["sk"]["S"] == "indexed":
            table.delete_item(TableName=fleet.FLEET_TABLE_NAME, Key={"pk": item["pk"], "sk": item["sk"]})
    capsys.readouterr()
    assert backfill.main(WITH_FLEET) == 0
    assert fleet_line(capsys) == "0 counted, 3 indexed"
    assert fleet.stored_counts(fleet.scan_fleet()) == fleet.recount(old)
    assert fleet.stored_clusters(fleet.scan_fleet()) == fleet.expected_clusters(old)
