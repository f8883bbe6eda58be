"""Property: the history's and the cluster list's page tokens stay within 512 characters (the performance
issue's goal) in their worst cases — ids as long as the contract allows (128 characters; a cluster id of
512, multi-byte), many entries, many operations and clusters, every page size — and
walking every page through the handler gives exactly the entries, or the operations, and in order.
(The cluster index has its own fixed shard count; the list's shard counts are drawn in test_list_store.)"""

from __future__ import annotations

import itertools
from types import ModuleType
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from operations_api import store
from operations_api.record.rules import CLUSTER_ID_MAX_LENGTH, OPERATION_ID_MAX_LENGTH, STATUSES
from tests.support.fleet import cluster_items, listed, put_items
from tests.support.handlers import invoker
from tests.support.history import HISTORY_TABLE_NAME, versions_of, walk_history, write_history
from tests.support.listing import ListCall, walk
from tests.support.records import cluster, record_for

pytestmark = pytest.mark.fuzzing

# the examples share the function's fixtures (its tables), hence the health check suppressed
SHARED_TABLES = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
ID_FILLERS = "~z-._A9"  # every kind of character an operation id may hold
CLUSTER_ALPHABET = "東üa &%/=?+~"  # three-byte, two-byte, one-byte, and characters a query escapes
TIMES = ["20261122_060000", "20261122_060000", "20261122_061500", "20261121_235959"]  # ties included
_examples = itertools.count()

id_lengths = st.one_of(st.just(OPERATION_ID_MAX_LENGTH), st.integers(1, OPERATION_ID_MAX_LENGTH))
page_sizes = st.one_of(st.integers(1, 7), st.integers(1, 100))


def operation_id(prefix: str, length: int, filler: str) -> str:
    """An id unique by its prefix, as long as drawn (at least the prefix)."""
    return (prefix + filler * OPERATION_ID_MAX_LENGTH)[: max(length, len(prefix))]


@settings(max_examples=15, deadline=None, suppress_health_check=SHARED_TABLES)
@given(
    length=id_lengths,
    filler=st.sampled_from(ID_FILLERS),
    count=st.one_of(st.integers(1, 3), st.integers(1, 120)),
    page_size=page_sizes,
)
def test_every_history_page_is_exact_and_its_token_within_512_characters(
    table: Any, history_handler: ModuleType, length: int, filler: str, count: int, page_size: int
) -> None:
    identifier = operation_id(f"h{next(_examples)}~", length, filler)
    versions = versions_of(identifier, count)
    store.put_operation(versions[-1], "v", store.VersionGuard())  # the history shows while the record exists
    entries = write_history(table, HISTORY_TABLE_NAME, identifier, versions)
    pages, tokens = walk_history(invoker(history_handler), identifier, page_size)
    assert [entry for page in pages for entry in page] == entries
    assert all(len(page) == page_size for page in pages[:-1]), "small entries: every page but the last full"
    assert len(tokens) == len(pages) - 1 == (count - 1) // page_size


cluster_ids = st.text(CLUSTER_ALPHABET, min_size=1, max_size=CLUSTER_ID_MAX_LENGTH)
operations = st.lists(
    st.tuples(
        id_lengths,
        st.sampled_from(STATUSES),
        st.sampled_from(TIMES),
        st.sets(st.integers(0, 3), min_size=1),  # which of the drawn clusters it names
        st.sampled_from([None, 201, 503]),  # their requests' answer
    ),
    max_size=30,
)
status_filters = st.one_of(
    st.none(), st.lists(st.sampled_from(STATUSES), min_size=1, max_size=3, unique=True).map(",".join)
)


@settings(max_examples=25, deadline=None, suppress_health_check=SHARED_TABLES)
@given(
    clusters=st.lists(cluster_ids, min_size=1, max_size=4),
    drawn=operations,
    status=status_filters,
    page_size=page_sizes,
)
def test_every_cluster_page_is_exact_and_its_token_within_512_characters(
    fleet: Any,
    list_call: ListCall,
    clusters: list[str],
    drawn: list[tuple[int, str, str, set[int], int | None]],
    status: str | None,
    page_size: int,
) -> None:
    """Each cluster's list, walked to its last page (the shared walk checks each token's length and that
    every page but the last is full), is exactly the operations naming it, newest first."""
    example = next(_examples)
    names = [(f"{example}{name}")[:CLUSTER_ID_MAX_LENGTH] for name in clusters]  # unique to this example
    records = []
    for number, (length, state, time, named, code) in enumerate(drawn):
        record = record_for(
            operation_id(f"{number}~", length, "~"),
            status=state,
            last_update_time=time,
            occurred_time="20261101_000000",
            target_clusters=[cluster(names[index % len(names)], code) for index in sorted(named)],
        )
        if state in ("completed", "failed"):
            record["response"] = {"status_code": 500, "body": ""}
        records.append(record)
    put_items(fleet, [item for record in records for item in cluster_items(record)])
    for name in dict.fromkeys(names):
        want = listed(records, name, status=status)
        assert walk(list_call, cluster=name, status=status, page_size=page_size) == want
