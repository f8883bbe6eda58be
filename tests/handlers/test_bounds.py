"""The bounds of what summaries, events, index keys and URLs carry, through the handlers (docs/api.md,
"Identifiers"): at the limit a record is stored, one character more is a 400 naming the pointer and
nothing is stored; a record stored before the bounds is still served whole."""

from __future__ import annotations

import json
from types import ModuleType
from typing import Any

import pytest

from operations_api import service, store
from operations_api.record.rules import CLUSTER_ID_MAX_LENGTH, OPERATION_URI_MAX_LENGTH, SUB_STATUS_MAX_LENGTH
from tests.support.events import get_event, put_event
from tests.support.handlers import Invoke, invoker, load_function
from tests.support.listing import answer_of, list_event
from tests.support.records import full_record

BOUNDS = {
    "/target_clusters/0/cluster_id": CLUSTER_ID_MAX_LENGTH,
    "/rollbacks/target_clusters/0/cluster_id": CLUSTER_ID_MAX_LENGTH,
    "/sub_status": SUB_STATUS_MAX_LENGTH,
    "/request/uri": OPERATION_URI_MAX_LENGTH,
}


def with_length(pointer: str, length: int) -> dict[str, Any]:
    record = full_record()
    *parents, last = pointer.strip("/").split("/")
    target: Any = record
    for token in parents:
        target = target[int(token)] if token.isdigit() else target[token]
    target[last] = "/" + "u" * (length - 1)
    return record


@pytest.mark.parametrize("pointer", list(BOUNDS))
def test_a_field_at_its_bound_is_stored_whole(put: Invoke, get: Invoke, pointer: str) -> None:
    record = with_length(pointer, BOUNDS[pointer])
    assert put(put_event(record))["statusCode"] == 200
    assert json.loads(get(get_event(record["operation_id"]))["body"]) == record


@pytest.mark.parametrize("pointer", list(BOUNDS))
def test_one_character_more_is_a_400_naming_the_pointer_and_nothing_is_stored(
    put: Invoke, get: Invoke, pointer: str
) -> None:
    record = with_length(pointer, BOUNDS[pointer] + 1)
    result = put(put_event(record))
    assert result["statusCode"] == 400
    problem = json.loads(result["body"])
    assert problem["code"] == "VALIDATION_ERROR"
    assert problem["errors"] == [
        {"pointer": pointer, "detail": f"must be at most {BOUNDS[pointer]:,} characters"}
    ]
    assert get(get_event(record["operation_id"]))["statusCode"] == 404


@pytest.fixture(scope="session")
def list_handler() -> ModuleType:
    return load_function("list_operations")


def test_a_record_stored_before_the_bounds_is_still_served_whole(
    table: Any, get: Invoke, list_handler: ModuleType
) -> None:
    """Written straight through the store, as a PUT before the bounds did: the GET returns it unchanged and
    the list its summary, long sub_status and uri included."""
    record = full_record()
    record["sub_status"] = "s" * (SUB_STATUS_MAX_LENGTH * 50)
    record["request"]["uri"] = "/" + "u" * OPERATION_URI_MAX_LENGTH * 5
    record["target_clusters"][0]["cluster_id"] = "c" * CLUSTER_ID_MAX_LENGTH * 10
    store.put_operation(record, service.version_of(record), store.VersionGuard())

    read = get(get_event(record["operation_id"]))
    assert read["statusCode"] == 200
    assert json.loads(read["body"]) == record
    status, page = answer_of(invoker(list_handler)(list_event("")))
    assert status == 200
    [summary] = page["operations"]
    assert summary["sub_status"] == record["sub_status"]
    assert summary["request"] == {"method": record["request"]["method"], "uri": record["request"]["uri"]}
