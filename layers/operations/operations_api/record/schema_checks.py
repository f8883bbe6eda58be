"""The checks of `validators`, as pydantic-core runs them: the models attach these to their fields, so the
schema pydantic builds (`record.schema`) names them. Each raises the `Fault` of its check as pydantic-core's
error of the same type and context. Development only: the PUT runs `validators` from `record.compiled`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic_core import InitErrorDetails, PydanticCustomError, ValidationError

from operations_api.problems import FAULT_WORDING
from operations_api.record import validators
from operations_api.record.validators import Fault

if TYPE_CHECKING:
    from pydantic_core.core_schema import ValidationInfo, ValidatorFunctionWrapHandler


def core_error(fault: Fault) -> PydanticCustomError:
    return PydanticCustomError(fault.kind, FAULT_WORDING[fault.kind], fault.context)


def check_operation_id(value: str) -> str:
    try:
        return validators.check_operation_id(value)
    except Fault as fault:
        raise core_error(fault) from None


def check_timestamp(value: str) -> str:
    try:
        return validators.check_timestamp(value)
    except Fault as fault:
        raise core_error(fault) from None


def not_before_occurrence(value: str, info: ValidationInfo) -> str:
    try:
        return validators.not_before_occurrence(value, info.data)
    except Fault as fault:
        raise core_error(fault) from None


def response_when_finished(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    """The record's own faults, then the fault of `validators.response_when_finished`, all at once."""
    fault = validators.response_when_finished(value)
    if fault is None:
        return handler(value)
    required = InitErrorDetails(type=core_error(fault), loc=fault.at, input=value.get("response"))
    try:
        handler(value)
    except ValidationError as error:
        others = [  # each as it was: its type and context are what `problems` words it from
            InitErrorDetails(
                type=PydanticCustomError(found["type"], found["msg"], found.get("ctx")),
                loc=found["loc"],
                input=found["input"],
            )
            for found in error.errors()
        ]
        raise ValidationError.from_exception_data(error.title, [*others, required]) from None
    raise ValidationError.from_exception_data("Operation", [required])
