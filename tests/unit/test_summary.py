"""A record's summary: what the list returns and the change events carry (docs/api.md, "Summaries")."""

from __future__ import annotations

from typing import Any

from operations_api.record.summary import count_clusters, summarize
from tests.support.records import full_record, minimal_record


def cluster(response: Any = ..., /) -> dict[str, Any]:
    entry: dict[str, Any] = {"cluster_id": "c", "request": {"uri": "/x", "method": "POST", "body": ""}}
    if response is not ...:
        entry["response"] = response
    return entry


def test_a_minimal_record_has_no_optional_keys_and_no_clusters() -> None:
    assert summarize(minimal_record()) == {
        "operation_id": "op-1",
        "status": "executing",
        "occurred_time": "20261122_064230",
        "last_update_time": "20261122_064230",
        "request": {"method": "POST", "uri": "/v1/networks"},
        "target_clusters": {"total": 0, "succeeded": 0, "failed": 0, "pending": 0},
    }


def test_sub_status_and_the_response_code_appear_when_the_record_has_them() -> None:
    record = minimal_record(
        status="completed", sub_status="done", response={"status_code": 201, "body": '{"id": "n-1"}'}
    )
    summary = summarize(record)
    assert summary["sub_status"] == "done"
    assert summary["response_status_code"] == 201


def test_a_null_response_gives_no_response_code() -> None:
    assert "response_status_code" not in summarize(minimal_record(response=None))


def test_no_body_of_any_kind_reaches_the_summary() -> None:
    record = full_record()
    assert "body" not in repr(summarize(record))


def test_clusters_are_counted_by_their_response_code() -> None:
    clusters = [
        cluster({"status_code": 200, "body": ""}),
        cluster({"status_code": 399}),
        cluster({"status_code": 400, "body": "bad"}),
        cluster({"status_code": 503}),
        cluster(),
        cluster(None),
        cluster({"status_code": None, "body": None}),
        cluster({"body": "no code yet"}),
    ]
    assert count_clusters(clusters) == {"total": 8, "succeeded": 2, "failed": 2, "pending": 4}


def test_null_and_empty_cluster_lists_count_nothing() -> None:
    empty = {"total": 0, "succeeded": 0, "failed": 0, "pending": 0}
    assert count_clusters(None) == empty
    assert count_clusters([]) == empty
    assert summarize(minimal_record(target_clusters=None))["target_clusters"] == empty
