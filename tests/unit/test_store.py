"""The DynamoDB store: native attribute types, one request per call, and faults mapped to outcomes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ConnectTimeoutError, EndpointConnectionError, ReadTimeoutError
from botocore.stub import Stubber

from operations_api import store
from operations_api.store import VersionGuard
from tests.support.environment import TABLE_NAME
from tests.support.records import full_record, minimal_record


def test_the_record_is_stored_as_native_lists_maps_and_numbers(table: Any) -> None:
    record = full_record()
    store.put_operation(record, "v1", VersionGuard())
    item = table.get_item(TableName=TABLE_NAME, Key={"operation_id": {"S": record["operation_id"]}})["Item"]
    assert item["status"] == {"S": "failed"}
    assert item["response"]["M"]["status_code"] == {"N": "500"}
    assert item["target_clusters"]["L"][2]["M"]["response"] == {"NULL": True}
    assert item["rollbacks"]["M"]["target_clusters"]["L"][0]["M"]["request"]["M"]["body"] == {"NULL": True}
    assert item["_version"] == {"S": "v1"}


def test_a_stored_record_comes_back_exactly_with_ints_as_ints(table: Any) -> None:
    record = full_record()
    store.put_operation(record, "v1", VersionGuard())
    stored = store.get_operation(record["operation_id"])
    assert stored is not None
    assert stored.document == record
    assert type(stored.document["response"]["status_code"]) is int
    assert stored.version == "v1"


def test_each_call_is_exactly_one_dynamodb_request(requests_sent: list[str]) -> None:
    store.put_operation(minimal_record(), "v1", VersionGuard())
    store.get_operation("op-1")
    store.get_operation("missing")
    with pytest.raises(store.ConditionFailed):
        store.put_operation(
            minimal_record(last_update_time="20261122_064229", occurred_time="20261122_000000"),
            "v2",
            VersionGuard(),
        )
    assert requests_sent == ["PutItem", "GetItem", "GetItem", "PutItem"]


def test_a_refusal_carries_the_record_as_it_stood(table: Any) -> None:
    store.put_operation(minimal_record(last_update_time="20261122_070000"), "v1", VersionGuard())
    with pytest.raises(store.ConditionFailed) as refusal:
        store.put_operation(minimal_record(), "v2", VersionGuard())
    assert refusal.value.current is not None
    assert refusal.value.current.version == "v1"
    assert refusal.value.current.document["last_update_time"] == "20261122_070000"


def test_a_store_without_old_items_on_refusal_is_asked_once_more(table: Any) -> None:
    store.put_operation(minimal_record(last_update_time="20261122_070000"), "v1", VersionGuard())
    client = store.dynamodb_client()
    with Stubber(client) as stubber:
        stubber.add_client_error("put_item", "ConditionalCheckFailedException", http_status_code=400)
        stubber.add_response("get_item", {"Item": {"operation_id": {"S": "op-1"}, "_version": {"S": "v1"}}})
        with pytest.raises(store.ConditionFailed) as refusal:
            store.put_operation(minimal_record(), "v2", VersionGuard())
    assert refusal.value.current is not None
    assert refusal.value.current.version == "v1"


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("ProvisionedThroughputExceededException", 400),
        ("ThrottlingException", 400),
        ("RequestLimitExceeded", 400),
        ("InternalServerError", 500),
        ("ServiceUnavailable", 503),
    ],
)
@pytest.mark.parametrize("operation", ["get_item", "put_item"])
def test_throttling_and_server_errors_mean_unavailable(
    table: Any, code: str, status: int, operation: str
) -> None:
    with Stubber(store.dynamodb_client()) as stubber:
        stubber.add_client_error(operation, code, http_status_code=status)
        calls: dict[str, Callable[[], object]] = {
            "get_item": lambda: store.get_operation("op-1"),
            "put_item": lambda: store.put_operation(minimal_record(), "v1", VersionGuard()),
        }
        call = calls[operation]
        with pytest.raises(store.StoreUnavailable):
            call()


@pytest.mark.parametrize(
    "fault",
    [
        ConnectTimeoutError(endpoint_url="https://dynamodb"),
        ReadTimeoutError(endpoint_url="https://dynamodb"),
        EndpointConnectionError(endpoint_url="https://dynamodb"),
    ],
)
def test_timeouts_and_lost_connections_mean_unavailable(table: Any, fault: Exception) -> None:
    client = store.dynamodb_client()

    def fail(**_: Any) -> None:
        raise fault

    client.meta.events.register_first("before-send.dynamodb.GetItem", fail)
    try:
        with pytest.raises(store.StoreUnavailable):
            store.get_operation("op-1")
    finally:
        client.meta.events.unregister("before-send.dynamodb.GetItem", fail)


@pytest.mark.parametrize(
    ("value", "size"),
    [
        ({"S": "abc"}, 3),
        ({"S": ""}, 0),
        ({"S": "é😀"}, 6),  # UTF-8 bytes, not characters
        ({"N": "0"}, 1),
        ({"N": "7"}, 2),
        ({"N": "200"}, 2),
        ({"N": "599"}, 3),
        ({"N": "1795392000"}, 5),
        ({"N": "-12"}, 3),
        ({"NULL": True}, 1),
        ({"BOOL": False}, 1),
        ({"L": []}, 3),
        ({"L": [{"S": "ab"}, {"NULL": True}]}, 3 + 3 + 2),
        ({"M": {}}, 3),
        ({"M": {"ab": {"S": "cd"}}}, 3 + 1 + 4),
    ],
)
def test_an_items_size_counts_names_and_values_as_dynamodb_does(value: dict[str, Any], size: int) -> None:
    assert store.item_size({"name": value}) == len("name") + size


def test_the_item_counted_is_the_one_written_copies_included(
    table: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The summary repeats sub_status and request.uri: the count is of the item as written, every byte,
    who wrote it and when included."""
    record = full_record()
    record["sub_status"] = "ü" * 2_048
    monkeypatch.setattr(store, "now_seconds", lambda: 1_796_300_000.0)
    principal = "arn:aws:iam::123456789012:user/ü"
    item = store.item_of(record, "v" * 32, 4, 0, store.recorded_time(1_796_300_000.0), principal)
    assert item["_summary"]["M"]["sub_status"] == {"S": record["sub_status"]}
    assert (item["_recorded_time"], item["_principal"]) == ({"S": "20261203_121320"}, {"S": principal})
    without_copies = {key: value for key, value in item.items() if key != "_summary"}
    assert store.item_size(item) > store.item_size(without_copies) + 2 * 2_048
    store.put_operation(record, "v" * 32, VersionGuard(), principal)
    written = table.get_item(TableName=TABLE_NAME, Key={"operation_id": {"S": record["operation_id"]}})[
        "Item"
    ]
    assert written == item


def test_an_item_over_the_limit_is_refused_before_any_request(requests_sent: list[str]) -> None:
    record = minimal_record(request={"uri": "/v1/x", "method": "POST", "body": "é" * 250_000})
    assert len(record["request"]["body"]) < store.ITEM_SIZE_LIMIT_BYTES  # over it in UTF-8 bytes only
    with pytest.raises(store.ItemTooLarge):
        store.put_operation(record, "v1", VersionGuard())
    assert requests_sent == []


def test_an_item_the_store_refuses_as_too_large_is_too_large(table: Any) -> None:
    """DynamoDB's own refusal stays the last word, should its count ever differ from ours."""
    with Stubber(store.dynamodb_client()) as stubber:
        stubber.add_client_error(
            "put_item",
            "ValidationException",
            "Item size has exceeded the maximum allowed size",
            http_status_code=400,
        )
        with pytest.raises(store.ItemTooLarge):
            store.put_operation(minimal_record(), "v1", VersionGuard())


def test_other_validation_errors_are_not_hidden(table: Any) -> None:
    with Stubber(store.dynamodb_client()) as stubber:
        stubber.add_client_error(
            "put_item", "ValidationException", "One or more parameter values were invalid"
        )
        with pytest.raises(Exception, match="parameter values were invalid"):
            store.put_operation(minimal_record(), "v1", VersionGuard())


def test_the_client_is_made_once_with_bounded_timeouts_and_retries(table: Any) -> None:
    client = store.dynamodb_client()
    assert store.dynamodb_client() is client
    config = client.meta.config
    assert config.connect_timeout == 0.5
    assert config.read_timeout == 1.5
    assert config.retries == {"mode": "standard", "total_max_attempts": 3}


def test_a_get_is_one_strongly_consistent_read(table: Any) -> None:
    with Stubber(store.dynamodb_client()) as stubber:
        expected = {
            "TableName": TABLE_NAME,
            "Key": {"operation_id": {"S": "op-1"}},
            "ConsistentRead": True,
            "ReturnConsumedCapacity": "TOTAL",
        }
        stubber.add_response("get_item", {}, expected)
        assert store.get_operation("op-1") is None
        stubber.assert_no_pending_responses()


def test_a_refusal_stays_a_refusal_when_the_explaining_read_is_denied(table: Any) -> None:
    with Stubber(store.dynamodb_client()) as stubber:
        stubber.add_client_error("put_item", "ConditionalCheckFailedException", http_status_code=400)
        stubber.add_client_error("get_item", "AccessDeniedException", http_status_code=400)
        with pytest.raises(store.ConditionFailed) as refusal:
            store.put_operation(minimal_record(), "v2", VersionGuard())
    assert refusal.value.current is None
