"""The RFC 9457 problem format: its shape, pointers, and how a record's faults are told."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

import pytest

from operations_api import problems, rules


def test_a_problem_document_has_every_member_of_the_contract() -> None:
    problem = problems.validation_failed([{"pointer": "/status", "detail": "must be one of ..."}])
    document = problem.document(instance="/v1/operations/op-1", request_id="req-1")
    assert document == {
        "type": "tag:operations-api,2026:problems/validation-error",
        "title": "Bad Request",
        "status": 400,
        "detail": "The request is not valid: 1 problem, listed in errors. Nothing was stored.",
        "instance": "/v1/operations/op-1",
        "code": "VALIDATION_ERROR",
        "request_id": "req-1",
        "errors": [{"pointer": "/status", "detail": "must be one of ..."}],
    }


@pytest.mark.parametrize(
    ("path", "pointer"),
    [((), ""), (("a",), "/a"), (("a", 0, "b"), "/a/0/b"), (("a/b", "m~n"), "/a~1b/m~0n")],
)
def test_json_pointers_follow_rfc_6901(path: tuple[object, ...], pointer: str) -> None:
    assert problems.json_pointer(path) == pointer


def test_a_store_outage_says_when_to_retry() -> None:
    problem = problems.store_unavailable()
    assert problem.status == HTTPStatus.SERVICE_UNAVAILABLE
    assert problem.headers == {"Retry-After": "1"}


def test_a_path_id_error_names_the_parameter_and_tells_the_contracts_rule() -> None:
    problem = problems.invalid_path_parameter("operation_id", rules.OPERATION_ID_RULE)
    assert problem.code == "VALIDATION_ERROR"
    assert problem.errors == [{"parameter": "operation_id", "detail": rules.OPERATION_ID_RULE}]


@pytest.mark.parametrize(
    ("error", "detail"),
    [
        ({"type": "missing", "loc": ("request", "uri"), "msg": "Field required"}, "is required"),
        (
            {"type": "extra_forbidden", "loc": ("colour",), "msg": "Extra inputs are not permitted"},
            "is not a key of the operation record (unknown keys are refused)",
        ),
        (
            {
                "type": "string_type",
                "loc": ("status",),
                "msg": "Input should be a valid string",
                "input": None,
            },
            "must not be null",
        ),
        (
            {"type": "string_type", "loc": ("status",), "msg": "Input should be a valid string", "input": 1},
            "must be a valid string",
        ),
        (
            {
                "type": "time_order",
                "loc": ("last_update_time",),
                "msg": "must not be earlier than occurred_time",
            },
            "must not be earlier than occurred_time",
        ),
    ],
)
def test_a_record_fault_is_told_at_its_pointer_in_the_contracts_words(
    error: dict[str, Any], detail: str
) -> None:
    problem = problems.invalid_record([error])
    assert problem.code == "VALIDATION_ERROR"
    assert problem.errors == [{"pointer": problems.json_pointer(error["loc"]), "detail": detail}]


def test_a_record_fault_never_echoes_the_input() -> None:
    secret = "Bearer s3cr3t"
    error = {
        "type": "int_type",
        "loc": ("response", "status_code"),
        "msg": "Input should be a valid integer",
        "input": secret,
    }
    assert secret not in problems.invalid_record([error]).body(instance="/v1", request_id="r")


def test_an_empty_body_is_named_as_such() -> None:
    (entry,) = problems.empty_body().errors
    assert entry == {
        "pointer": "",
        "detail": "the request body is empty: send the operation record as a JSON object",
    }
