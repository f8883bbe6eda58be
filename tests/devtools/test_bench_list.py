"""devtools/bench_list.py's logic on a tiny input (no timing is asserted)."""

from __future__ import annotations

import random

from devtools import bench_list
from devtools.bench_list import Figure
from operations_api import list_index, listing, store
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
    every = Figure(1000, "every status, page 1", 30.0, 10.0, 3.0, 1.5, 6, 4, 7, 25)
    one = Figure(1000, "status=executing, page 1", 15.0, 10.0, 2.5, 1.5, 5, 4, 10, 25)
    assert (every.latency_ratio, every.capacity_ratio) == (3.0, 2.0)
    text = bench_list.markdown([every, one], "dynalite 4.0.0", shards=4)
    assert "| 1,000 | every status, page 1 | 30.0 | 10.0 | 3.00x | 3 | 1.5 | 2.00x | 6 / 4 | 7 |" in text
    assert "ListShards 4" in text
    assert "- **Capacity**, one status: 1.67x the floor (target 2x: met). Every status: 2.00x (met)" in text
    assert "- **Latency**, one status: 1.50x (met); every status: 3.00x (not met)." in text
    assert "up to 10 with one status (target 4), 7 with every status (target 4)" in text
    assert "one Node.js process" in text


def test_the_section_holds_one_table_for_each_server_and_why_they_differ() -> None:
    figures = [
        Figure(1000, "every status, page 1", 30.0, 10.0, 3.0, 1.5, 6, 4, 7, 25),
        Figure(1000, "status=executing, page 1", 15.0, 10.0, 2.5, 1.5, 5, 4, 10, 25),
    ]
    text = bench_list.section([(figures, "dynalite 4.0.0"), (figures, "moto's threaded server")], shards=4)
    assert text.startswith("## The list: a page of 25 against one Query of 25 items")
    assert bench_list.SERIAL_NOTE in text
    assert text.index("### On dynalite 4.0.0") < text.index("### On moto's threaded server")
    assert "answers the page's parallel Queries at once" in text
    assert "moto reports one read unit per Query whatever it reads" in text


def test_a_page_of_every_status_counts_the_shards_of_one_index() -> None:
    query = listing.parse_query("page_size=25")
    assert listing.shards_of(query, 4) == [f"all#{number}" for number in range(4)]
    assert len(listing.shards_of(listing.parse_query("status=failed,executing"), 4)) == 8


def test_moto_measures_the_smallest_table_only() -> None:
    assert bench_list.sizes_on("moto", [1000, 10_000]) == [1000]
    assert bench_list.sizes_on("dynalite", [1000, 10_000]) == [1000, 10_000]


def test_the_growth_note_tells_capacity_that_follows_requests_from_growth() -> None:
    small = Figure(1000, "every status, page 1", 30.0, 10.0, 2.5, 1.5, 5, 4, 4, 25)
    large = Figure(100_000, "every status, page 1", 30.0, 10.0, 3.5, 1.5, 7, 4, 8, 25)
    assert "with the requests it made (0.5 to 0.5 read units each)" in bench_list.growth_note([small, large])
    grown = Figure(100_000, "every status, page 1", 30.0, 10.0, 5.0, 1.5, 5, 4, 8, 25)
    assert bench_list.growth_note([small, grown]) == (
        "A page's read capacity moved by up to 50% per case between sizes."
    )
    assert bench_list.growth_note([small]) == "One table size only."
