"""The contract's checks that the record's schema calls, raising pydantic-core's errors.

The models (`models`) attach these functions to their fields, and the schema pydantic builds from them
(`record_schema`) refers to them by name, so the PUT function runs them with pydantic-core alone: no
pydantic, whose import is about a fifth of a cold start (docs/performance.md). The rules themselves are in
`rules`, in plain Python.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic_core import InitErrorDetails, PydanticCustomError, ValidationError

from operations_api.rules import (
    OPERATION_ID_RULE,
    STATUSES_WITH_RESPONSE,
    TIMESTAMP_CALENDAR_RULE,
    is_operation_id,
    timestamp_fault,
)

if TYPE_CHECKING:
    from pydantic_core.core_schema import ValidationInfo


def check_operation_id(value: str) -> str:
    if not is_operation_id(value):
        raise PydanticCustomError("operation_id_format", OPERATION_ID_RULE)
    return value


def check_timestamp(value: str) -> str:
    fault = timestamp_fault(value)
    if fault is not None:
        kind = "timestamp_calendar" if fault == TIMESTAMP_CALENDAR_RULE else "timestamp_format"
        raise PydanticCustomError(kind, fault)
    return value


def not_before_occurrence(value: str, info: ValidationInfo) -> str:
    """last_update_time, against the occurred_time validated before it."""
    occurred = info.data.get("occurred_time")
    if occurred is not None and value < occurred:  # fixed-width digits: text order is time order
        raise PydanticCustomError("time_order", "must not be earlier than occurred_time")
    return value


def response_when_finished(record: dict[str, Any]) -> dict[str, Any]:
    """A completed or failed operation carries its response: checked on the whole record, as an absent
    key has no field validator to run; the error still points at `response`."""
    status = record["status"]
    if status in STATUSES_WITH_RESPONSE and record.get("response") is None:
        error = PydanticCustomError(
            "response_required",
            "is required (not absent, not null) when status is '{status}'",
            {"status": status},
        )
        details = InitErrorDetails(type=error, loc=("response",), input=record.get("response"))
        raise ValidationError.from_exception_data("Operation", [details])
    return record
