"""The contract's field rules in plain Python: what the models build on, and what the GET checks."""

from __future__ import annotations

import pytest

from operations_api import rules


@pytest.mark.parametrize("value", ["a", "op-1", "A.b_c~d-9", "x" * 128])
def test_an_operation_id_of_the_allowed_characters_and_length_passes(value: str) -> None:
    assert rules.is_operation_id(value)


@pytest.mark.parametrize(
    "value",
    ["", "x" * 129, "a b", "a/b", "caf\u00e9", "op%7E1", "op-1\n", "\nop-1", "op\x00"],
)
def test_an_operation_id_outside_the_rule_fails(value: str) -> None:
    assert not rules.is_operation_id(value)


def test_a_real_utc_timestamp_passes() -> None:
    assert rules.timestamp_fault("20240229_235959") is None


@pytest.mark.parametrize("value", ["2026-11-22T06:42:30Z", "20261122_06423", "20261122_064230\n", ""])
def test_a_timestamp_not_in_the_format_says_which_format(value: str) -> None:
    assert rules.timestamp_fault(value) == rules.TIMESTAMP_RULE


@pytest.mark.parametrize("value", ["20261322_064230", "20230229_120000", "20261122_246000"])
def test_a_timestamp_that_is_no_real_time_says_so(value: str) -> None:
    assert rules.timestamp_fault(value) == rules.TIMESTAMP_CALENDAR_RULE
