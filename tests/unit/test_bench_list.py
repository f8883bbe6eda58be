"""devtools/bench_list.py's logic on a tiny input (no timing is asserted)."""

from __future__ import annotations

import random

from devtools import bench_list
from devtools.bench_list import Figure
from operations_api import list_index, store
from operations_api.summary import summarize


def test_the_bench_writes_items_exactly_as_the_put_does() -> None:
    record = bench_list.operation(7, random.Random(1))  # noqa: S311 (test data)
    item = bench_list.item_of(record, shards=4)
    assert store.from_attribute(item[list_index.SUMMARY_ATTRIBUTE]) == summarize(record)
    assert item[list_index.ORDER_ATTRIBUTE] == {
        "S": list_index.order_key(record["last_update_time"], record["operation_id"])
    }
    assert item[store.VERSION_ATTRIBUTE]["S"]


def test_the_table_gives_ratios_what_a_page_read_and_the_verdicts() -> None:
    every = Figure(1000, "every status, page 1", 30.0, 10.0, 3.0, 1.5, 24, 20, 43, 25)
    one = Figure(1000, "status=executing, page 1", 15.0, 10.0, 2.5, 1.5, 5, 4, 10, 25)
    assert (every.latency_ratio, every.capacity_ratio) == (3.0, 2.0)
    text = bench_list.markdown([every, one], "dynalite 4.0.0", shards=4)
    assert "| 1,000 | every status, page 1 | 30.0 | 10.0 | 3.00x | 3 | 1.5 | 2.00x | 24 / 20 | 43 |" in text
    assert "ListShards 4" in text
    assert "- **Capacity**, one status: 1.67x the floor (target 2x: met). Every status: 2.00x (met)" in text
    assert "- **Latency**, one status: 1.50x (met); every status: 3.00x (not met)." in text
    assert "up to 10 with one status (target 4), 43 with every status (target 20)" in text
    assert "one Node.js process" in text
