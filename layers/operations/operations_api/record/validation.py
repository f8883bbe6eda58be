"""A PUT body, validated by `record.compiled`: the record's schema (`record.schema`, which pydantic builds
from `models`) compiled into plain Python at `make record-schema`, so the PUT imports neither pydantic nor
pydantic-core (docs/design.md, "Validation without pydantic at run time").
The result is the record exactly as given: absent keys stay absent, `null` stays `null`.
"""

from __future__ import annotations

from typing import Any

from operations_api import problems
from operations_api.record import compiled


def validate(body: Any) -> dict[str, Any]:
    """The record, or a 400 problem listing every fault, each at its JSON pointer."""
    document, faults = compiled.validate(body)
    if document is None:
        raise problems.invalid_record(faults)
    return document
