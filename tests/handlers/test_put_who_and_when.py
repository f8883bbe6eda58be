"""The PUT keeps who wrote the record and when, for the history (docs/api.md): the caller's IAM
identity from API Gateway's authorizer (payload 2.0) and the service's clock at acceptance, as internal
attributes written by its one PutItem, never returned by a GET."""

from __future__ import annotations

import json
from typing import Any

import pytest

from operations_api import store
from tests.support.environment import TABLE_NAME
from tests.support.events import get_event, put_event
from tests.support.handlers import Invoke
from tests.support.records import minimal_record

ALICE = "arn:aws:iam::123456789012:user/alice"


def signed_by(event: dict[str, Any], user_arn: str) -> dict[str, Any]:
    """The event as API Gateway's IAM authorizer passes it: the caller's identity in the request context."""
    event["requestContext"]["authorizer"] = {"iam": {"userArn": user_arn, "accountId": "123456789012"}}
    return event


def stored_item(table: Any, operation_id: str) -> dict[str, Any]:
    item: dict[str, Any] = table.get_item(TableName=TABLE_NAME, Key={"operation_id": {"S": operation_id}})[
        "Item"
    ]
    return item


def test_the_put_stores_its_caller_and_its_time_in_its_one_write(
    put: Invoke, get: Invoke, table: Any, requests_sent: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store, "now_seconds", lambda: 1_796_300_000.0)  # 2026-12-03 12:13:20 UTC
    answer = put(signed_by(put_event(minimal_record()), ALICE))
    assert answer["statusCode"] == 200
    assert requests_sent == ["PutItem"], "no extra request"
    item = stored_item(table, "op-1")
    assert item["_principal"] == {"S": ALICE}
    assert item["_recorded_time"] == {"S": "20261203_121320"}
    read = get(get_event("op-1"))
    assert json.loads(read["body"]) == minimal_record(), "never returned by a GET"
    assert "_principal" not in answer["body"]
    assert "_recorded_time" not in answer["body"]


def test_without_an_authorizer_no_principal_is_stored(put: Invoke, table: Any) -> None:
    assert put(put_event(minimal_record()))["statusCode"] == 200
    item = stored_item(table, "op-1")
    assert "_principal" not in item
    assert len(item["_recorded_time"]["S"]) == len("YYYYMMDD_hhmmss")


def test_an_identical_replay_keeps_its_version_and_refreshes_who_and_when(
    put: Invoke, table: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store, "now_seconds", lambda: 1_796_300_000.0)
    first = put(signed_by(put_event(minimal_record()), ALICE))
    monkeypatch.setattr(store, "now_seconds", lambda: 1_796_300_060.0)
    again = put(signed_by(put_event(minimal_record()), "arn:aws:iam::123456789012:user/bob"))
    assert first["headers"]["ETag"] == again["headers"]["ETag"], "the loop compares versions, not images"
    item = stored_item(table, "op-1")
    assert (item["_principal"]["S"], item["_recorded_time"]["S"]) == (
        "arn:aws:iam::123456789012:user/bob",
        "20261203_121420",
    )
