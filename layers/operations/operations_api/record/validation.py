"""A PUT body, validated against the record's schema (`record.schema`, which pydantic builds from `models`)
by pydantic-core alone, with a validator built once per process.

Why not pydantic, or Powertools' validation, which runs pydantic: importing them is a large part of the PUT's
cold start, while validating needs only the schema they would build (docs/performance.md, "Cold start").
The result is the record exactly as given: absent keys stay absent, `null` stays `null`.
"""

from __future__ import annotations

from typing import Any

from pydantic_core import SchemaValidator, ValidationError

from operations_api import problems
from operations_api.record.schema import RECORD_SCHEMA

_VALIDATOR = SchemaValidator(RECORD_SCHEMA)


def validate(body: Any) -> dict[str, Any]:
    """The record, or a 400 problem listing every fault, each at its JSON pointer."""
    try:
        document: dict[str, Any] = _VALIDATOR.validate_python(body)
    except ValidationError as error:
        raise problems.invalid_record(error.errors(include_url=False)) from None
    return document
