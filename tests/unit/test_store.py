"""The DynamoDB store: native attribute types, one request per call, and faults mapped to outcomes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ConnectTimeoutError, EndpointConnectionError, ReadTimeoutError
from botocore.stub import Stubber

from operations_api import store
from operations_api.store import VersionGuard
from tests.conftest import TABLE_NAME, full_record, minimal_record


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


def test_an_item_over_the_size_limit_is_too_large(table: Any) -> None:
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
