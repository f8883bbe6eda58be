"""Suite "warm": per-request latency through the handlers in this process, against a floor handler; where
a request's time goes; the capacity DynamoDB reports for it."""

from __future__ import annotations

import io
import json
import math
import statistics
from collections.abc import Callable
from contextlib import redirect_stdout
from functools import partial
from pathlib import Path
from typing import Any

from devtools.bench.cold import event_for, get_request, record_with
from devtools.bench.fresh import Requests, clocked, local_dynamodb
from devtools.item_size import stored_item_size


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, math.ceil(fraction * len(ordered)) - 1)]


def timed(call: Callable[[], Any], iterations: int) -> list[float]:
    return [clocked(call)() for _ in range(iterations)]


CLUSTER_COUNTS = (1, 50, 400)


def measure(quick: bool) -> dict[str, Any]:
    """Per-request latency through the handlers in this process (their logs formatted as on Lambda, then
    thrown away), against a floor handler that makes the same DynamoDB call without validation; and where
    a request's time goes."""
    import boto3

    from operations_api import store
    from tests.support.handlers import FakeLambdaContext, load_function

    iterations, parts = (5, 3) if quick else (300, 100)
    with local_dynamodb() as (endpoint, backend), redirect_stdout(io.StringIO()):
        handlers = {"PUT": load_function("put_operation"), "GET": load_function("get_operation")}
        floor_client = boto3.client("dynamodb", endpoint_url=endpoint)
        # the last request only: keeping all 300 copies of a 64 KiB item would give the garbage collector a
        # heap to rescan that a Lambda process never holds (a skewed p99)
        sent = Requests(store.dynamodb_client())
        rows = []
        for clusters in CLUSTER_COUNTS:
            record = record_with(clusters)
            for method in ("PUT", "GET"):
                event = event_for(method, record)
                sent.reset()
                handler = timed(
                    partial(handlers[method].lambda_handler, event, FakeLambdaContext()), iterations
                )
                # the floor sends exactly the request the service sent (same condition, same options)
                floor = timed(partial(_floor_call, floor_client, method, sent.last), iterations)
                rows.append(
                    {
                        "method": method,
                        "clusters": clusters,
                        "item_bytes": stored_item_size(record),
                        **{f"handler_p{n}": percentile(handler, n / 100) for n in (50, 99)},
                        **{f"floor_p{n}": percentile(floor, n / 100) for n in (50, 99)},
                        "requests_per_call": sent.count / iterations,
                        "capacity_units": _capacity(method, record, sent.last_units),
                        "parts": _put_parts(event, parts) if method == "PUT" else _get_parts(record, parts),
                    }
                )
        return {"backend": backend, "iterations": iterations, "rows": rows}


def _floor_call(client: Any, method: str, arguments: dict[str, Any]) -> str:
    from boto3.dynamodb.types import TypeDeserializer

    item = getattr(client, "put_item" if method == "PUT" else "get_item")(**arguments).get("Item", {})
    return json.dumps(
        {name: TypeDeserializer().deserialize(value) for name, value in item.items()}, default=str
    )


def _capacity(method: str, record: dict[str, Any], reported: float | None) -> dict[str, Any]:
    """What the backend reported for the handler's last request (ReturnConsumedCapacity), and DynamoDB's
    documented rule from the item's size: one unit per KiB written, per 4 KiB read strongly consistently."""
    size = stored_item_size(record)
    rule = math.ceil(size / 1024) if method == "PUT" else math.ceil(size / 4096)
    return {"by_rule": rule, "reported": reported}


def median_ms(call: Callable[[], Any], runs: int) -> float:
    return statistics.median(timed(call, runs))


def _put_parts(event: dict[str, Any], runs: int) -> dict[str, float]:
    """A PUT's three steps, each timed alone: the body into a validated record, the record into DynamoDB
    attributes and its version, the PutItem."""
    from operations_api import jsonbody, service, settings, store
    from operations_api.record import validation as record

    body = event["body"]
    document = record.validate(jsonbody.loads_object(body))
    version = service.version_of(document)

    def serialise() -> object:  # as store.put_operation makes its item
        return store.item_of(document, service.version_of(document), settings.get_settings().list_shards, 0)

    return {
        "parse_and_validate": median_ms(lambda: record.validate(jsonbody.loads_object(body)), runs),
        "serialise": median_ms(serialise, runs),
        "dynamodb_put": median_ms(lambda: store.put_operation(document, version, store.VersionGuard()), runs),
    }


def _get_parts(record: dict[str, Any], runs: int) -> dict[str, float]:
    """A GET's three steps, each timed alone: the GetItem, the attributes into a record, the JSON body."""
    from operations_api import store

    request = get_request(record)
    item = store.dynamodb_client().get_item(**request)["Item"]
    document = store.from_item(item).document
    return {
        "dynamodb_get": median_ms(lambda: store.dynamodb_client().get_item(**request), runs),
        "from_attributes": median_ms(lambda: store.from_item(item), runs),
        "serialise": median_ms(lambda: json.dumps(document, ensure_ascii=False, separators=(",", ":")), runs),
    }


def chart(rows: list[dict[str, Any]], path: Path) -> None:
    """The chart of docs/performance.md: warm latency by record size, handler against floor."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=False)
    for axis, method in zip(axes, ("GET", "PUT"), strict=True):
        mine = [row for row in rows if row["method"] == method]
        sizes = [row["item_bytes"] / 1024 for row in mine]
        axis.plot(sizes, [row["handler_p50"] for row in mine], "o-", label="handler p50")
        axis.plot(sizes, [row["handler_p99"] for row in mine], "o--", label="handler p99")
        axis.plot(sizes, [row["floor_p50"] for row in mine], "s-", label="floor p50")
        axis.plot(sizes, [row["floor_p99"] for row in mine], "s--", label="floor p99")
        axis.set_title(f"warm {method}: latency by record size")
        axis.set_xlabel("stored item (KiB): 1, 50, 400 target clusters")
        axis.set_ylabel("ms per request")
        axis.grid(alpha=0.3)
        axis.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=110)
