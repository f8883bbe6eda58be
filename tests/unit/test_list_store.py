"""The list over a real (moto) table: for any operations and any filters, walking every page gives exactly
the filtered operations, newest first, once each (docs/api.md, "Listing operations"), reading only the
index with Queries; and a token made by one query is refused by another."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devtools.template import load_template
from operations_api import problems, store
from operations_api.listing import query as listing
from operations_api.listing.index import ID_ALPHABET, epoch_seconds
from operations_api.listing.query import MAX_PAGE_SIZE, MAX_TOKEN_LENGTH
from operations_api.record.rules import OPERATION_ID_MAX_LENGTH, STATUSES, TERMINAL_STATUSES
from operations_api.store import VersionGuard
from tests.support.listing import ListCall, expected, query_string, service_settings, walk
from tests.support.records import minimal_record

TIMES = ["20261121_120000", "20261122_000000", "20261122_000001", "20261122_120000", "20261123_120000"]
NOW = epoch_seconds("20261123_000000")  # terminal records updated a day before this are expired
_tables = itertools.count(1)


def record_of(operation_id: str, status: str, time: str) -> dict[str, Any]:
    record = minimal_record(operation_id=operation_id, status=status, last_update_time=time)
    record["occurred_time"] = "20261120_000000"
    if status in ("completed", "failed"):
        record["response"] = {"status_code": 200 if status == "completed" else 500, "body": ""}
    return record


def call_listing(raw_query: str) -> tuple[int, dict[str, Any]]:
    try:
        return 200, listing.list_operations(raw_query).answer
    except problems.Problem as problem:
        return int(problem.status), problem.document(instance="/v1/operations", request_id=None)


short_or_longest_ids = st.one_of(
    st.text("abAB-_~.9", min_size=1, max_size=4),
    st.text(ID_ALPHABET, min_size=OPERATION_ID_MAX_LENGTH - 2, max_size=OPERATION_ID_MAX_LENGTH),
)
operations = st.lists(
    st.tuples(
        short_or_longest_ids,
        st.sampled_from(STATUSES),
        st.sampled_from(TIMES),
    ),
    max_size=80,
    unique_by=lambda operation: operation[0],
)
status_filters = st.one_of(
    st.none(), st.lists(st.sampled_from(STATUSES), min_size=1, max_size=3, unique=True).map(",".join)
)


def _ordered(pair: tuple[str | None, str | None]) -> bool:
    since, before = pair
    return since is None or before is None or since < before


times_or_none: st.SearchStrategy[str | None] = st.sampled_from([None, *TIMES])
bounds = st.tuples(times_or_none, times_or_none).filter(_ordered)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    operations=operations,
    status=status_filters,
    bounds=bounds,
    page_size=st.one_of(st.integers(1, 7), st.integers(1, MAX_PAGE_SIZE)),
    shards=st.integers(1, 12),
    retention_days=st.sampled_from([0, 1]),
)
def test_walking_every_page_gives_the_filtered_operations_newest_first_once_each(
    table: Any,
    operations: list[tuple[str, str, str]],
    status: str | None,
    bounds: tuple[str | None, str | None],
    page_size: int,
    shards: int,
    retention_days: int,
) -> None:
    """Down to the last page, with the longest ids too, 1 to 12 shards, pages of 1 to 100: each page's
    token within 512 characters."""
    records = [record_of(*operation) for operation in operations]
    since, before = bounds
    tokens: list[str] = []

    def call_noting_tokens(raw_query: str) -> tuple[int, dict[str, Any]]:
        status_code, answer = call_listing(raw_query)
        tokens.extend([answer["next_page_token"]] if "next_page_token" in answer else [])
        return status_code, answer

    with fresh_table(table, shards, retention_days):
        for record in records:
            store.put_operation(record, "v", VersionGuard())
        summaries = walk(
            call_noting_tokens, status=status, updated_since=since, updated_before=before, page_size=page_size
        )
    assert all(len(token) <= MAX_TOKEN_LENGTH == 512 for token in tokens)
    ids = [summary["operation_id"] for summary in summaries]
    want = expected(
        records,
        status=status,
        updated_since=since,
        updated_before=before,
        now=NOW,
        retention_days=retention_days,
    )
    assert ids == want
    written = {record["operation_id"]: record for record in records}
    for summary in summaries:
        assert summary["status"] == written[summary["operation_id"]]["status"]
        assert "body" not in repr(summary)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    first=st.tuples(status_filters, bounds),
    second=st.tuples(status_filters, bounds),
)
def test_a_token_from_one_query_is_refused_by_another(
    table: Any,
    first: tuple[str | None, tuple[str | None, str | None]],
    second: tuple[str | None, tuple[str | None, str | None]],
) -> None:
    def filters(chosen: tuple[str | None, tuple[str | None, str | None]]) -> dict[str, str | None]:
        status, (since, before) = chosen
        return {"status": status, "updated_since": since, "updated_before": before}

    def normal(chosen: tuple[str | None, tuple[str | None, str | None]]) -> listing.ListQuery:
        return listing.parse_query(query_string(**filters(chosen)))

    with fresh_table(table, shards=2, retention_days=0):
        for index, (status, time) in enumerate(itertools.product(STATUSES, TIMES)):
            store.put_operation(record_of(f"op-{index}", status, time), "v", VersionGuard())
        status_code, page = call_listing(query_string(**filters(first), page_size=1))
        assert status_code == 200
        token = page.get("next_page_token")
        if token is None:
            return
        status_code, answer = call_listing(query_string(**filters(second), page_token=token, page_size=1))
    if normal(first).filters() == normal(second).filters():
        assert status_code == 200
    else:
        assert status_code == 400
        assert answer["errors"] == [{"parameter": "page_token", "detail": answer["errors"][0]["detail"]}]


@contextmanager
def fresh_table(table: Any, shards: int, retention_days: int) -> Iterator[None]:
    """A new table of the template's shape in the running moto, and the service pointed at it, its clock
    stopped at NOW."""
    name = f"operations-list-{next(_tables)}"
    table.create_table(**load_template().create_table_request(name))
    variables = {"TABLE_NAME": name, "LIST_SHARDS": str(shards), "RETENTION_DAYS": str(retention_days)}
    with service_settings(**variables), mock.patch.object(store, "now_seconds", return_value=float(NOW)):
        yield


def test_a_page_is_only_queries_on_the_index(table: Any, requests_sent: list[str]) -> None:
    for index in range(30):
        store.put_operation(record_of(f"op-{index:02d}", "executing", TIMES[index % 5]), "v", VersionGuard())
    requests_sent.clear()
    call: ListCall = call_listing
    assert len(walk(call, page_size=10)) == 30
    assert set(requests_sent) == {"Query"}


def queries_sent() -> list[dict[str, Any]]:
    """Every Query the store's client sends from now on, as sent."""
    sent: list[dict[str, Any]] = []
    store.dynamodb_client().meta.events.register(
        "provide-client-params.dynamodb.Query", lambda params, **_: sent.append(dict(params))
    )
    return sent


def test_a_page_with_a_status_asks_only_that_statuses_shards(table: Any) -> None:
    sent = queries_sent()
    for index in range(8):
        store.put_operation(record_of(f"op-{index}", "failed", TIMES[3]), "v", VersionGuard())
    status_code, page = call_listing("status=failed&page_size=25")
    assert status_code == 200
    assert len(page["operations"]) == 8
    assert "next_page_token" not in page
    shards = {request["ExpressionAttributeValues"][":shard"]["S"] for request in sent}
    assert shards == {f"failed#{number}" for number in range(4)}
    assert all(request["IndexName"] == "by-status-and-update" for request in sent)
    assert len(sent) == 4, "one Query a shard when every shard's share fits its first read"
    # a quarter of the page and its look-ahead (6.5), and 1.5 standard deviations of a hash's share (2.2)
    assert {request["Limit"] for request in sent} == {10}


@pytest.mark.parametrize("status", [None, ",".join(reversed(STATUSES))])
def test_a_page_of_every_status_reads_only_the_index_of_every_status(table: Any, status: str | None) -> None:
    for index, status_of_record in enumerate(STATUSES * 2):
        store.put_operation(record_of(f"op-{index}", status_of_record, TIMES[3]), "v", VersionGuard())
    sent = queries_sent()
    summaries = walk(call_listing, status=status, page_size=4)
    assert sorted(summary["operation_id"] for summary in summaries) == sorted(f"op-{i}" for i in range(10))
    assert {request["IndexName"] for request in sent} == {"by-update"}
    shards = {request["ExpressionAttributeValues"][":shard"]["S"] for request in sent}
    assert shards <= {f"all#{number}" for number in range(4)}


def test_expired_operations_are_left_out_and_pages_stay_full(table: Any) -> None:
    with fresh_table(table, shards=2, retention_days=1):
        for index in range(12):
            status = "completed" if index % 2 else "executing"
            time = TIMES[0] if index % 2 else TIMES[1]  # the completed ones ended two days before NOW
            store.put_operation(record_of(f"op-{index:02d}", status, time), "v", VersionGuard())
        summaries = walk(call_listing, page_size=4)
    assert [summary["operation_id"] for summary in summaries] == [f"op-{i:02d}" for i in range(0, 12, 2)]


@pytest.mark.parametrize("terminal", sorted(TERMINAL_STATUSES))
def test_a_finished_operation_is_listed_until_its_retention_ends(table: Any, terminal: str) -> None:
    record = record_of("op-1", terminal, "20261122_000001")  # expires at 20261123_000001, after NOW
    with fresh_table(table, shards=1, retention_days=1):
        store.put_operation(record, "v", VersionGuard())
        assert [s["operation_id"] for s in walk(call_listing)] == ["op-1"]
        with mock.patch.object(store, "now_seconds", return_value=float(NOW + 1)):
            assert walk(call_listing) == []


def edge_records() -> list[dict[str, Any]]:
    """230 operations: ties on every time, ids that prefix others ("e", "e-1", "e-1-1", "e-15", ...), and
    finished ones that expired (at NOW, a day's retention) between the live ones."""
    records = []
    for index in range(230):
        operation_id = "e" + "-1" * (index % 5) + (f"{index:x}" if index >= 5 else "")
        status = ("completed", "executing", "failed", "unexecuted")[index % 4]
        time = TIMES[index % 3] if status in TERMINAL_STATUSES else TIMES[3 + index % 2]
        records.append(record_of(operation_id, status, time))
    return records


@pytest.mark.parametrize(("shards", "page_size"), [(1, 100), (8, 100), (1, 1), (8, 1), (3, 7)])
def test_pages_of_1_and_100_over_one_shard_or_many_are_exact(table: Any, shards: int, page_size: int) -> None:
    records = edge_records() if page_size > 1 else edge_records()[:60]
    with fresh_table(table, shards, retention_days=1):
        for record in records:
            store.put_operation(record, "v", VersionGuard())
        summaries = walk(call_listing, page_size=page_size)
        failed = walk(call_listing, status="failed,executing", page_size=page_size)
    assert [summary["operation_id"] for summary in summaries] == expected(records, now=NOW, retention_days=1)
    want_failed = expected(records, status="failed,executing", now=NOW, retention_days=1)
    assert [summary["operation_id"] for summary in failed] == want_failed


@pytest.mark.parametrize("shards", [1, 4])
@pytest.mark.parametrize("live_after", [0, 1])
def test_expired_operations_right_after_a_full_page_promise_a_page_only_if_a_live_one_follows(
    table: Any, shards: int, live_after: int
) -> None:
    """The look-ahead reads past expired items: no token on the last page, and none that leads nowhere."""
    live = [record_of(f"live-{index}", "executing", TIMES[4]) for index in range(5)]
    expired = [record_of(f"gone-{index:02d}", "completed", TIMES[1]) for index in range(12)]
    older = [record_of(f"old-{index}", "executing", TIMES[0]) for index in range(live_after)]
    with fresh_table(table, shards, retention_days=1):
        for record in live + expired + older:
            store.put_operation(record, "v", VersionGuard())
        status_code, first = call_listing("page_size=5")
        assert status_code == 200
        assert [summary["operation_id"] for summary in first["operations"]] == [f"live-{i}" for i in range(5)]
        assert ("next_page_token" in first) is bool(live_after)
        if live_after:
            status_code, second = call_listing(f"page_size=5&page_token={first['next_page_token']}")
            assert (status_code, second) == (
                200,
                {"operations": [store.from_attribute(store.item_of(older[0], "v", shards, 1)["_summary"])]},
            )
