"""The API Gateway events of events/, and the same events with another record, id or headers."""

from __future__ import annotations

import copy
import json
from typing import Any

from tests.support.environment import EVENTS

# Where each fault of events/put_operation_invalid.json is told, by the source and the build alike.
INVALID_EVENT_POINTERS = frozenset(
    {
        "/status",
        "/target_clusters/0/response/status_code",
        "/target_clusters/1/request/method",
        "/rollbacks/occurred_time",
        "/clusters",
    }
)


def load_event(name: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((EVENTS / f"{name}.json").read_text(encoding="utf-8"))
    return event


def event_body(name: str) -> str:
    """The request body of events/<name>.json, as API Gateway would pass it."""
    body: str = load_event(name)["body"]
    return body


def put_event(record: dict[str, Any], operation_id: str | None = None, **headers: str) -> dict[str, Any]:
    """The PUT fixture event with another record (and path id, and headers), unsigned: without the
    fixture's IAM authorizer, as `make run` sends it (a test that wants a principal adds one)."""
    event = copy.deepcopy(load_event("put_operation"))
    del event["requestContext"]["authorizer"]
    operation_id = operation_id if operation_id is not None else str(record.get("operation_id"))
    event["body"] = json.dumps(record)
    _retarget(event, operation_id)
    event["headers"].update({name.replace("_", "-").lower(): value for name, value in headers.items()})
    return event


def get_event(operation_id: str) -> dict[str, Any]:
    event = copy.deepcopy(load_event("get_operation"))
    _retarget(event, operation_id)
    return event


def _retarget(event: dict[str, Any], operation_id: str) -> None:
    path = f"/v1/operations/{operation_id}"
    event["rawPath"] = path
    event["requestContext"]["http"]["path"] = path
    event["pathParameters"] = {"operation_id": operation_id}
