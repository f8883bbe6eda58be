"""What the benchmark measures, and with what: the table, the records, the events, the floor's requests."""

from __future__ import annotations

import json
from typing import Any

from devtools.template import ROOT, load_template

DOCS = ROOT / "docs"
FIGURES = DOCS / "performance.json"
PAGE = DOCS / "performance.md"
EVENTS = ROOT / "events"
TABLE = "bench-operations"
PAIRS = 15
WARM_ITERATIONS = 300
CLUSTER_COUNTS = (1, 50, 400)
RUNTIME = load_template().runtime.removeprefix("python")


def record_with(clusters: int) -> dict[str, Any]:
    """The full fixture record, with `clusters` target clusters."""
    record: dict[str, Any] = json.loads(json.loads((EVENTS / "put_operation.json").read_text())["body"])
    template = record["target_clusters"][0]
    record["target_clusters"] = [
        {**template, "cluster_id": f"cluster-{index:04d}"} for index in range(clusters)
    ]
    record["operation_id"] = f"bench-{clusters}"
    return record


def event_for(method: str, record: dict[str, Any]) -> dict[str, Any]:
    name = "put_operation.json" if method == "PUT" else "get_operation.json"
    event: dict[str, Any] = json.loads((EVENTS / name).read_text())
    path = f"/v1/operations/{record['operation_id']}"
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    event["pathParameters"] = {"operation_id": record["operation_id"]}
    if method == "PUT":
        event["body"] = json.dumps(record)
    return event


def floor_request(method: str, record: dict[str, Any]) -> dict[str, Any]:
    from boto3.dynamodb.types import TypeSerializer

    key = {"operation_id": {"S": record["operation_id"]}}
    if method == "GET":
        return {
            "operation": "get_item",
            "arguments": {"TableName": TABLE, "Key": key, "ConsistentRead": True},
        }
    item = {name: TypeSerializer().serialize(value) for name, value in record.items()}
    return {"operation": "put_item", "arguments": {"TableName": TABLE, "Item": item}}
