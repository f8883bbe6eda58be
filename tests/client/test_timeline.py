"""The history in words (what opsctl history and the console show) and verify_history on its own: clusters
added, removed and answering, the rollback, other fields, and a history whose versions cannot be rebuilt."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from operations_client import HistoryMismatch, verify_history
from operations_client._timeline import describe, steps
from tests.client.history_entries import chained, entries_of, rollout
from tests.support.records import cluster, record_for


def test_clusters_added_removed_and_answering_are_each_a_phrase() -> None:
    before = record_for("op", target_clusters=[cluster("east-1", None), cluster("west-2", 200)])
    after = record_for("op", target_clusters=[cluster("east-1", 503), cluster("north-3", None)])
    assert describe(before, after) == ["east-1: pending → 503", "north-3: added, pending", "west-2: removed"]


def test_a_rollback_its_clusters_and_any_other_field_are_told() -> None:
    before = record_for("op")
    after = copy.deepcopy(before)
    after["request"]["body"] = "{}"
    after["rollbacks"] = {
        "result": "succeeded",
        "occurred_time": "20261122_064500",
        "target_clusters": [{**cluster("east-1", 204), "request": {"uri": "/x", "method": "DELETE"}}],
    }
    assert describe(before, after) == ["rollback: succeeded", "rollback east-1: 204", "request changed"]


def test_a_replay_with_nothing_new_is_no_phrase() -> None:
    assert describe(record_for("op"), record_for("op")) == []


def test_an_entry_that_cannot_be_rebuilt_lists_its_paths_and_so_does_every_later_one() -> None:
    entries = entries_of(rollout("op"))
    entries[1]["changes"] = [{"op": "remove", "path": "/no_such_key"}]
    words = [step.changes for step in steps(entries)]
    assert words[0] == ["sub status: creating networks", "east-1: pending", "west-2: pending"]
    assert words[1] == ["remove /no_such_key"]
    assert words[2] == [f"{change['op']} {change['path']}" for change in entries[2]["changes"]]


def test_an_empty_history_does_not_verify() -> None:
    with pytest.raises(HistoryMismatch) as caught:
        verify_history([])
    assert (caught.value.sequence, caught.value.reason) == (1, "the history has no entries")


@pytest.mark.parametrize(
    ("key", "value", "told"),
    [
        ("status", "completed", "its status 'completed' is not the rebuilt record's 'executing'"),
        ("previous_status", "failed", "its previous_status 'failed' is not the rebuilt record's 'executing'"),
        ("last_update_time", "20301122_000000", "its last_update_time '20301122_000000' is not"),
    ],
)
def test_an_entry_whose_facts_disagree_with_its_rebuilt_record_is_named(
    key: str, value: Any, told: str
) -> None:
    entries = entries_of(rollout("op"))
    entries[1][key] = value
    entries[1] = chained(entries[1], entries[0]["digest"])  # its digest recomputed: the facts are wrong
    with pytest.raises(HistoryMismatch) as caught:
        verify_history(entries)
    assert caught.value.sequence == 2
    assert caught.value.reason.startswith(told)


def test_a_first_entry_that_does_not_create_the_whole_record_is_named() -> None:
    (entry,) = entries_of([record_for("op")])
    entry["changes"] = [{"op": "add", "path": "/status", "value": "executing"}]
    with pytest.raises(HistoryMismatch, match="sequence 1: its changes are not one `add`"):
        verify_history([chained(entry, "")])
