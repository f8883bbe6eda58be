"""`make run` delivers change events: the local table's stream, the real consumer, and what a rule on the
local bus received, listed at GET /_local/events (README, "Following operations")."""

from __future__ import annotations

import json
from typing import Any, cast

import pytest

from tests.support.change_events import schema_errors
from tests.support.events import event_body
from tests.support.http import call

pytestmark = pytest.mark.http


def events_of(base_url: str, operation_id: str) -> list[dict[str, Any]]:
    answer = call(f"{base_url}/_local/events")
    assert answer.status == 200
    events: list[dict[str, Any]] = answer.json()["events"]
    return [event for event in events if event["detail"]["operation_id"] == operation_id]


def test_each_put_that_changes_a_record_is_listed_once_at_once(local_api: str) -> None:
    record = json.loads(event_body("put_operation"))
    record["operation_id"] = "op-local-events"
    url = f"{local_api}/v1/operations/op-local-events"
    first = call(url, "PUT", json.dumps(record), Content_Type="application/json")
    assert first.status == 200
    call(url, "PUT", json.dumps(record), Content_Type="application/json")  # an identical replay
    (event,) = events_of(local_api, "op-local-events")
    assert (event["source"], event["detail-type"]) == ("operations-api", "Operation Status Changed")
    assert event["detail"]["version"] == first.headers["ETag"].strip('"')
    assert event["detail"]["previous_status"] is None
    assert schema_errors(event) == []
    record["rollbacks"]["result"] = "partially rolled back"
    assert call(url, "PUT", json.dumps(record), Content_Type="application/json").status == 200
    assert [event["detail-type"] for event in events_of(local_api, "op-local-events")] == [
        "Operation Status Changed",
        "Operation Updated",
    ]


def test_the_list_is_read_only(local_api: str) -> None:
    answer = call(f"{local_api}/_local/events", "POST", "{}")
    assert answer.status == 405


def test_a_dynamodb_without_streams_is_said_once_and_the_server_goes_on(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from devtools import local_events

    follower, stop = local_events.start(lambda function_id, event: None, "http://127.0.0.1:9", "operations")
    stop()
    assert follower is None
    assert "gives no stream of 'operations'" in capsys.readouterr().err


def test_a_consumer_that_fails_a_batch_is_said_and_the_follower_goes_on(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from types import SimpleNamespace

    from devtools import local_events

    def failing(function_id: str, event: dict[str, Any]) -> Any:
        raise RuntimeError("the whole batch failed")

    reader = SimpleNamespace(read=lambda: [{"eventName": "INSERT"}])
    bus = SimpleNamespace(received=lambda: [])
    follower = local_events.LocalEvents(cast(Any, reader), cast(Any, bus), failing, "PublishEventsFunction")
    assert follower.answer("GET", local_events.EVENTS_PATH) == (200, {"events": []})
    assert "events: 1 records not published: RuntimeError" in capsys.readouterr().err
