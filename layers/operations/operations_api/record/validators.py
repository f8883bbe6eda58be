"""The contract's checks that the record's schema calls, raising pydantic-core's errors.

The models (`models`) attach these functions to their fields, and the schema pydantic builds from them
(`record.schema`) refers to them by name, so the PUT function runs them with pydantic-core alone: no
pydantic, whose import is a large part of a cold start (docs/performance.md, "Cold start"). The rules
themselves are in `rules`, in plain Python.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic_core import InitErrorDetails, PydanticCustomError, ValidationError

from operations_api.problems import FAULT_WORDING
from operations_api.record.rules import (
    OPERATION_ID_RULE,
    STATUSES_WITH_RESPONSE,
    TIMESTAMP_CALENDAR_RULE,
    is_operation_id,
    timestamp_fault,
)

if TYPE_CHECKING:
    from pydantic_core.core_schema import ValidationInfo, ValidatorFunctionWrapHandler


def check_operation_id(value: str) -> str:
    if not is_operation_id(value):
        raise PydanticCustomError("operation_id_format", OPERATION_ID_RULE)
    return value


def check_timestamp(value: str) -> str:
    fault = timestamp_fault(value)
    if fault == TIMESTAMP_CALENDAR_RULE:
        raise PydanticCustomError("timestamp_calendar", fault)
    if fault is not None:
        raise PydanticCustomError("timestamp_format", fault)
    return value


def not_before_occurrence(value: str, info: ValidationInfo) -> str:
    """last_update_time, against the occurred_time validated before it."""
    occurred = info.data.get("occurred_time")
    if occurred is not None and value < occurred:  # fixed-width digits: text order is time order
        raise PydanticCustomError("time_order", FAULT_WORDING["time_order"])
    return value


def response_when_finished(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    """A completed or failed operation carries its response (not absent, not null). Checked around the
    whole record, as an absent key has no field validator to run, and told with the record's other faults
    at once, at `/response`."""
    status = value.get("status") if isinstance(value, dict) else None
    if (
        not isinstance(status, str)
        or status not in STATUSES_WITH_RESPONSE
        or value.get("response") is not None
    ):
        return handler(value)
    required = InitErrorDetails(
        type=PydanticCustomError("response_required", FAULT_WORDING["response_required"], {"status": status}),
        loc=("response",),
        input=value.get("response"),
    )
    try:
        handler(value)
    except ValidationError as error:
        others = [  # each as it was: its type and context are what `problems` words it from
            InitErrorDetails(
                type=PydanticCustomError(fault["type"], fault["msg"], fault.get("ctx")),
                loc=fault["loc"],
                input=fault["input"],
            )
            for fault in error.errors()
        ]
        raise ValidationError.from_exception_data(error.title, [*others, required]) from None
    raise ValidationError.from_exception_data("Operation", [required])
