"""What dynalite 4.0.0 does where it matters to the service, measured, so that a dynalite upgrade that
changes it is noticed. (DynamoDB itself: ALL_OLD on refusal since 2023; item sizes in UTF-8 bytes.)"""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from devtools.item_size import LIMIT
from operations_api import store
from tests.support.dynamodb import DynamoTable
from tests.support.events import put_event
from tests.support.handlers import Invoke
from tests.support.records import minimal_record


def test_a_refusal_on_dynalite_is_explained_with_one_extra_read(
    put_on_dynalite: Invoke, service_on_dynalite: DynamoTable
) -> None:
    """dynalite ignores ReturnValuesOnConditionCheckFailure=ALL_OLD, so the store reads the record once
    more to say why (store._current_after_refusal); the client still gets the precise 409."""
    assert put_on_dynalite(put_event(minimal_record(last_update_time="20261122_070000")))["statusCode"] == 200
    sent: list[str] = []

    def record_target(request: Any, **_: Any) -> None:
        sent.append(request.headers["X-Amz-Target"].decode().split(".")[-1])

    store.dynamodb_client().meta.events.register("before-send.dynamodb.*", record_target)
    result = put_on_dynalite(put_event(minimal_record()))
    assert result["statusCode"] == 409
    assert json.loads(result["body"])["code"] == "STALE_UPDATE"
    assert sent == ["PutItem", "GetItem"]


def test_dynalite_returns_no_old_item_on_a_refused_write(dynalite_table: DynamoTable) -> None:
    item = {"operation_id": {"S": "op-1"}}
    dynalite_table.client.put_item(TableName=dynalite_table.name, Item=item)
    with pytest.raises(ClientError) as refusal:
        dynalite_table.client.put_item(
            TableName=dynalite_table.name,
            Item=item,
            ConditionExpression="attribute_not_exists(operation_id)",
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
    assert refusal.value.response["Error"]["Code"] == "ConditionalCheckFailedException"
    assert "Item" not in refusal.value.response


def test_dynalite_counts_characters_not_utf8_bytes(dynalite_table: DynamoTable) -> None:
    """Why the service counts an item's size itself (store.item_size): dynalite stores an item of 2-byte
    characters twice DynamoDB's limit in UTF-8, which DynamoDB refuses (test_size_limit)."""
    item = {"operation_id": {"S": "op-1"}, "body": {"S": "é" * (LIMIT - 1000)}}
    assert store.item_size(item) > 2 * LIMIT - 3000
    dynalite_table.client.put_item(TableName=dynalite_table.name, Item=item)
    assert dynalite_table.item("op-1") == item
