"""The RFC 9457 problem format: its shape, pointers, and how a record's faults are told."""

from __future__ import annotations

import ast
import inspect
from http import HTTPStatus
from typing import Any, Final

import pytest

from operations_api import problems
from operations_api.record import rules, validators
from operations_api.record.schema import RECORD_SCHEMA


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


@pytest.mark.parametrize("write", [True, False])
def test_a_store_outage_says_when_to_retry(write: bool) -> None:
    problem = problems.store_unavailable(write=write)
    assert problem.status == HTTPStatus.SERVICE_UNAVAILABLE
    assert problem.headers == {"Retry-After": "1"}
    assert "Retry-After" in problem.detail
    assert ("Nothing was changed" in problem.detail) is write


@pytest.mark.parametrize("write", [True, False])
def test_a_path_id_error_names_the_parameter_and_tells_the_contracts_rule(write: bool) -> None:
    problem = problems.invalid_path_parameter("operation_id", rules.OPERATION_ID_RULE, write=write)
    assert problem.code == "VALIDATION_ERROR"
    assert problem.errors == [{"parameter": "operation_id", "detail": rules.OPERATION_ID_RULE}]
    assert ("Nothing was stored." in problem.detail) is write


def test_a_refused_read_says_nothing_about_storing() -> None:
    """A GET or a list stores nothing anyway: "Nothing was stored." belongs to writes."""
    reads = [
        problems.invalid_path_parameter("operation_id", rules.OPERATION_ID_RULE, write=False),
        problems.invalid_query([problems.query_parameter_fault("page_size", "must be 1 to 100")]),
        problems.invalid_page_token("it was altered"),
        problems.store_unavailable(write=False),
        problems.operation_not_found("op-1"),
    ]
    assert [problem.detail for problem in reads if "stored" in problem.detail.lower()] == []
    assert [problem.detail for problem in reads if "changed" in problem.detail.lower()] == []


@pytest.mark.parametrize(
    ("error", "detail"),
    [
        ({"type": "missing", "loc": ("request", "uri"), "msg": "Field required"}, "is required"),
        (
            {"type": "extra_forbidden", "loc": ("colour",), "msg": "Extra inputs are not permitted"},
            "is not a key of the operation record (unknown keys are refused)",
        ),
        ({"type": "string_type", "loc": ("status",), "msg": "…", "input": None}, "must not be null"),
        ({"type": "literal_error", "loc": ("status",), "msg": "…", "input": None}, "must not be null"),
        (
            {"type": "string_type", "loc": ("status",), "msg": "Input should be…", "input": 1},
            "must be a string",
        ),
        (
            {"type": "literal_error", "loc": ("request", "method"), "ctx": {"expected": "'POST' or 'PUT'"}},
            "must be 'POST' or 'PUT'",
        ),
        (
            {"type": "less_than_equal", "loc": ("response", "status_code"), "ctx": {"le": 599}},
            "must be 599 or less",
        ),
        (
            {"type": "time_order", "loc": ("last_update_time",), "msg": "…"},
            "must not be earlier than occurred_time",
        ),
        (
            {"type": "response_required", "loc": ("response",), "ctx": {"status": "failed"}},
            "is required (not absent, not null) when status is 'failed'",
        ),
    ],
)
def test_a_record_fault_is_told_at_its_pointer_in_our_words(error: dict[str, Any], detail: str) -> None:
    problem = problems.invalid_record([error])
    assert problem.code == "VALIDATION_ERROR"
    assert problem.errors == [{"pointer": problems.json_pointer(error["loc"]), "detail": detail}]


def test_a_fault_is_worded_from_its_type_never_from_the_librarys_message() -> None:
    error = {"type": "int_type", "loc": ("response", "status_code"), "msg": "Input should be a valid integer"}
    assert problems.invalid_record([error]).errors[0]["detail"] == "must be an integer"
    assert problems.fault_detail({**error, "type": "a_type_from_a_future_release"}) == problems.UNWORDED_FAULT
    assert problems.fault_detail({"type": "greater_than_equal", "ctx": {}}) == problems.UNWORDED_FAULT


def test_a_record_fault_never_echoes_the_input() -> None:
    secret = "Bearer s3cr3t"
    error = {
        "type": "int_type",
        "loc": ("response", "status_code"),
        "msg": f"Input should be a valid integer, got {secret}",
        "input": secret,
    }
    assert secret not in problems.invalid_record([error]).body(instance="/v1", request_id="r")


def test_an_empty_body_is_malformed_json_and_named_as_such() -> None:
    problem = problems.empty_body()
    assert (problem.status, problem.code) == (HTTPStatus.BAD_REQUEST, "MALFORMED_JSON")
    assert problem.errors == [{"pointer": "", "detail": "the request body is empty"}]


# --- every error type the record's schema can raise has our wording --------------------------------

# What each kind of node of a pydantic-core schema can raise, and what its constraints add. A node kind
# missing here fails the test below: say what it raises, and word it in problems.FAULT_WORDING.
RAISES: Final[dict[str, set[str]]] = {
    "typed-dict": {"dict_type"},
    "str": {"string_type"},
    "int": {"int_type"},
    "literal": {"literal_error"},
    "list": {"list_type"},
}
CONSTRAINTS: Final[dict[str, str]] = {
    "min_length": "string_too_short",
    "max_length": "string_too_long",
    "pattern": "string_pattern_mismatch",
    "ge": "greater_than_equal",
    "le": "less_than_equal",
    "gt": "greater_than",
    "lt": "less_than",
}
RAISES_NOTHING_ITSELF: Final = frozenset(
    {"definitions", "definition-ref", "nullable", "typed-dict-field", "function-after", "function-wrap"}
)
FUNCTION_KINDS: Final = frozenset({"no-info", "with-info"})  # {"type": ..., "function": f}: not a schema


def schema_error_types(node: Any) -> set[str]:
    """The error types a pydantic-core schema can raise, by walking it."""
    if isinstance(node, list):
        return set().union(*(schema_error_types(item) for item in node))
    if not isinstance(node, dict):
        return set()
    found = set().union(*(schema_error_types(value) for value in node.values()))
    kind = node.get("type")
    if not isinstance(kind, str) or kind in FUNCTION_KINDS:
        return found
    assert kind in RAISES or kind in RAISES_NOTHING_ITSELF, f"a schema node this test does not know: {kind}"
    found |= RAISES.get(kind, set())
    found |= {error for constraint, error in CONSTRAINTS.items() if constraint in node}
    if kind == "typed-dict":
        fields = node["fields"].values()
        found |= {"missing"} if any(field.get("required", True) for field in fields) else set()
        found |= {"extra_forbidden"} if node.get("extra_behavior") == "forbid" else set()
    return found


def custom_error_types() -> set[str]:
    """The types of the `Fault("<type>", ...)`s of `validators` (`schema_checks` raises them as
    pydantic-core's errors of the same types; `record.compiled` reports them)."""
    tree = ast.parse(inspect.getsource(validators))
    return {
        str(call.args[0].value)
        for call in ast.walk(tree)
        if isinstance(call, ast.Call)
        and getattr(call.func, "id", None) == "Fault"
        and isinstance(call.args[0], ast.Constant)
    }


def test_every_error_type_the_record_can_raise_has_our_wording() -> None:
    emittable = schema_error_types(RECORD_SCHEMA) | custom_error_types()
    assert {"missing", "extra_forbidden", "literal_error", "time_order", "response_required"} <= emittable
    assert not emittable - set(problems.FAULT_WORDING), "word these in problems.FAULT_WORDING"
    assert not set(problems.FAULT_WORDING) - emittable, "wording for types the record never raises"


def test_the_walk_finds_what_a_new_constraint_would_raise() -> None:
    assert schema_error_types({"type": "str", "max_length": 9}) == {"string_type", "string_too_long"}
    with pytest.raises(AssertionError, match="does not know: float"):
        schema_error_types({"type": "nullable", "schema": {"type": "float"}})
