"""Validating a record as the PUT does and as the schema's sources do, and reading its refusals as a client
would: shared by the tests of the record's field rules (tests/unit/test_models.py, test_record_rules.py)."""

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
