"""How the console words a record's values: times, durations, cluster counts, bodies."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from operations_client._console import present

NOW = datetime(2026, 11, 22, 7, 0, 0, tzinfo=UTC)


def test_a_record_time_reads_as_utc_and_a_non_time_is_shown_as_given() -> None:
    assert present.absolute("20261122_064230") == "2026-11-22 06:42:30 UTC"
    assert present.absolute("yesterday") == "yesterday"
    assert present.absolute(None) == ""


@pytest.mark.parametrize(
    ("time", "expected"),
    [
        ("20261122_070000", "just now"),
        ("20261122_065935", "25 s ago"),
        ("20261122_065700", "3 min ago"),
        ("20261122_045959", "2 h ago"),
        ("20261117_070000", "5 d ago"),
        ("20261122_070100", "in the future"),
        ("not a time", ""),
    ],
)
def test_relative_time_is_coarse(time: str, expected: str) -> None:
    assert present.relative(time, NOW) == expected


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (0, "0 s"),
        (42, "42 s"),
        (185, "3 min 5 s"),
        (180, "3 min"),
        (7_800, "2 h 10 min"),
        (273_600, "3 d 4 h"),
    ],
)
def test_a_duration_shows_its_two_largest_units(seconds: int, expected: str) -> None:
    assert present.duration(seconds) == expected


def test_a_finished_operation_took_from_occurrence_to_last_update_and_a_running_one_counts_to_now() -> None:
    finished = {"status": "failed", "occurred_time": "20261122_064230", "last_update_time": "20261122_064512"}
    running = {**finished, "status": "executing"}
    assert present.elapsed(finished, NOW) == "took 2 min 42 s"
    assert present.elapsed(running, NOW) == "running for 17 min 30 s"


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        ({"total": 5, "succeeded": 2, "failed": 1, "pending": 2}, "3/5 done, 1 failed"),
        ({"total": 3, "succeeded": 3, "failed": 0, "pending": 0}, "3/3 done"),
        ({"total": 0, "succeeded": 0, "failed": 0, "pending": 0}, "no clusters"),
        (None, "no clusters"),
    ],
)
def test_the_clusters_summary_counts_answered_clusters_and_names_failures(
    counts: dict[str, int] | None, expected: str
) -> None:
    assert present.clusters_summary(counts) == expected


@pytest.mark.parametrize(
    ("response", "state"),
    [
        ({"status_code": 201, "body": ""}, "succeeded"),
        ({"status_code": 409, "body": ""}, "failed"),
        ({"status_code": None, "body": None}, "pending"),
        (None, "pending"),
    ],
)
def test_a_cluster_s_state_is_how_its_summary_counts_it(response: dict[str, Any] | None, state: str) -> None:
    cluster = {"cluster_id": "c", "request": {"uri": "/", "method": "GET", "body": ""}, "response": response}
    assert present.cluster_state(cluster) == state


def test_a_json_body_is_indented_and_any_other_text_is_kept_as_it_is() -> None:
    assert (
        present.pretty_body('{"name": "net-a", "ids": [1]}')
        == '{\n  "name": "net-a",\n  "ids": [\n    1\n  ]\n}'
    )
    assert present.pretty_body("cluster-b rejected it") == "cluster-b rejected it"
    assert present.pretty_body('"just a string"') == '"just a string"'
    assert present.pretty_body('{"name": "réseau"}') == '{\n  "name": "réseau"\n}'
    assert present.pretty_body(None) == ""
