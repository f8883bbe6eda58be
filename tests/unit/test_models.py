"""Every field rule of the contract, accepted and refused, by the validator the PUT runs (the schema compiled
into plain Python, `record.validation`), by pydantic-core with the schema it is compiled from, and by
pydantic with the models that schema is generated from: all alike."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from pydantic import ValidationError

from devtools.record_schema import validate_with_core
from operations_api import problems
from operations_api.problems import Problem
from operations_api.record import validation as record
from operations_api.record.models import RECORD
from operations_api.record.rules import CLUSTER_ID_MAX_LENGTH, OPERATION_URI_MAX_LENGTH, SUB_STATUS_MAX_LENGTH
from tests.support.records import full_record, minimal_record

Validate = Callable[[Any], dict[str, Any]]


def with_the_models(body: Any) -> dict[str, Any]:
    try:
        document = RECORD.validate_python(body)
    except ValidationError as error:
        raise problems.invalid_record(error.errors(include_url=False)) from None
    return dict(document)


VALIDATORS = {
    "compiled schema, as the PUT runs it": record.validate,
    "pydantic-core and the schema": validate_with_core,
    "pydantic and the models": with_the_models,
}


@pytest.fixture(params=list(VALIDATORS.values()), ids=list(VALIDATORS))
def validate(request: pytest.FixtureRequest) -> Validate:
    chosen: Validate = request.param
    return chosen


def refusals(validate: Validate, record: dict[str, Any]) -> dict[str, str]:
    """The problem entries (pointer -> detail) that the record gets, as a client would see them."""
    with pytest.raises(Problem) as caught:
        validate(record)
    assert caught.value.code == "VALIDATION_ERROR"
    return {entry["pointer"]: entry["detail"] for entry in caught.value.errors}


def with_value(record: dict[str, Any], pointer: str, value: Any) -> dict[str, Any]:
    """A copy of the record with the value at an RFC 6901 pointer replaced (or removed, for DELETE)."""
    record = copy.deepcopy(record)
    *parents, last = pointer.strip("/").split("/")
    target: Any = record
    for token in parents:
        target = target[int(token)] if isinstance(target, list) else target[token]
    key: Any = int(last) if isinstance(target, list) else last
    if value is DELETE:
        del target[key]
    else:
        target[key] = value
    return record


DELETE = object()

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


TIME_FIELDS = ["/occurred_time", "/last_update_time", "/rollbacks/occurred_time"]


@pytest.mark.parametrize("pointer", TIME_FIELDS)
@pytest.mark.parametrize(
    "value",
    [
        "2026-11-22 06:42:30",
        "20261122064230",
        "20261122 064230",
        "20261122_0642",
        "20261122_064230Z",
        " 20261122_064230",
        "20261122_064230\n",  # `$` alone would let a trailing newline through
        "20261122_064230".translate({ord(digit): ord(digit) + 0xFEE0 for digit in "0123456789"}),  # fullwidth
        "",
    ],
)
def test_times_must_be_yyyymmdd_hhmmss(validate: Validate, pointer: str, value: str) -> None:
    record = with_value(
        minimal_record(rollbacks={"result": "ok", "occurred_time": "20261122_064230"}), pointer, value
    )
    detail = refusals(validate, record)[pointer]
    assert "YYYYMMDD_hhmmss" in detail


@pytest.mark.parametrize("pointer", TIME_FIELDS)
@pytest.mark.parametrize(
    "value",
    [
        "20261301_000000",
        "20261100_000000",
        "20230229_000000",
        "20261122_240000",
        "20261122_236000",
        "20261122_235960",
        "00001122_000000",
    ],
)
def test_times_must_be_real_calendar_times(validate: Validate, pointer: str, value: str) -> None:
    record = minimal_record(
        occurred_time="00010101_000000",
        last_update_time="99991231_235959",
        rollbacks={"result": "ok", "occurred_time": "20261122_064230"},
    )
    assert refusals(validate, with_value(record, pointer, value))[pointer].startswith(
        "is not a real calendar date"
    )


def test_a_leap_day_is_a_real_date(validate: Validate) -> None:
    record = minimal_record(occurred_time="20240229_235959", last_update_time="20240301_000000")
    assert validate(record) == record


def test_last_update_time_may_not_be_earlier_than_occurred_time(validate: Validate) -> None:
    record = minimal_record(occurred_time="20261122_064230", last_update_time="20261122_064229")
    assert refusals(validate, record) == {"/last_update_time": "must not be earlier than occurred_time"}


def test_last_update_time_may_equal_occurred_time(validate: Validate) -> None:
    record = minimal_record(occurred_time="20261122_064230", last_update_time="20261122_064230")
    assert validate(record) == record


@pytest.mark.parametrize("status", ["completed", "failed"])
@pytest.mark.parametrize("response", [DELETE, None])
def test_a_finished_operation_must_carry_its_response(validate: Validate, status: str, response: Any) -> None:
    record = with_value(with_value(full_record(), "/status", status), "/response", response)
    assert "is required (not absent, not null)" in refusals(validate, record)["/response"]


@pytest.mark.parametrize("status", ["unexecuted", "executing", "canceled"])
def test_other_statuses_need_no_response(validate: Validate, status: str) -> None:
    record = minimal_record(status=status)
    assert validate(record) == record


@pytest.mark.parametrize("operation_id", ["a", "A-z.0_9~", "x" * 128, "3f2b8c1e-7d4a-4e9b-9c2f-1a6d5e8b7c40"])
def test_operation_ids_of_url_safe_characters_are_accepted(validate: Validate, operation_id: str) -> None:
    record = minimal_record(operation_id=operation_id)
    assert validate(record) == record


@pytest.mark.parametrize(
    "operation_id", ["", "x" * 129, "a/b", "a b", "ü", "a%20b", "a?b", "a#b", "\x00", "op-1\n", ".", ".."]
)
def test_other_operation_ids_are_refused(validate: Validate, operation_id: str) -> None:
    detail = refusals(validate, minimal_record(operation_id=operation_id))["/operation_id"]
    assert "1 to 128 characters" in detail


def test_a_missing_response_is_told_with_the_other_faults(validate: Validate) -> None:
    record = with_value(with_value(full_record(), "/status", "failed"), "/response", DELETE)
    record["occurred_time"] = "yesterday"
    record["target_clusters"][0]["request"]["method"] = None
    assert refusals(validate, record) == {
        "/occurred_time": "must be a UTC time as YYYYMMDD_hhmmss, e.g. 20261122_064230",
        "/target_clusters/0/request/method": "must not be null",
        "/response": "is required (not absent, not null) when status is 'failed'",
    }


def test_many_problems_are_all_reported_at_once(validate: Validate) -> None:
    record = full_record()
    record["status"] = "done"
    record["target_clusters"][2]["request"]["method"] = "post"
    record["rollbacks"]["occurred_time"] = "yesterday"
    assert set(refusals(validate, record)) == {
        "/status",
        "/target_clusters/2/request/method",
        "/rollbacks/occurred_time",
    }


def test_problem_entries_never_echo_the_input(validate: Validate) -> None:
    secret = "Bearer s3cr3t-token-value"
    record = with_value(full_record(), "/request/body", {"authorization": secret})
    record["password"] = secret
    assert secret not in str(refusals(validate, record))
