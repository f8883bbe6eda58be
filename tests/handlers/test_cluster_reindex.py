"""`?cluster=` stays exact when the stack's ListShards or RetentionDays changes (docs/operate.md, "Re-indexing
the list"), on moto: PUTs through the handler, the table's stream through the loop, the list of each cluster
walked through the list's handler and compared with what the records say, or with the list itself; and the
documented step that brings the earlier layout's cluster items to this one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from operations_api import store
from operations_api.fleet import layout
from operations_api.fleet.recording import write_clusters
from operations_api.store import VersionGuard
from ops import backfill, cluster_reindex
from tests.handlers.test_fleet_loop import accept, clusters
from tests.support.change_events import Pipeline
from tests.support.environment import TABLE_NAME
from tests.support.fleet import FLEET_NOW, cluster_items, listed, put_items
from tests.support.fleet_loop import FLEET_TABLE_NAME, scan_fleet
from tests.support.handlers import Invoke
from tests.support.listing import ListCall, service_settings, walk
from tests.support.records import record_at

REINDEX = ["--table", TABLE_NAME, "--fleet-table", FLEET_TABLE_NAME, "--region", "us-east-1"]
NOW = datetime.fromtimestamp(FLEET_NOW, UTC).replace(tzinfo=None)  # the `fleet` fixture's moment
FILTERS: tuple[dict[str, str], ...] = ({}, {"status": "executing"}, {"status": "failed"})


def operations(count: int) -> list[dict[str, Any]]:
    """Executing operations that all name cluster `a`, and each a cluster of its own."""
    return [
        record_at(
            f"op-{n}", NOW - timedelta(minutes=60 - n), target_clusters=clusters(("a", None), (f"c-{n}", 201))
        )
        for n in range(count)
    ]


def assert_each_cluster_lists(list_call: ListCall, records: list[dict[str, Any]]) -> None:
    """Every operation once, in its current status, in the list of each cluster it names."""
    for cluster_id in ("a", *(f"c-{n}" for n in range(len(records)))):
        for filters in FILTERS:
            assert walk(list_call, cluster=cluster_id, page_size=3, **filters) == listed(
                records, cluster_id, **filters
            ), (cluster_id, filters)


def test_a_list_shards_change_leaves_every_cluster_list_exact_with_no_step(
    fleet: Any, put: Invoke, pipeline: Pipeline, list_call: ListCall
) -> None:
    records = operations(8)
    for record in records:
        accept(put, record)
    pipeline.deliver()
    assert_each_cluster_lists(list_call, records)
    status, first = list_call("cluster=a&page_size=3")
    for shards, changed in (("2", 3), ("4", 5), ("7", 3)):  # down, back, up; a change under each
        with service_settings(LIST_SHARDS=shards):
            resumed = list_call(f"cluster=a&page_size=3&page_token={first['next_page_token']}")
            assert resumed[0] == status == 200, "a cluster's page token outlives the change"
            assert_each_cluster_lists(list_call, records)
            moment = NOW - timedelta(minutes=30 - int(shards))
            record = record_at(f"op-{changed}", moment, status="failed", target_clusters=clusters(("a", 500)))
            accept(put, record)
            pipeline.deliver()
            records[changed] = record
            assert_each_cluster_lists(list_call, records)
    assert_each_cluster_lists(list_call, records)
    assert [s["operation_id"] for s in walk(list_call, cluster="a", status="failed")] == ["op-3", "op-5"]


def listed_ids(list_call: ListCall, **filters: str) -> list[str]:
    return [summary["operation_id"] for summary in walk(list_call, page_size=2, **filters)]


def reindex(retention_days: int, capsys: pytest.CaptureFixture[str], *options: str) -> list[str]:
    """docs/operate.md's step for this retention (the stack's default shards); what it printed."""
    capsys.readouterr()
    assert backfill.main([*REINDEX, "--retention-days", str(retention_days), *options]) == 0
    return capsys.readouterr().out.splitlines()


def test_a_retention_change_shorter_or_longer_leaves_each_cluster_listing_what_the_list_does(
    fleet: Any, put: Invoke, pipeline: Pipeline, list_call: ListCall, capsys: pytest.CaptureFixture[str]
) -> None:
    named = clusters(("a", 500))
    records = [
        record_at("long-ago", NOW - timedelta(days=2, hours=12), status="failed", target_clusters=named),
        record_at("yesterday", NOW - timedelta(days=1, hours=12), status="failed", target_clusters=named),
        record_at("today", NOW - timedelta(hours=12), status="failed", target_clusters=named),
        record_at("running", NOW - timedelta(days=9), target_clusters=clusters(("a", None))),
    ]
    with service_settings(RETENTION_DAYS="2"):
        for record in records:
            accept(put, record)
        pipeline.deliver()
        assert (
            listed_ids(list_call, cluster="a") == listed_ids(list_call) == ["today", "yesterday", "running"]
        )
    for retention, live in ((1, ["today", "running"]), (3, ["today", "running"]), (0, ["today", "running"])):
        with service_settings(RETENTION_DAYS=str(retention)):
            if retention == 1:
                assert listed_ids(list_call, cluster="a") == live, "a shorter retention hides at once"
            reindex(retention, capsys)
            for filters in ({}, {"status": "failed"}):
                assert listed_ids(list_call, cluster="a", **filters) == listed_ids(list_call, **filters)
            assert listed_ids(list_call, cluster="a") == live, "an expired operation stays gone"
    assert all(
        layout.EXPIRES_ATTRIBUTE not in item for item in scan_fleet() if item["pk"]["S"][:8] == "cluster#"
    )


def test_the_earlier_layouts_items_are_read_as_they_are_on_a_default_stack(
    fleet: Any, list_call: ListCall
) -> None:
    records = operations(6)
    records[2] = record_at(
        "op-2", NOW - timedelta(hours=1), status="failed", target_clusters=clusters(("a", 500))
    )
    assert all(cluster_items(record, 4) == cluster_items(record) for record in records), "ListShards 4"
    put_items(fleet, [item for record in records for item in cluster_items(record, 4, retention_days=1)])
    with service_settings(RETENTION_DAYS="1"):
        assert_each_cluster_lists(list_call, records)


def test_the_documented_step_brings_the_earlier_layouts_items_to_this_one(
    fleet: Any, list_call: ListCall, capsys: pytest.CaptureFixture[str]
) -> None:
    """As the reviewer left the table: items keyed by ListShards 4, then 2 after a change, then 4 again,
    each carrying the list's expiry; op-3's executing version under 4, its failed one under 2."""
    records = operations(8)
    executing = records[3]
    records[3] = record_at(
        "op-3", NOW - timedelta(minutes=5), status="failed", target_clusters=clusters(("a", 500))
    )
    records[6] = {**records[6], "status": "completed", "response": {"status_code": 201, "body": ""}}
    for record in records:
        store.put_operation(record, "v1", VersionGuard())
    earlier = [item for record in records if record is not records[3] for item in cluster_items(record, 4, 1)]
    earlier += cluster_items(executing, 4, 1) + cluster_items(records[3], 2, 1)
    put_items(fleet, earlier)
    before = scan_fleet()
    with service_settings(RETENTION_DAYS="1"):
        assert walk(list_call, cluster="a", status="executing") != listed(records, "a", status="executing")
        dry_run = reindex(1, capsys, "--dry-run")
        assert scan_fleet() == before, "a dry run writes nothing"
        said = reindex(1, capsys)
        assert_each_cluster_lists(list_call, records)
        again = reindex(1, capsys)
    wanted = [item for record in records for item in cluster_items(record)]
    assert stored_items() == {(item["pk"]["S"], item["sk"]["S"]): item for item in wanted}
    moved = len(earlier) - len(
        [item for item in earlier if (item["pk"]["S"], item["sk"]["S"]) in stored_items()]
    )
    assert moved > 0
    assert said[0] == (
        f"the cluster index: {len(earlier)} items read, {moved} removed (under an earlier ListShards, of an "
        "older version, or of an expired operation), 2 operations re-indexed from their records"
    ), "op-3's, and op-6's items, which carried an expiry"
    assert dry_run[0] == "dry run: " + said[0]
    assert again[0].startswith(f"the cluster index: {len(wanted)} items read, 0 removed"), "once"
    assert again[0].endswith(", 0 operations re-indexed from their records")


def stored_items() -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (item["pk"]["S"], item["sk"]["S"]): item for item in scan_fleet() if item["pk"]["S"][:8] == "cluster#"
    }


def test_a_record_a_put_changes_meanwhile_is_indexed_as_the_put_left_it(
    fleet: Any, list_call: ListCall, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (record,) = operations(1)
    store.put_operation(record, "v1", VersionGuard())
    earlier = cluster_items(record, 7)  # under an earlier ListShards
    assert earlier != cluster_items(record)
    put_items(fleet, earlier)
    newer = record_at("op-0", NOW, status="failed", target_clusters=clusters(("b", 500)))
    writes: list[tuple[dict[str, Any] | None, dict[str, Any] | None]] = []

    def put_between(old: dict[str, Any] | None, new: dict[str, Any] | None) -> int:
        if not writes:  # the re-index has read the record; a PUT comes before its write
            store.put_operation(newer, "v2", VersionGuard())
        writes.append((old, new))
        return write_clusters(old, new)

    monkeypatch.setattr(cluster_reindex, "write_clusters", put_between)
    reindex(0, capsys)
    assert writes == [(None, record), (record, newer)]
    assert stored_items() == {(item["pk"]["S"], item["sk"]["S"]): item for item in cluster_items(newer)}
    assert walk(list_call, cluster="a") == []
    assert walk(list_call, cluster="b", status="failed") == listed([newer], "b")
