"""RFC 9457 problem details: the one module that knows the error format (docs/api.md, "Errors").

Every non-2xx answer the service produces is built here. The rest of the code raises `Problem`s and never
writes an error body itself: if the missing "Error response format" sheet turns up, only this module
changes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from http import HTTPStatus
from typing import Any, Final

from operations_api.record import rules

PROBLEM_CONTENT_TYPE: Final = "application/problem+json"
TYPE_PREFIX: Final = "tag:operations-api,2026:problems/"
RETRY_AFTER_SECONDS: Final = 1

PROBLEM_SCHEMA: Final[dict[str, Any]] = {
    "type": "object",
    "required": ["type", "title", "status", "detail", "instance", "code", "request_id"],
    "properties": {
        "type": {"type": "string", "description": "a URI naming the kind of problem"},
        "title": {"type": "string", "description": "the status code's phrase"},
        "status": {"type": "integer"},
        "detail": {"type": "string", "description": "what went wrong, for a person"},
        "instance": {"type": "string", "description": "the request path"},
        "code": {
            "type": "string",
            "pattern": "^[A-Z][A-Z_]*$",
            "description": "a stable reason to branch on",
        },
        "request_id": {
            "type": ["string", "null"],
            "description": "API Gateway's request id, also in the logs",
        },
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["detail"],
                "properties": {
                    "pointer": {"type": "string", "description": "RFC 6901 pointer into the request body"},
                    "parameter": {"type": "string", "description": "the path or query parameter at fault"},
                    "header": {"type": "string", "description": "the request header at fault"},
                    "detail": {"type": "string"},
                },
            },
        },
    },
}


class Problem(Exception):
    """An error answer of the API: status, a stable `code`, a human `detail`, and optional extras."""

    def __init__(
        self,
        status: HTTPStatus,
        code: str,
        detail: str,
        *,
        errors: Sequence[Mapping[str, str]] = (),
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.errors = list(errors)
        self.headers = dict(headers or {})

    def document(self, *, instance: str, request_id: str | None) -> dict[str, Any]:
        slug = self.code.lower().replace("_", "-")
        document: dict[str, Any] = {
            "type": f"{TYPE_PREFIX}{slug}",
            "title": self.status.phrase,
            "status": int(self.status),
            "detail": self.detail,
            "instance": instance,
            "code": self.code,
            "request_id": request_id,
        }
        if self.errors:
            document["errors"] = self.errors
        return document

    def body(self, *, instance: str, request_id: str | None) -> str:
        return json.dumps(self.document(instance=instance, request_id=request_id), ensure_ascii=False)


# --- the problems the service raises -------------------------------------------------------------


def validation_failed(
    errors: Sequence[Mapping[str, str]], *, what: str = "request", write: bool = True
) -> Problem:
    """`write`: the request was a write, and the problem says that nothing was stored (a read's does not)."""
    count = len(errors)
    noun = "problem" if count == 1 else "problems"
    stored = " Nothing was stored." if write else ""
    return Problem(
        HTTPStatus.BAD_REQUEST,
        "VALIDATION_ERROR",
        f"The {what} is not valid: {count} {noun}, listed in errors.{stored}",
        errors=errors,
    )


def invalid_path_parameter(name: str, rule: str, *, write: bool) -> Problem:
    return validation_failed([{"parameter": name, "detail": rule}], write=write)


def invalid_query(errors: Sequence[Mapping[str, str]]) -> Problem:
    """A list's query parameters at fault, each named in `errors[].parameter`."""
    return validation_failed(errors, what="query", write=False)


def query_parameter_fault(parameter: str, detail: str) -> dict[str, str]:
    return {"parameter": parameter, "detail": detail}


def invalid_page_token(reason: str) -> Problem:
    return Problem(
        HTTPStatus.BAD_REQUEST,
        "INVALID_PAGE_TOKEN",
        f"The page_token is not one this list gave for these filters: {reason}. Start again without it, "
        "or send it with the filters of the page that gave it.",
        errors=[query_parameter_fault("page_token", reason)],
    )


def malformed_json(reason: str) -> Problem:
    return Problem(
        HTTPStatus.BAD_REQUEST,
        "MALFORMED_JSON",
        f"The request body is not one strict JSON object: {reason}. Nothing was stored.",
        errors=[{"pointer": "", "detail": reason}],
    )


def unsupported_media_type(content_type: str) -> Problem:
    return Problem(
        HTTPStatus.BAD_REQUEST,
        "UNSUPPORTED_MEDIA_TYPE",
        f"The request body must be sent as Content-Type: application/json, not {content_type[:100]!r}. "
        "Nothing was stored.",
        errors=[{"header": "content-type", "detail": "must be application/json"}],
    )


def operation_id_mismatch() -> Problem:
    return Problem(
        HTTPStatus.BAD_REQUEST,
        "OPERATION_ID_MISMATCH",
        "The body's operation_id differs from the operation_id in the path. Nothing was stored.",
        errors=[{"pointer": "/operation_id", "detail": "must equal the operation_id in the path"}],
    )


def invalid_header(header: str, reason: str) -> Problem:
    return Problem(
        HTTPStatus.BAD_REQUEST,
        "INVALID_HEADER",
        f"The {header} header is not valid: {reason}. Nothing was stored.",
        errors=[{"header": header.lower(), "detail": reason}],
    )


def operation_not_found(operation_id: str) -> Problem:
    return Problem(HTTPStatus.NOT_FOUND, "OPERATION_NOT_FOUND", f"No operation has the id {operation_id!r}.")


def sequence_not_found(operation_id: str, sequence: int) -> Problem:
    return Problem(
        HTTPStatus.NOT_FOUND,
        "SEQUENCE_NOT_FOUND",
        f"The operation {operation_id!r} has no change #{sequence} in its history (not yet, or not since its "
        "id was created anew).",
    )


def stale_update(stored_last_update_time: str) -> Problem:
    return Problem(
        HTTPStatus.CONFLICT,
        "STALE_UPDATE",
        f"The stored record is newer: its last_update_time is {stored_last_update_time}, later than this "
        "report's. Writes never go back; nothing was changed.",
    )


def terminal_status(stored_status: str) -> Problem:
    return Problem(
        HTTPStatus.CONFLICT,
        "TERMINAL_STATUS",
        f"The operation is already {stored_status!r}, a terminal status: it cannot change to another status. "
        "Nothing was changed.",
    )


def write_conflict() -> Problem:
    return Problem(
        HTTPStatus.CONFLICT,
        "WRITE_CONFLICT",
        "The stored record changed while this write was being applied. Nothing was changed; "
        "read it and retry.",
    )


def precondition_failed(header: str) -> Problem:
    return Problem(
        HTTPStatus.PRECONDITION_FAILED,
        "PRECONDITION_FAILED",
        f"The {header} precondition does not hold for the stored record. Nothing was changed.",
    )


def record_too_large(limit_bytes: int) -> Problem:
    return Problem(
        HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
        "RECORD_TOO_LARGE",
        f"The record is larger than a DynamoDB item may be ({limit_bytes:,} bytes, 400 KB, attribute names "
        "included). Nothing was stored and nothing was truncated.",
    )


def store_unavailable(*, write: bool) -> Problem:
    unchanged = " Nothing was changed by this request;" if write else ""
    return Problem(
        HTTPStatus.SERVICE_UNAVAILABLE,
        "STORE_UNAVAILABLE",
        f"The operations store is throttling or unavailable.{unchanged} "
        "Retry after the number of seconds in Retry-After.",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def route_not_found() -> Problem:
    return Problem(HTTPStatus.NOT_FOUND, "ROUTE_NOT_FOUND", "No route matches this method and path.")


def internal_error() -> Problem:
    return Problem(
        HTTPStatus.INTERNAL_SERVER_ERROR,
        "INTERNAL_ERROR",
        "An unexpected error occurred; it has been logged with this request_id.",
    )


# --- pydantic-core's validation errors of a body -> one problem -----------------------------------

# How each fault of a record is told, by pydantic-core's error `type` (and the custom types that
# `validators` raises), in the contract's words rather than the library's: its messages may change with a
# release, ours do not. `{name}` is filled from the error's context. A test fails when the record's schema
# can raise a type that is missing here.
FAULT_WORDING: Final[Mapping[str, str]] = {
    "missing": "is required",
    "extra_forbidden": "is not a key of the operation record (unknown keys are refused)",
    "dict_type": "must be an object",
    "list_type": "must be an array",
    "string_type": "must be a string",
    "string_too_short": "must not be empty",
    "string_too_long": "must be at most {max_length:,} characters",
    "int_type": "must be an integer",
    "greater_than_equal": "must be {ge} or more",
    "less_than_equal": "must be {le} or less",
    "literal_error": "must be {expected}",
    "operation_id_format": rules.OPERATION_ID_RULE,
    "timestamp_format": rules.TIMESTAMP_RULE,
    "timestamp_calendar": rules.TIMESTAMP_CALENDAR_RULE,
    "time_order": "must not be earlier than occurred_time",
    "response_required": "is required (not absent, not null) when status is '{status}'",
}
NOT_NULL: Final = "must not be null"
UNWORDED_FAULT: Final = "is not valid"


def invalid_record(errors: Iterable[Mapping[str, Any]]) -> Problem:
    """A PUT body's faults, as pydantic-core reports them (and `record.compiled` alike), each at its JSON
    pointer.

    Input values are never echoed: they can be large or secret. A pointer and our wording are enough.
    """
    return validation_failed(
        [{"pointer": json_pointer(error.get("loc", ())), "detail": fault_detail(error)} for error in errors]
    )


def fault_detail(error: Mapping[str, Any]) -> str:
    """One fault in our words, from its type and context (never from the library's message)."""
    kind = str(error.get("type", ""))
    if error.get("input", ...) is None and (kind.endswith("_type") or kind == "literal_error"):
        return NOT_NULL
    wording = FAULT_WORDING.get(kind, UNWORDED_FAULT)
    try:
        return wording.format_map(error.get("ctx") or {})
    except (KeyError, IndexError, ValueError):  # a context without the value the wording names
        return UNWORDED_FAULT


def empty_body() -> Problem:
    return Problem(
        HTTPStatus.BAD_REQUEST,
        "MALFORMED_JSON",
        "The request body is empty: send the operation record as one JSON object. Nothing was stored.",
        errors=[{"pointer": "", "detail": "the request body is empty"}],
    )


def json_pointer(path: Iterable[Any]) -> str:
    """RFC 6901: "" is the whole document; '~' and '/' in a key are escaped."""
    return "".join("/" + str(token).replace("~", "~0").replace("/", "~1") for token in path)
