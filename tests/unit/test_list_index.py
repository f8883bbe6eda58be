"""The list index's attributes (docs/api.md, "Listing operations", "Retention"): an order key that sorts as
the list must, shards that spread a status and never move, and expiry for finished operations only."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from operations_api import store
from operations_api.listing import index as list_index
from operations_api.listing.index import (
    ORDER_ATTRIBUTE,
    SHARD_ATTRIBUTE,
    SUMMARY_ATTRIBUTE,
    order_key,
    shard_number,
)
from operations_api.record.summary import summarize
from tests.support.records import full_record, minimal_record

ids = st.text(alphabet=list_index.ID_ALPHABET, min_size=1, max_size=128)
times = st.datetimes().map(lambda moment: moment.strftime("%Y%m%d_%H%M%S")).filter(lambda t: len(t) == 15)


@settings(deadline=None)  # no per-example time budget: a loaded machine is slow, not wrong
@given(st.lists(st.tuples(times, ids), min_size=2, max_size=30, unique_by=lambda pair: pair[1]))
def test_the_order_key_descending_is_newest_first_then_id_ascending(pairs: list[tuple[str, str]]) -> None:
    by_key = sorted(pairs, key=lambda pair: order_key(*pair).encode("utf-8"), reverse=True)
    by_contract = sorted(sorted(pairs, key=lambda pair: pair[1]), key=lambda pair: pair[0], reverse=True)
    assert by_key == by_contract


def test_an_id_comes_before_the_longer_ids_it_begins() -> None:
    keys = [order_key("20261122_064230", operation_id) for operation_id in ("a", "a-", "aa", "a~", "b")]
    assert sorted(keys, reverse=True) == keys


@settings(deadline=None)  # no per-example time budget: a loaded machine is slow, not wrong
@given(times, ids)
def test_the_id_is_read_back_from_its_order_key(time: str, operation_id: str) -> None:
    key = order_key(time, operation_id)
    assert list_index.operation_id_of(key) == operation_id
    assert list_index.time_of(key) == time


def test_what_is_not_an_order_key_gives_no_id() -> None:
    good = order_key("20261122_064230", "op-1")
    for bad in ("", "op-1", good[:-1], good.replace("#", "_"), "20261399_000000#}~", "20261122_064230#~"):
        assert list_index.operation_id_of(bad) is None, bad


def test_shards_are_stable_spread_and_in_range() -> None:
    numbers = [shard_number(f"op-{index}", 4) for index in range(400)]
    assert set(numbers) == {0, 1, 2, 3}
    assert min(numbers.count(number) for number in range(4)) > 60  # no shard starved
    assert shard_number("3f2b8c1e-7d4a-4e9b-9c2f-1a6d5e8b7c40", 4) == shard_number(
        "3f2b8c1e-7d4a-4e9b-9c2f-1a6d5e8b7c40", 4
    )
    assert {shard_number(f"op-{index}", 1) for index in range(50)} == {0}


def test_the_item_carries_its_shard_order_key_and_the_one_summary() -> None:
    record = full_record()
    attributes = list_index.attributes(record, shard_count=4, retention_days=0)
    number = shard_number(record["operation_id"], 4)
    assert attributes[SHARD_ATTRIBUTE] == f"failed#{number}"
    assert attributes[list_index.ALL_SHARD_ATTRIBUTE] == f"all#{number}"
    assert list_index.index_of(f"all#{number}") == (list_index.ALL_INDEX_NAME, list_index.ALL_SHARD_ATTRIBUTE)
    assert list_index.index_of(f"failed#{number}") == (list_index.INDEX_NAME, SHARD_ATTRIBUTE)
    assert attributes[ORDER_ATTRIBUTE] == order_key(record["last_update_time"], record["operation_id"])
    assert attributes[SUMMARY_ATTRIBUTE] == summarize(record)
    assert all(name.startswith(store.INTERNAL_PREFIX) for name in attributes)


def test_only_finished_operations_under_a_retention_period_expire() -> None:
    done = minimal_record(status="completed", response={"status_code": 200, "body": ""})
    assert list_index.expires_at(done, 0) is None
    assert list_index.expires_at(minimal_record(), 30) is None
    assert list_index.expires_at(minimal_record(status="unexecuted"), 30) is None
    assert list_index.expires_at(done, 30) == list_index.epoch_seconds("20261122_064230") + 30 * 86_400
    assert list_index.epoch_seconds("19700101_000100") == 60
    assert list_index.EXPIRES_ATTRIBUTE in list_index.attributes(done, 4, 30)
    assert list_index.EXPIRES_ATTRIBUTE not in list_index.attributes(done, 4, 0)


def test_expiry_is_at_the_second_it_names() -> None:
    assert not list_index.is_expired(None, 10**12)
    assert not list_index.is_expired(100, 99.9)
    assert list_index.is_expired(100, 100)
