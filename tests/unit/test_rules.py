"""The contract's field rules in plain Python: what the models build on, and what the GET checks."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from operations_api.record import rules


@pytest.mark.parametrize("value", ["a", "op-1", "A.b_c~d-9", "x" * 128])
def test_an_operation_id_of_the_allowed_characters_and_length_passes(value: str) -> None:
    assert rules.is_operation_id(value)


@pytest.mark.parametrize(
    "value",
    ["", "x" * 129, "a b", "a/b", "caf\u00e9", "op%7E1", "op-1\n", "\nop-1", "op\x00", ".", ".."],
)
def test_an_operation_id_outside_the_rule_fails(value: str) -> None:
    assert not rules.is_operation_id(value)


@pytest.mark.parametrize("value", ["...", ".a", "a.", "..a", "a..", "~", "-", "_"])
def test_dots_with_anything_else_are_an_id_only_dot_and_dot_dot_are_not(value: str) -> None:
    """Only the whole segments `.` and `..` are resolved away by clients (RFC 3986, section 5.2.4)."""
    assert rules.is_operation_id(value)
    assert "'.' or '..'" in rules.OPERATION_ID_RULE


def test_a_real_utc_timestamp_passes() -> None:
    assert rules.timestamp_fault("20240229_235959") is None


@pytest.mark.parametrize("value", ["2026-11-22T06:42:30Z", "20261122_06423", "20261122_064230\n", ""])
def test_a_timestamp_not_in_the_format_says_which_format(value: str) -> None:
    assert rules.timestamp_fault(value) == rules.TIMESTAMP_RULE


@pytest.mark.parametrize("value", ["20261322_064230", "20230229_120000", "20261122_246000"])
def test_a_timestamp_that_is_no_real_time_says_so(value: str) -> None:
    assert rules.timestamp_fault(value) == rules.TIMESTAMP_CALENDAR_RULE


def schema_pattern_accepts(value: str) -> bool:
    return re.fullmatch(rules.TIMESTAMP_SCHEMA_PATTERN, value) is not None


@pytest.mark.parametrize(
    ("value", "real"),
    [
        ("20240229_235959", True),
        ("20000229_000000", True),
        ("19000229_000000", False),
        ("21000229_000000", False),
        ("20230229_120000", False),
        ("00040229_000000", True),
        ("00000101_000000", False),
        ("00010101_000000", True),
        ("99991231_235959", True),
        ("20260431_000000", False),
        ("20260531_000000", True),
        ("20261122_240000", False),
        ("20261122_236000", False),
        ("20261122_235960", False),
        ("20261100_120000", False),
    ],
)
def test_the_schemas_time_pattern_accepts_exactly_the_real_times(value: str, real: bool) -> None:
    assert schema_pattern_accepts(value) is real
    assert (rules.timestamp_fault(value) is None) is real


@settings(deadline=None)  # no per-example time budget: a loaded machine is slow, not wrong
@given(
    st.tuples(
        st.integers(0, 9999), st.integers(0, 13), st.integers(0, 32), st.integers(0, 24), st.integers(0, 60)
    )
)
def test_the_schemas_time_pattern_agrees_with_the_rule(parts: tuple[int, int, int, int, int]) -> None:
    year, month, day, hour, minute = parts
    value = f"{year:04d}{month:02d}{day:02d}_{hour:02d}{minute:02d}{minute % 61:02d}"
    assert schema_pattern_accepts(value) is (rules.timestamp_fault(value) is None)
