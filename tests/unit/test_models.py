"""Every field rule of the contract, accepted and refused, by the validator the PUT runs (the schema compiled
into plain Python, `record.validation`), by pydantic-core with the schema it is compiled from, and by
pydantic with the models that schema is generated from: all alike (the `validate` fixture). Times, rules
across fields, ids and how refusals are reported: test_record_rules.py."""

from __future__ import annotations

from typing import Any

import pytest

from operations_api.record.rules import CLUSTER_ID_MAX_LENGTH, OPERATION_URI_MAX_LENGTH, SUB_STATUS_MAX_LENGTH
from tests.support.record_validation import DELETE, Validate, refusals, with_value
from tests.support.records import full_record, minimal_record

REQUIRED = [
    "/operation_id",
    "/occurred_time",
    "/last_update_time",
    "/status",
    "/request",
    "/request/uri",
    "/request/method",
    "/request/body",
    "/response/status_code",
    "/response/body",
    "/target_clusters/0/cluster_id",
    "/target_clusters/0/request",
    "/target_clusters/0/request/uri",
    "/target_clusters/0/request/method",
    "/target_clusters/0/request/body",
    "/rollbacks/result",
    "/rollbacks/occurred_time",
    "/rollbacks/target_clusters/0/cluster_id",
    "/rollbacks/target_clusters/0/request",
    "/rollbacks/target_clusters/0/request/uri",
    "/rollbacks/target_clusters/0/request/method",
]

NOT_NULL = [*REQUIRED, "/sub_status"]

OPTIONAL = [
    "/sub_status",
    "/target_clusters",
    "/target_clusters/0/response",
    "/target_clusters/0/response/status_code",
    "/target_clusters/0/response/body",
    "/rollbacks",
    "/rollbacks/target_clusters",
    "/rollbacks/target_clusters/0/request/body",
    "/rollbacks/target_clusters/0/response",
    "/rollbacks/target_clusters/0/response/status_code",
    "/rollbacks/target_clusters/0/response/body",
]

NULLABLE = [p for p in OPTIONAL if p != "/sub_status"]

OBJECTS = [
    "",
    "/request",
    "/response",
    "/target_clusters/0",
    "/target_clusters/0/request",
    "/target_clusters/0/response",
    "/rollbacks",
    "/rollbacks/target_clusters/0",
    "/rollbacks/target_clusters/0/request",
    "/rollbacks/target_clusters/0/response",
]


def test_the_full_record_is_accepted_as_it_is(validate: Validate) -> None:
    record = full_record()
    assert validate(record) == record


def test_a_minimal_record_is_accepted_and_gains_no_keys(validate: Validate) -> None:
    record = minimal_record()
    assert validate(record) == record


@pytest.mark.parametrize("pointer", REQUIRED)
def test_a_required_key_cannot_be_absent(validate: Validate, pointer: str) -> None:
    assert refusals(validate, with_value(full_record(), pointer, DELETE)) == {pointer: "is required"}


@pytest.mark.parametrize("pointer", NOT_NULL)
def test_a_non_nullable_key_cannot_be_null(validate: Validate, pointer: str) -> None:
    assert refusals(validate, with_value(full_record(), pointer, None)) == {pointer: "must not be null"}


@pytest.mark.parametrize("pointer", OPTIONAL)
def test_an_optional_key_may_be_absent_and_stays_absent(validate: Validate, pointer: str) -> None:
    record = with_value({**full_record(), "sub_status": "rolling back"}, pointer, DELETE)
    assert validate(record) == record


@pytest.mark.parametrize("pointer", NULLABLE)
def test_a_nullable_key_may_be_null_and_stays_null(validate: Validate, pointer: str) -> None:
    record = with_value(full_record(), pointer, None)
    assert validate(record) == record


@pytest.mark.parametrize("pointer", ["/target_clusters", "/rollbacks/target_clusters"])
def test_cluster_lists_may_be_empty_and_stay_empty(validate: Validate, pointer: str) -> None:
    record = with_value(full_record(), pointer, [])
    assert validate(record) == record


@pytest.mark.parametrize("pointer", OBJECTS)
def test_unknown_keys_are_refused_at_every_level(validate: Validate, pointer: str) -> None:
    detail = refusals(validate, with_value(full_record(), f"{pointer}/colour", "blue"))[f"{pointer}/colour"]
    assert "not a key of the operation record" in detail


@pytest.mark.parametrize(
    "pointer", ["/request/body", "/response/body", "/target_clusters/0/request/body", "/rollbacks/result"]
)
@pytest.mark.parametrize("value", [{"a": 1}, ["a"], 1, True])
def test_strings_are_strict(validate: Validate, pointer: str, value: Any) -> None:
    assert refusals(validate, with_value(full_record(), pointer, value)) == {pointer: "must be a string"}


@pytest.mark.parametrize(
    "pointer",
    [
        "/response/status_code",
        "/target_clusters/0/response/status_code",
        "/rollbacks/target_clusters/0/response/status_code",
    ],
)
@pytest.mark.parametrize("value", ["200", 200.5, 200.0, True, False])
def test_status_codes_must_be_integers(validate: Validate, pointer: str, value: Any) -> None:
    assert refusals(validate, with_value(full_record(), pointer, value)) == {pointer: "must be an integer"}


@pytest.mark.parametrize("value", [99, 600, -200, 10**30])
def test_status_codes_must_be_within_100_to_599(validate: Validate, value: int) -> None:
    assert list(refusals(validate, with_value(full_record(), "/response/status_code", value))) == [
        "/response/status_code"
    ]


@pytest.mark.parametrize("value", [100, 599])
def test_status_code_bounds_are_inclusive(validate: Validate, value: int) -> None:
    record = with_value(full_record(), "/target_clusters/0/response/status_code", value)
    assert validate(record) == record


@pytest.mark.parametrize(
    "pointer",
    ["/request/uri", "/target_clusters/0/cluster_id", "/target_clusters/0/request/uri", "/rollbacks/result"],
)
def test_identifiers_and_uris_must_not_be_empty(validate: Validate, pointer: str) -> None:
    assert list(refusals(validate, with_value(full_record(), pointer, ""))) == [pointer]


BOUNDED = [
    ("/target_clusters/0/cluster_id", CLUSTER_ID_MAX_LENGTH, "must be at most 512 characters"),
    ("/rollbacks/target_clusters/0/cluster_id", CLUSTER_ID_MAX_LENGTH, "must be at most 512 characters"),
    ("/sub_status", SUB_STATUS_MAX_LENGTH, "must be at most 2,048 characters"),
    ("/request/uri", OPERATION_URI_MAX_LENGTH, "must be at most 8,192 characters"),
]


@pytest.mark.parametrize(("pointer", "limit", "detail"), BOUNDED)
@pytest.mark.parametrize("character", ["x", "é", "😀"])  # the bound counts characters, not UTF-8 bytes
def test_bounded_fields_are_accepted_at_their_limit(
    validate: Validate, pointer: str, limit: int, detail: str, character: str
) -> None:
    record = with_value(full_record(), pointer, character * limit)
    assert validate(record) == record


@pytest.mark.parametrize(("pointer", "limit", "detail"), BOUNDED)
@pytest.mark.parametrize("excess", [1, 100_000])
def test_bounded_fields_are_refused_past_their_limit_naming_the_pointer(
    validate: Validate, pointer: str, limit: int, detail: str, excess: int
) -> None:
    assert refusals(validate, with_value(full_record(), pointer, "é" * (limit + excess))) == {pointer: detail}


@pytest.mark.parametrize(
    "pointer", ["/target_clusters/0/request/uri", "/rollbacks/target_clusters/0/request/uri"]
)
def test_the_clusters_uris_are_not_bounded_as_the_operations_is(validate: Validate, pointer: str) -> None:
    record = with_value(full_record(), pointer, "/" * (OPERATION_URI_MAX_LENGTH + 1))
    assert validate(record) == record


@pytest.mark.parametrize("pointer", ["/request/body", "/response/body", "/target_clusters/0/request/body"])
def test_bodies_may_be_empty_strings(validate: Validate, pointer: str) -> None:
    record = with_value(full_record(), pointer, "")
    assert validate(record) == record


@pytest.mark.parametrize("status", ["unexecuted", "executing", "completed", "failed", "canceled"])
def test_every_status_is_accepted(validate: Validate, status: str) -> None:
    record = with_value(full_record(), "/status", status)
    assert validate(record) == record


@pytest.mark.parametrize("status", ["done", "Completed", "cancelled", "", "FAILED"])
def test_other_statuses_are_refused(validate: Validate, status: str) -> None:
    assert list(refusals(validate, with_value(full_record(), "/status", status))) == ["/status"]


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
def test_the_operation_request_method_is_post_put_or_delete(validate: Validate, method: str) -> None:
    record = with_value(full_record(), "/request/method", method)
    assert validate(record) == record


@pytest.mark.parametrize("method", ["GET", "PATCH", "post", "Put", "delete", "OPTIONS"])
def test_other_operation_request_methods_are_refused(validate: Validate, method: str) -> None:
    assert list(refusals(validate, with_value(full_record(), "/request/method", method))) == [
        "/request/method"
    ]


@pytest.mark.parametrize(
    "pointer", ["/target_clusters/0/request/method", "/rollbacks/target_clusters/0/request/method"]
)
@pytest.mark.parametrize("method", ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
def test_cluster_methods_are_standard_http_methods(validate: Validate, pointer: str, method: str) -> None:
    record = with_value(full_record(), pointer, method)
    assert validate(record) == record


@pytest.mark.parametrize(
    "pointer", ["/target_clusters/0/request/method", "/rollbacks/target_clusters/0/request/method"]
)
@pytest.mark.parametrize("method", ["get", "CONNECT", "TRACE", "FETCH", ""])
def test_cluster_methods_are_upper_case_standard_methods_only(
    validate: Validate, pointer: str, method: str
) -> None:
    assert list(refusals(validate, with_value(full_record(), pointer, method))) == [pointer]
