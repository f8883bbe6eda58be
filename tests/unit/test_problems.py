"""The RFC 9457 problem format: its shape, pointers, and the translation of validation errors."""

from __future__ import annotations

from http import HTTPStatus

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
    error = {
        "type": "string_too_long",
        "loc": ("path", "operation_id"),
        "msg": "String should have at most 128 characters",
    }
    problem = problems.from_validation_errors([error], None)
    assert problem.errors == [{"parameter": "operation_id", "detail": rules.OPERATION_ID_RULE}]
    told_by_get = problems.invalid_path_parameter("operation_id", rules.OPERATION_ID_RULE)
    assert problem.document(instance="/v1", request_id="r") == told_by_get.document(
        instance="/v1", request_id="r"
    )


def test_a_header_error_names_the_header() -> None:
    error = {
        "type": "string_type",
        "loc": ("header", "If-Match"),
        "msg": "Input should be a valid string",
        "input": 1,
    }
    assert problems.from_validation_errors([error], None).errors == [
        {"header": "if-match", "detail": "must be a valid string"}
    ]


def test_malformed_json_is_its_own_problem_with_the_reason() -> None:
    error = {
        "type": "json_invalid",
        "loc": ("body", 6),
        "msg": "JSON decode error",
        "ctx": {"error": "Expecting value"},
    }
    problem = problems.from_validation_errors([error], "application/json")
    assert problem.code == "MALFORMED_JSON"
    assert problem.errors == [{"pointer": "", "detail": "Expecting value"}]


def test_an_empty_body_is_named_as_such() -> None:
    error = {"type": "missing", "loc": ("body",), "msg": "Field required"}
    (entry,) = problems.from_validation_errors([error], "application/json").errors
    assert entry == {
        "pointer": "",
        "detail": "the request body is empty: send the operation record as a JSON object",
    }


@pytest.mark.parametrize(
    "content_type",
    [
        "application/x-www-form-urlencoded",
        "text/plain",
        "multipart/form-data; boundary=x",
        "application/merge+json",
    ],
)
def test_a_body_that_is_not_json_is_an_unsupported_media_type(content_type: str) -> None:
    error = {"type": "missing", "loc": ("body", "operation_id"), "msg": "Field required"}
    problem = problems.from_validation_errors([error], content_type)
    assert problem.code == "UNSUPPORTED_MEDIA_TYPE"
    assert problem.errors == [{"header": "content-type", "detail": "must be application/json"}]


@pytest.mark.parametrize(
    "content_type", ["application/json", "application/json; charset=utf-8", "Application/JSON"]
)
def test_json_media_types_are_json(content_type: str) -> None:
    assert problems.is_json_content_type(content_type)
