"""What a list page costs (docs/api.md, "Listing operations"; docs/design.md, "The list at one Query per
shard"), as dynalite reports it (ReturnConsumedCapacity): at the default shard count and page size,
within twice one Query of the page's own items, for no filter, each status and time ranges; at any
shard count, within one minimal Query (0.5 read units) per shard asked plus one Query of the page's own
items. One Query of a page's items is billed by DynamoDB's rule: 0.5 units per 4 KB of the index's
items, rounded up."""

from __future__ import annotations

import math
from typing import Any, Final

import pytest

from devtools.bench.listing import item_of, operations
from operations_api import store
from operations_api.listing import index
from operations_api.listing import query as listing
from operations_api.record.rules import STATUSES
from tests.support.dynamodb import DynamoTable
from tests.support.fleet import put_items
from tests.support.listing import query_string, service_settings

OPERATIONS: Final = 600
PAGES: Final = 4
HALF_UNIT: Final = 0.5  # an eventually consistent read of 4 KB
INDEX_ATTRIBUTES: Final = (
    "operation_id",
    index.SHARD_ATTRIBUTE,
    index.ORDER_ATTRIBUTE,
    index.SUMMARY_ATTRIBUTE,
    index.EXPIRES_ATTRIBUTE,
)
FILTERS: Final = [
    {},
    *({"status": status} for status in STATUSES),
    {"status": "executing,failed"},
    {"updated_since": "20261201_000000"},
    {"updated_since": "20261201_000000", "updated_before": "20261208_000000"},
]


def write_operations(table: DynamoTable, shards: int) -> dict[str, int]:
    """The bench's realistic operations, written as the PUT writes them; each one's item in the index, in
    bytes, by id."""
    items = [item_of(record, shards) for record in operations(0, OPERATIONS, seed=0)]
    put_items(table.client, items, table.name)
    return {
        item["operation_id"]["S"]: store.item_size(
            {name: item[name] for name in INDEX_ATTRIBUTES if name in item}
        )
        for item in items
    }


def one_query_of(summaries: list[dict[str, Any]], sizes: dict[str, int]) -> float:
    total = sum(sizes[summary["operation_id"]] for summary in summaries)
    return HALF_UNIT * max(1, math.ceil(total / 4096))


def pages_of(filters: dict[str, str]) -> list[listing.Listing]:
    listed, token = [], None
    for _ in range(PAGES):
        listed.append(listing.list_operations(query_string(**filters, page_token=token)))
        token = listed[-1].answer.get("next_page_token")
        if token is None:
            break
    return listed


@pytest.mark.parametrize("shards", [4, 1, 2, 8])
def test_a_page_costs_one_minimal_query_per_shard_at_most_beyond_its_own_items(
    service_on_dynalite: DynamoTable, shards: int
) -> None:
    with service_settings(LIST_SHARDS=str(shards)):
        sizes = write_operations(service_on_dynalite, shards)
        for filters in FILTERS:
            asked = len(listing.shards_of(listing.parse_query(query_string(**filters)), shards))
            pages = pages_of(filters)
            assert len(pages[0].page.summaries) == 25, f"{filters}: a full first page"
            for number, listed in enumerate(pages, start=1):
                floor = one_query_of(listed.page.summaries, sizes)
                cost = listed.page.capacity_units
                where = f"{filters}, page {number}: {cost} units, one Query of the page {floor}"
                assert cost <= HALF_UNIT * asked + floor, where
                # A last page, shorter, costs more; a list of several statuses asks each one's shards.
                if shards == 4 and asked == shards and len(listed.page.summaries) == 25:
                    assert cost <= 2 * floor, where
