"""The record's times, its rules across fields, its ids, and how a refused record's problems are reported,
by each of the record's validators alike (the `validate` fixture; field by field: test_models.py)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.record_validation import DELETE, Validate, refusals, with_value
from tests.support.records import full_record, minimal_record

TIME_FIELDS = ["/occurred_time", "/last_update_time", "/rollbacks/occurred_time"]


@pytest.mark.parametrize("pointer", TIME_FIELDS)
@pytest.mark.parametrize(
    "value",
    [
        "2026-11-22 06:42:30",
        "20261122064230",
        "20261122 064230",
        "20261122_0642",
        "20261122_064230Z",
        " 20261122_064230",
        "20261122_064230\n",  # `$` alone would let a trailing newline through
        "20261122_064230".translate({ord(digit): ord(digit) + 0xFEE0 for digit in "0123456789"}),  # fullwidth
        "",
    ],
)
def test_times_must_be_yyyymmdd_hhmmss(validate: Validate, pointer: str, value: str) -> None:
    record = with_value(
        minimal_record(rollbacks={"result": "ok", "occurred_time": "20261122_064230"}), pointer, value
    )
    detail = refusals(validate, record)[pointer]
    assert "YYYYMMDD_hhmmss" in detail


@pytest.mark.parametrize("pointer", TIME_FIELDS)
@pytest.mark.parametrize(
    "value",
    [
        "20261301_000000",
        "20261100_000000",
        "20230229_000000",
        "20261122_240000",
        "20261122_236000",
        "20261122_235960",
        "00001122_000000",
    ],
)
def test_times_must_be_real_calendar_times(validate: Validate, pointer: str, value: str) -> None:
    record = minimal_record(
        occurred_time="00010101_000000",
        last_update_time="99991231_235959",
        rollbacks={"result": "ok", "occurred_time": "20261122_064230"},
    )
    assert refusals(validate, with_value(record, pointer, value))[pointer].startswith(
        "is not a real calendar date"
    )


def test_a_leap_day_is_a_real_date(validate: Validate) -> None:
    record = minimal_record(occurred_time="20240229_235959", last_update_time="20240301_000000")
    assert validate(record) == record


def test_last_update_time_may_not_be_earlier_than_occurred_time(validate: Validate) -> None:
    record = minimal_record(occurred_time="20261122_064230", last_update_time="20261122_064229")
    assert refusals(validate, record) == {"/last_update_time": "must not be earlier than occurred_time"}


def test_last_update_time_may_equal_occurred_time(validate: Validate) -> None:
    record = minimal_record(occurred_time="20261122_064230", last_update_time="20261122_064230")
    assert validate(record) == record


@pytest.mark.parametrize("status", ["completed", "failed"])
@pytest.mark.parametrize("response", [DELETE, None])
def test_a_finished_operation_must_carry_its_response(validate: Validate, status: str, response: Any) -> None:
    record = with_value(with_value(full_record(), "/status", status), "/response", response)
    assert "is required (not absent, not null)" in refusals(validate, record)["/response"]


@pytest.mark.parametrize("status", ["unexecuted", "executing", "canceled"])
def test_other_statuses_need_no_response(validate: Validate, status: str) -> None:
    record = minimal_record(status=status)
    assert validate(record) == record


@pytest.mark.parametrize("operation_id", ["a", "A-z.0_9~", "x" * 128, "3f2b8c1e-7d4a-4e9b-9c2f-1a6d5e8b7c40"])
def test_operation_ids_of_url_safe_characters_are_accepted(validate: Validate, operation_id: str) -> None:
    record = minimal_record(operation_id=operation_id)
    assert validate(record) == record


@pytest.mark.parametrize(
    "operation_id", ["", "x" * 129, "a/b", "a b", "ü", "a%20b", "a?b", "a#b", "\x00", "op-1\n", ".", ".."]
)
def test_other_operation_ids_are_refused(validate: Validate, operation_id: str) -> None:
    detail = refusals(validate, minimal_record(operation_id=operation_id))["/operation_id"]
    assert "1 to 128 characters" in detail


def test_a_missing_response_is_told_with_the_other_faults(validate: Validate) -> None:
    record = with_value(with_value(full_record(), "/status", "failed"), "/response", DELETE)
    record["occurred_time"] = "yesterday"
    record["target_clusters"][0]["request"]["method"] = None
    assert refusals(validate, record) == {
        "/occurred_time": "must be a UTC time as YYYYMMDD_hhmmss, e.g. 20261122_064230",
        "/target_clusters/0/request/method": "must not be null",
        "/response": "is required (not absent, not null) when status is 'failed'",
    }


def test_many_problems_are_all_reported_at_once(validate: Validate) -> None:
    record = full_record()
    record["status"] = "done"
    record["target_clusters"][2]["request"]["method"] = "post"
    record["rollbacks"]["occurred_time"] = "yesterday"
    assert set(refusals(validate, record)) == {
        "/status",
        "/target_clusters/2/request/method",
        "/rollbacks/occurred_time",
    }


def test_problem_entries_never_echo_the_input(validate: Validate) -> None:
    secret = "Bearer s3cr3t-token-value"
    record = with_value(full_record(), "/request/body", {"authorization": secret})
    record["password"] = secret
    assert secret not in str(refusals(validate, record))
