"""The contract's checks that the record's schema names, in plain Python: no pydantic, no pydantic-core.

The PUT runs them from `record.compiled` (the validator generated from the schema); the models attach them
to their fields through `schema_checks`, which raises pydantic-core's errors from their `Fault`s, so the
schema pydantic builds (`record.schema`) names them too. The rules themselves are in `rules`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from operations_api.record.rules import (
    STATUSES_WITH_RESPONSE,
    TIMESTAMP_CALENDAR_RULE,
    is_operation_id,
    timestamp_fault,
)


class Fault(ValueError):
    """A rule broken: its type (the key of `problems.FAULT_WORDING` that words it), the wording's context,
    and where, from the value checked (a rule across fields names the field at fault)."""

    def __init__(self, kind: str, context: dict[str, Any] | None = None, at: tuple[str, ...] = ()) -> None:
        super().__init__(kind)
        self.kind = kind
        self.context = context
        self.at = at


def check_operation_id(value: str) -> str:
    if not is_operation_id(value):
        raise Fault("operation_id_format")
    return value


def check_timestamp(value: str) -> str:
    fault = timestamp_fault(value)
    if fault == TIMESTAMP_CALENDAR_RULE:
        raise Fault("timestamp_calendar")
    if fault is not None:
        raise Fault("timestamp_format")
    return value


def not_before_occurrence(value: str, earlier: Mapping[str, Any]) -> str:
    """last_update_time, against the occurred_time validated before it (`earlier`: the fields of the
    record validated so far, without those at fault)."""
    occurred = earlier.get("occurred_time")
    if occurred is not None and value < occurred:  # fixed-width digits: text order is time order
        raise Fault("time_order")
    return value


def response_when_finished(value: Any) -> Fault | None:
    """A completed or failed operation carries its response (not absent, not null). Checked on the whole
    record as given, as an absent key has no field check to run, and told after the record's other faults,
    at `/response`."""
    status = value.get("status") if isinstance(value, dict) else None
    if isinstance(status, str) and status in STATUSES_WITH_RESPONSE and value.get("response") is None:
        return Fault("response_required", {"status": status}, at=("response",))
    return None
