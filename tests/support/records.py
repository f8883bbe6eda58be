"""Records to send: the full one of events/put_operation.json, a minimal one, and variations."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from tests.support.events import load_event


def full_record() -> dict[str, Any]:
    """The full record of events/put_operation.json: status failed, clusters and rollbacks."""
    record: dict[str, Any] = json.loads(load_event("put_operation")["body"])
    return record


def minimal_record(**overrides: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "operation_id": "op-1",
        "occurred_time": "20261122_064230",
        "last_update_time": "20261122_064230",
        "status": "executing",
        "request": {"uri": "/v1/networks", "method": "POST", "body": '{"name": "net-a"}'},
    }
    record.update(overrides)
    return record


def record_for(operation_id: str, **overrides: Any) -> dict[str, Any]:
    return minimal_record(operation_id=operation_id, **overrides)


def utc_time(moment: datetime) -> str:
    """A time as the API writes it (docs/api.md, "Times")."""
    return f"{moment:%Y%m%d_%H%M%S}"


def record_at(operation_id: str, moment: datetime, **overrides: Any) -> dict[str, Any]:
    """A record of this id, last updated at `moment`; a completed or failed one with its response."""
    record = minimal_record(
        operation_id=operation_id, occurred_time=utc_time(moment), last_update_time=utc_time(moment)
    )
    record.update(overrides)
    if record["status"] in ("completed", "failed") and "response" not in record:
        record["response"] = {"status_code": 201, "body": '{"id": "net-7781"}'}
    return record


def cluster(name: str, status_code: int | None) -> dict[str, Any]:
    """A target cluster that answered `status_code` (None: not yet)."""
    response = None if status_code is None else {"status_code": status_code, "body": ""}
    return {
        "cluster_id": name,
        "request": {"uri": "/api/x", "method": "POST", "body": ""},
        "response": response,
    }
