"""`make bench` (the list): a page of 25 against the floor of one DynamoDB Query returning 25 items.

Measured in one run against the same local DynamoDB, on each server asked for: dynalite (where installed;
it answers one request at a time) and moto's threaded server (it answers several at once); on a
table of 1,000 operations and then of 100,000 (written straight to the table with BatchWriteItem, each
item exactly as the PUT writes it). For a first page and a deep page (the tenth), with and without a
status filter: the median latency of the list (in process, from the query string to the page, token
included) against the median of the floor (one Query on one shard of the index, Limit 25) measured
interleaved; the read capacity each consumed as that DynamoDB reports it; the DynamoDB requests a page
made; and the items it read beyond the page. Writes its section of docs/performance.md.

    python -m devtools.bench_list [--sizes 1000,100000] [--repeats 30] [--servers dynalite,moto]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Final

import botocore.session

from devtools.bench.fresh import local_dynamodb
from devtools.bench.plan import TABLE
from devtools.bench_sections import replace_section
from operations_api import list_index, listing, settings, store
from operations_api.service import version_of

SECTION: Final = "list"
PAGE_SIZE: Final = 25
DEEP_PAGE: Final = 10
STATUS_MIX: Final = (
    ("completed", 50),
    ("failed", 15),
    ("canceled", 5),
    ("executing", 20),
    ("unexecuted", 10),
)
SECONDS_SPREAD: Final = 30 * 86_400
BATCH: Final = 25


@dataclass(frozen=True)
class Figure:
    size: int
    case: str  # "all statuses, page 1", ...
    list_ms: float
    floor_ms: float
    list_capacity: float
    floor_capacity: float
    requests: int
    shards: int
    beyond_page: int
    returned: int

    @property
    def latency_ratio(self) -> float:
        return self.list_ms / self.floor_ms

    @property
    def capacity_ratio(self) -> float:
        return self.list_capacity / self.floor_capacity if self.floor_capacity else float("nan")


def operation(index: int, chance: random.Random) -> dict[str, Any]:
    """A realistic record: a status from the mix, three clusters, a last update within thirty days."""
    status = chance.choices([s for s, _ in STATUS_MIX], [w for _, w in STATUS_MIX])[0]
    second = chance.randrange(SECONDS_SPREAD)
    updated = time.strftime("%Y%m%d_%H%M%S", time.gmtime(1_795_000_000 + second))
    record: dict[str, Any] = {
        "operation_id": f"{index:08d}-{chance.getrandbits(64):016x}",
        "occurred_time": time.strftime("%Y%m%d_%H%M%S", time.gmtime(1_795_000_000 + second // 2)),
        "last_update_time": updated,
        "status": status,
        "request": {
            "uri": "/v1/networks",
            "method": "POST",
            "body": '{"name": "net-a", "cidr": "10.0.0.0/16"}',
        },
        "target_clusters": [
            {
                "cluster_id": f"cluster-{n}",
                "request": {"uri": "/v1/networks", "method": "POST", "body": '{"name": "net-a"}'},
                "response": {"status_code": 201, "body": '{"id": "n-1"}'},
            }
            for n in range(3)
        ],
    }
    if status in ("completed", "failed"):
        record["response"] = {"status_code": 201 if status == "completed" else 500, "body": '{"id": "n-1"}'}
    if status == "executing":
        record["sub_status"] = "creating the network on each cluster"
    return record


def item_of(record: dict[str, Any], shards: int) -> dict[str, Any]:
    """The item the PUT writes for this record (its attributes, the index's, and its version)."""
    attributes = {**record, **list_index.attributes(record, shards, retention_days=0)}
    item = {key: store.attribute_value(value) for key, value in attributes.items()}
    item[store.VERSION_ATTRIBUTE] = {"S": version_of(record)}
    return item


def fill(client: Any, first: int, count: int, shards: int) -> None:
    """Write operations first..first+count straight to the table, 25 to a BatchWriteItem, 4 at once."""
    chance = random.Random(first)  # noqa: S311 (test data, not secrets)
    items = [item_of(operation(index, chance), shards) for index in range(first, first + count)]
    batches = [items[start : start + BATCH] for start in range(0, len(items), BATCH)]

    def write(batch: list[dict[str, Any]]) -> None:
        requests = {TABLE: [{"PutRequest": {"Item": item}} for item in batch]}
        while requests:
            requests = client.batch_write_item(RequestItems=requests).get("UnprocessedItems") or {}

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(write, batches))


def floor_query(client: Any, shard: str) -> tuple[float, float, int]:
    """One Query on one shard of the index returning 25 items: (ms, capacity, items)."""
    started = time.perf_counter()
    response = client.query(
        TableName=TABLE,
        IndexName=list_index.INDEX_NAME,
        KeyConditionExpression="#shard = :shard",
        ExpressionAttributeNames={"#shard": list_index.SHARD_ATTRIBUTE},
        ExpressionAttributeValues={":shard": {"S": shard}},
        ScanIndexForward=False,
        Limit=PAGE_SIZE,
        ReturnConsumedCapacity="TOTAL",
    )
    elapsed = (time.perf_counter() - started) * 1000
    return elapsed, float(response["ConsumedCapacity"]["CapacityUnits"]), len(response["Items"])


def token_for_page(raw_query: str, page: int) -> str | None:
    token = None
    for _ in range(page - 1):
        query = raw_query + (f"&page_token={token}" if token else "")
        token = listing.list_operations(query).answer.get("next_page_token")
    return token


def measure(
    client: Any, size: int, case: str, raw_query: str, page: int, repeats: int, shards: int
) -> Figure:
    token = token_for_page(raw_query, page)
    query = raw_query + (f"&page_token={token}" if token else "")
    listing.list_operations(query)  # warm: threads, connections
    list_ms: list[float] = []
    floor_ms: list[float] = []
    for _ in range(repeats):  # interleaved, so that the machine's moods fall on both alike
        started = time.perf_counter()
        listed = listing.list_operations(query)
        list_ms.append((time.perf_counter() - started) * 1000)
        floor_ms.append(floor_query(client, "completed#0")[0])
    _, floor_capacity, floor_items = floor_query(client, "completed#0")
    assert floor_items == PAGE_SIZE, "the floor returns a full page"
    page_read = listed.page
    return Figure(
        size=size,
        case=case,
        list_ms=statistics.median(list_ms),
        floor_ms=statistics.median(floor_ms),
        list_capacity=page_read.capacity_units,
        floor_capacity=floor_capacity,
        requests=page_read.requests,
        shards=len(listing.shards_of(listing.parse_query(raw_query), shards)),
        beyond_page=page_read.items_read - len(page_read.summaries),
        returned=len(page_read.summaries),
    )


CASES: Final = (
    ("every status, page 1", "page_size=25", 1),
    (f"every status, page {DEEP_PAGE}", "page_size=25", DEEP_PAGE),
    ("status=executing, page 1", "status=executing&page_size=25", 1),
    (f"status=executing, page {DEEP_PAGE}", "status=executing&page_size=25", DEEP_PAGE),
)


def run(
    sizes: Sequence[int], repeats: int, server: str, progress: Callable[[str], None] = print
) -> tuple[list[Figure], str]:
    figures: list[Figure] = []
    with local_dynamodb(server) as (endpoint, dynamodb_name):
        os.environ.update({"DYNAMODB_ENDPOINT_URL": endpoint, "TABLE_NAME": TABLE})
        os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
        os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")
        os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
        settings.get_settings.cache_clear()
        store.dynamodb_client.cache_clear()
        shards = settings.get_settings().list_shards
        client = botocore.session.get_session().create_client("dynamodb", endpoint_url=endpoint)
        written = 0
        for size in sorted(sizes):
            started = time.perf_counter()
            fill(client, written, size - written, shards)
            progress(f"{size:,} operations written in {time.perf_counter() - started:.0f} s")
            written = size
            for case, raw_query, page in CASES:
                figures.append(measure(client, size, case, raw_query, page, repeats, shards))
                progress(f"  {case}: {figures[-1].latency_ratio:.2f}x latency")
    return figures, dynamodb_name


def section(runs: Sequence[tuple[Sequence[Figure], str]], shards: int) -> str:
    """The list's section: one table and its verdicts for each server measured on."""
    parts = ["## The list: a page of 25 against one Query of 25 items", SERIAL_NOTE]
    return "\n\n".join([*parts, *(markdown(figures, name, shards) for figures, name in runs)])


SERIAL_NOTE: Final = (
    "Why the two servers disagree on latency: a page sends its Queries (one per shard) at once, and "
    "DynamoDB answers them side by side, so a page costs about the slowest of them. dynalite, one "
    "Node.js process over one LevelDB, answers one request at a time: the page's Queries wait in line, "
    "and the page costs the sum of them, about shards x one Query, where the floor is one Query; its "
    "latency ratio measures the server's queue, not the design. moto's threaded server answers the "
    "Queries in threads, closer to DynamoDB's overlap, but it is Python sharing two busy cores with the "
    "list's own threads, so it overlaps them only in part; and it answers a Query on an index by reading "
    "every item of the table, so it is measured on the smallest table only. Neither is DynamoDB: the "
    "capacity and request figures are the design's, the latency ratios bounds from above."
)


def markdown(figures: Sequence[Figure], dynamodb_name: str, shards: int) -> str:
    lines = [
        f"### On {dynamodb_name}",
        "",
        f"`make bench` (`devtools/bench_list.py`), on {dynamodb_name}, ListShards {shards}. Latency: medians "
        "of interleaved runs in one process (the list from query string to page, the floor one Query on "
        "one shard, Limit 25). Capacity: read units as that DynamoDB reports them (0.5 per 4 KB, eventually "
        "consistent, per request). Targets: at most 2x the floor's latency and capacity; requests at most "
        "one per shard asked; items read beyond the page at most one per shard.",
        "",
        "| operations | page | list ms | floor ms | latency | list RCU | floor RCU | capacity "
        "| requests / shards | beyond the page |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for figure in figures:
        lines.append(
            f"| {figure.size:,} | {figure.case} | {figure.list_ms:.1f} | {figure.floor_ms:.1f} | "
            f"{figure.latency_ratio:.2f}x | {figure.list_capacity:g} | {figure.floor_capacity:g} | "
            f"{figure.capacity_ratio:.2f}x | {figure.requests} / {figure.shards} | {figure.beyond_page} |"
        )
    return "\n".join([*lines, "", *verdicts(figures, shards, dynamodb_name)])


def server_note(dynamodb_name: str) -> str:
    if "dynalite" in dynamodb_name:
        return (
            "dynalite (one Node.js process) answers one request at a time, so a page's parallel Queries "
            "queue behind each other here; against DynamoDB they overlap."
        )
    return (
        "moto's threaded server answers the page's parallel Queries at once, in Python, on the same "
        "two shared cores as the list's own threads."
    )


def growth_note(figures: Sequence[Figure]) -> str:
    """Whether a page's capacity stays flat as the table grows (latency follows the machine's load)."""
    if len({figure.size for figure in figures}) < 2:
        return "One table size only."
    by_case: dict[str, list[float]] = {}
    for figure in figures:
        by_case.setdefault(figure.case, []).append(figure.list_capacity)
    spread = max((max(values) - min(values)) / max(values) for values in by_case.values())
    if spread <= 0.25:
        return (
            f"A page's read capacity is flat (within {spread:.0%} per case, as the pages draw different "
            "items): a Query costs what it returns, not what the table holds; the latency ratios move with "
            "the shared machine's load."
        )
    per_request = [figure.list_capacity / figure.requests for figure in figures if figure.requests]
    if max(per_request) <= 1.25 * min(per_request):
        return (
            f"A page's read capacity moved by up to {spread:.0%} per case between sizes, with the requests "
            f"it made ({min(per_request):g} to {max(per_request):g} read units each): how a page's items "
            "fall on the shards sets those, not the table's size."
        )
    return f"A page's read capacity moved by up to {spread:.0%} per case between sizes."


def verdicts(figures: Sequence[Figure], shards: int, dynamodb_name: str) -> list[str]:
    """What the figures say against the targets, in words (computed, so a new run rewrites them)."""
    one = [figure for figure in figures if "status=" in figure.case]
    every = [figure for figure in figures if "status=" not in figure.case]

    def span(values: Sequence[float]) -> str:
        return (
            f"{min(values):.2f}x"
            if min(values) == max(values)
            else f"{min(values):.2f} to {max(values):.2f}x"
        )

    def met(values: Sequence[float], target: float) -> str:
        return "met" if max(values) <= target else "not met"

    capacity_one = [figure.capacity_ratio for figure in one]
    capacity_every = [figure.capacity_ratio for figure in every]
    latency_one = [figure.latency_ratio for figure in one]
    latency_every = [figure.latency_ratio for figure in every]
    sizes = sorted({figure.size for figure in figures})
    floors = [figure.floor_ms for figure in figures]
    growth = [
        f"{size:,}: latency {span([f.latency_ratio for f in figures if f.size == size])}, capacity "
        f"{span([f.capacity_ratio for f in figures if f.size == size])}"
        for size in sizes
    ]
    capacity = (
        f"- **Capacity**, one status: {span(capacity_one)} the floor (target 2x: {met(capacity_one, 2)}). "
        f"Every status: {span(capacity_every)} ({met(capacity_every, 2)}): a page without a status filter "
        f"reads the {shards} shards of the index of every status; each Query costs at least 0.5 read "
        "units where the floor is one Query."
    )
    if "moto" in dynamodb_name:
        capacity = (
            "- **Capacity**: moto reports one read unit per Query whatever it reads, so its capacity "
            "column counts requests; DynamoDB's units are dynalite's."
        )
    return [
        capacity,
        f"- **Latency**, one status: {span(latency_one)} ({met(latency_one, 2)}); every status: "
        f"{span(latency_every)} ({met(latency_every, 2)}). {server_note(dynamodb_name)} The machine is "
        f"shared: the floor's median ranged from {min(floors):.1f} to {max(floors):.1f} ms between cases.",
        f"- **Requests** per page: at most {max(f.requests for f in one)} for {shards} shards (one status), "
        f"{max(f.requests for f in every)} for {shards} (every status): a shard that runs dry before the "
        "page is full is asked again.",
        f"- **Items read beyond the page**: up to {max(f.beyond_page for f in one)} with one status (target "
        f"{shards}), {max(f.beyond_page for f in every)} with every status (target {shards}): "
        "the first read takes an even share and one more from every shard, but the shards give a page "
        "unevenly (a hash spreads the ids, not the newest ones): what a shard was read for and did not "
        "give is read again by the next page.",
        f"- **Growth** with the table: {'; '.join(growth)}. {growth_note(figures)}",
    ]


def sizes_on(server: str, sizes: Sequence[int]) -> list[int]:
    """moto answers a Query on an index by reading every item of the table (its cost grows with the table,
    DynamoDB's does not), so it measures the smallest table only."""
    return [min(sizes)] if server == "moto" else list(sizes)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devtools.bench_list")
    parser.add_argument("--sizes", default="1000,100000", help="table sizes, comma-separated")
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--servers", default="dynalite,moto", help="local DynamoDBs, comma-separated")
    arguments = parser.parse_args(argv)
    sizes = [int(size) for size in arguments.sizes.split(",")]
    runs = [
        run(sizes_on(server, sizes), arguments.repeats, server) for server in arguments.servers.split(",")
    ]
    text = section(runs, settings.get_settings().list_shards)
    replace_section(SECTION, text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
