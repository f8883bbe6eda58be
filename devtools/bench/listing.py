"""Suite "list": a page of 25 against one Query returning 25 items, on each server and table size (the items
written straight, as the PUT writes them). docs/performance.md, "The list", says what is measured and why."""

from __future__ import annotations

import random
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Final

import botocore.session
from boto3.dynamodb.types import TypeSerializer

from devtools.bench.fresh import TABLE, against_query, local_dynamodb, query_once, share
from operations_api import settings, store
from operations_api.listing import index as list_index
from operations_api.listing import query as listing
from operations_api.service import version_of
from tests.support.fleet import put_items

_SERIALIZER = TypeSerializer()  # a value as a DynamoDB attribute, as boto3 writes it

PAGE_SIZE: Final = 25
DEEP_PAGE: Final = 10
STATUS_MIX: Final = {"completed": 50, "failed": 15, "canceled": 5, "executing": 20, "unexecuted": 10}
SECONDS_SPREAD: Final = 30 * 86_400
CREATED: Final = {"status_code": 201, "body": '{"id": "n-1"}'}
WEEK: Final = "updated_since=20261201_000000&updated_before=20261208_000000"  # within the spread of times


def operation(index: int, chance: random.Random) -> dict[str, Any]:
    """A realistic record: a status from the mix, three clusters, a last update within thirty days."""
    status = chance.choices(list(STATUS_MIX), list(STATUS_MIX.values()))[0]
    second = chance.randrange(SECONDS_SPREAD)
    operation_id = f"{index:08d}-{chance.getrandbits(64):016x}"
    request = {"uri": "/v1/networks", "method": "POST", "body": '{"name": "net-a"}'}
    clusters = [{"cluster_id": f"cluster-{n}", "request": request, "response": CREATED} for n in range(3)]
    record: dict[str, Any] = {
        "operation_id": operation_id,
        "occurred_time": time.strftime("%Y%m%d_%H%M%S", time.gmtime(1_795_000_000 + second // 2)),
        "last_update_time": time.strftime("%Y%m%d_%H%M%S", time.gmtime(1_795_000_000 + second)),
        "status": status,
        "request": {**request, "body": '{"name": "net-a", "cidr": "10.0.0.0/16"}'},
        "target_clusters": clusters,
    }
    if status in ("completed", "failed"):
        record["response"] = {**CREATED, "status_code": 201 if status == "completed" else 500}
    if status == "executing":
        record["sub_status"] = "creating the network on each cluster"
    return record


def operations(first: int, count: int, seed: int) -> list[dict[str, Any]]:
    """Operations first..first+count, drawn from one seed: the same ones run after run."""
    chance = random.Random(seed)  # noqa: S311 (test data, not secrets)
    return [operation(index, chance) for index in range(first, first + count)]


def item_of(record: dict[str, Any], shards: int) -> dict[str, Any]:
    """The item the PUT writes for this record (its attributes, the index's, and its version)."""
    attributes = {**record, **list_index.attributes(record, shards, retention_days=0)}
    attributes[store.VERSION_ATTRIBUTE] = version_of(record)
    return {key: _SERIALIZER.serialize(value) for key, value in attributes.items()}


def fill(client: Any, first: int, count: int, shards: int) -> None:
    """Write operations first..first+count straight to the table, 25 to a BatchWriteItem, 4 at once."""
    items = [item_of(record, shards) for record in operations(first, count, seed=first)]
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda part: put_items(client, items[part::4], TABLE), range(4)))


def floor_query(client: Any) -> tuple[float, float, int]:
    """One Query on one shard of the index returning 25 items: (ms, capacity, items)."""
    return query_once(
        client,
        TableName=TABLE,
        IndexName=list_index.INDEX_NAME,
        KeyConditionExpression="#shard = :shard",
        ExpressionAttributeNames={"#shard": list_index.SHARD_ATTRIBUTE},
        ExpressionAttributeValues={":shard": {"S": "completed#0"}},
        ScanIndexForward=False,
        Limit=PAGE_SIZE,
    )


def list_page(raw_query: str, token: str | None) -> listing.Listing:
    return listing.list_operations(raw_query + (f"&page_token={token}" if token else ""))


def token_for_page(raw_query: str, page: int) -> str | None:
    token = None
    for _ in range(page - 1):
        token = list_page(raw_query, token).answer.get("next_page_token")
    return token


def measure_case(
    client: Any, size: int, case: str, raw_query: str, page: int, repeats: int, shards: int
) -> dict[str, Any]:
    """One case: the list's page against the floor's Query, interleaved, and what the page read."""
    token = token_for_page(raw_query, page)
    query = raw_query + (f"&page_token={token}" if token else "")
    listed, timed = against_query(
        repeats, lambda: listing.list_operations(query), lambda: floor_query(client)
    )
    assert timed["floor_items"] == PAGE_SIZE, "the floor returns a full page"
    page_read = listed.page
    return {
        "size": size,
        "case": case,
        "list_ms": timed["ms"],
        "floor_ms": timed["floor_ms"],
        "latency_ratio": timed["ms"] / timed["floor_ms"],
        "list_capacity": page_read.capacity_units,
        "floor_capacity": timed["floor_capacity"],
        "capacity_ratio": share(page_read.capacity_units, timed["floor_capacity"]),
        "requests": page_read.requests,
        "rounds": page_read.rounds,
        "shards": len(listing.shards_of(listing.parse_query(raw_query), shards)),
        "beyond_page": page_read.items_read - len(page_read.summaries),
        "returned": len(page_read.summaries),
        "token_length": len(listed.answer.get("next_page_token", "")),
    }


def second_rounds(size: int, pages: int) -> dict[str, Any]:
    """Walking the first `pages` pages of each filter: how many pages asked some shard twice, and the
    longest token."""
    walked = asked_again = longest = 0
    for raw_query in WALKS:
        token = None
        for _ in range(pages):
            listed = list_page(raw_query, token)
            walked += 1
            asked_again += listed.page.rounds > 1
            token = listed.answer.get("next_page_token")
            longest = max(longest, len(token or ""))
            if token is None:
                break
    return {"size": size, "pages": walked, "second_rounds": asked_again, "longest_token": longest}


CASES: Final = (
    ("every status, page 1", "page_size=25", 1),
    (f"every status, page {DEEP_PAGE}", "page_size=25", DEEP_PAGE),
    ("status=executing, page 1", "status=executing&page_size=25", 1),
    (f"status=executing, page {DEEP_PAGE}", "status=executing&page_size=25", DEEP_PAGE),
    ("status=canceled, page 1", "status=canceled&page_size=25", 1),
    ("a week (updated_since, updated_before), page 1", f"{WEEK}&page_size=25", 1),
    ("status=executing,failed, page 1", "status=executing,failed&page_size=25", 1),
)
WALKS: Final = (
    "page_size=25",
    *(f"status={status}&page_size=25" for status in STATUS_MIX),
    f"{WEEK}&page_size=25",
)
WALKED_PAGES: Final = 40


def measure(quick: bool) -> dict[str, Any]:
    sizes, repeats, servers = ((300,), 2, ("moto",)) if quick else ((1000, 100_000), 30, ("dynalite", "moto"))
    runs = [run(sizes_on(server, sizes), repeats, server) for server in servers]
    return {"shards": settings.get_settings().list_shards, "repeats": repeats, "runs": runs}


def run(sizes: Sequence[int], repeats: int, server: str) -> dict[str, Any]:
    """Each case on each table size, on one local DynamoDB server."""
    figures, walks = [], []
    with local_dynamodb(server) as (endpoint, dynamodb_name):
        shards = settings.get_settings().list_shards
        client = botocore.session.get_session().create_client("dynamodb", endpoint_url=endpoint)
        written = 0
        for size in sorted(sizes):
            started = time.perf_counter()
            fill(client, written, size - written, shards)
            print(f"bench list: {size:,} operations written in {time.perf_counter() - started:.0f} s")
            written = size
            for case, raw_query, page in CASES:
                figures.append(measure_case(client, size, case, raw_query, page, repeats, shards))
            walks.append(second_rounds(size, WALKED_PAGES if repeats > 2 else 3))
    return {"server": dynamodb_name, "figures": figures, "walks": walks}


def sizes_on(server: str, sizes: Sequence[int]) -> list[int]:
    """moto answers a Query on an index by reading every item of the table (its cost grows with the table,
    DynamoDB's does not), so it measures the smallest table only."""
    return [min(sizes)] if server == "moto" else list(sizes)
