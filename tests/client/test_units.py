"""The client's small parts directly: times for --since/--before, problem documents, watch's lines."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from operations_client import (
    ConflictError,
    NotFoundError,
    OperationsError,
    PreconditionFailedError,
    UnavailableError,
    ValidationError,
)
from operations_client._client import StoredRecord, base_url
from operations_client._errors import error_for
from operations_client._times import to_api_time
from operations_client._watching import change_line, elapsed, format_elapsed
from tests.support.records import full_record, minimal_record

NOW = datetime(2026, 11, 30, 9, 30, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("given", "meant"),
    [
        ("20261122_064230", "20261122_064230"),
        (" 20261122_064230 ", "20261122_064230"),
        ("15m", "20261130_091500"),
        ("2h", "20261130_073000"),
        ("7d", "20261123_093000"),
        ("1w", "20261123_093000"),
        ("90s", "20261130_092830"),
    ],
)
def test_times_are_the_apis_utc_timestamps(given: str, meant: str) -> None:
    assert to_api_time(given, NOW) == meant


@pytest.mark.parametrize(
    "given", ["yesterday", "15", "-2h", "2026-11-22", "20261131_000000", "20261122_246000"]
)
def test_other_times_are_refused(given: str) -> None:
    with pytest.raises(ValueError, match="YYYYMMDD_hhmmss"):
        to_api_time(given, NOW)


def problem(status: int, code: str = "SOME_CODE") -> bytes:
    return (
        f'{{"status": {status}, "code": "{code}", "detail": "d", "errors": [{{"pointer": "/x"}}]}}'.encode()
    )


@pytest.mark.parametrize(
    ("status", "family"),
    [
        (400, ValidationError),
        (413, ValidationError),
        (404, NotFoundError),
        (409, ConflictError),
        (412, PreconditionFailedError),
        (429, UnavailableError),
        (500, UnavailableError),
        (503, UnavailableError),
        (403, OperationsError),
    ],
)
def test_each_status_has_its_family(status: int, family: type[OperationsError]) -> None:
    error = error_for(status, problem(status))
    assert type(error) is family
    assert (error.status, error.code, error.detail, error.errors) == (
        status,
        "SOME_CODE",
        "d",
        [{"pointer": "/x"}],
    )


def test_an_answer_that_is_no_problem_document_becomes_one() -> None:
    gateway = error_for(403, b'{"message": "Forbidden"}')
    assert (gateway.code, gateway.detail, gateway.problem["status"]) == ("HTTP_403", "Forbidden", 403)
    html = error_for(502, b"<html>Bad Gateway</html>")
    assert isinstance(html, UnavailableError)
    assert html.detail == "<html>Bad Gateway</html>"
    assert error_for(504, b"").detail == "HTTP 504"


def stored(record: dict[str, object]) -> StoredRecord:
    return StoredRecord(record=record, etag='"e"', raw="")  # type: ignore[arg-type]


def test_elapsed_ends_at_completion_or_runs_to_now() -> None:
    assert format_elapsed(elapsed(stored(full_record()), NOW)) == "0:02:42"
    running = stored(minimal_record(occurred_time="20261130_080000"))
    assert format_elapsed(elapsed(running, NOW)) == "1:30:00"
    future = stored(minimal_record(occurred_time="20261201_000000", last_update_time="20261201_000000"))
    assert format_elapsed(elapsed(future, NOW)) == "0:00:00"


def test_a_change_line_tells_status_sub_status_clusters_and_elapsed() -> None:
    assert change_line(stored(full_record()), NOW) == (
        "20261122_064512  failed  clusters 2/3 done, 1 failed  elapsed 0:02:42"
    )
    running = stored(minimal_record(sub_status="copying", occurred_time="20261130_092900"))
    assert change_line(running, NOW).startswith("20261122_064230  executing (copying)  elapsed "), (
        "no clusters"
    )


@pytest.mark.parametrize(
    ("given", "used"),
    [
        (
            "https://abc.execute-api.eu-west-1.amazonaws.com/",
            "https://abc.execute-api.eu-west-1.amazonaws.com/",
        ),
        (
            "https://abc.execute-api.eu-west-1.amazonaws.com/v1",
            "https://abc.execute-api.eu-west-1.amazonaws.com",
        ),
        ("http://127.0.0.1:3000/v1/", "http://127.0.0.1:3000"),
        ("https://ops.example.com/stage/v1", "https://ops.example.com/stage"),
        ("https://ops.example.com/v1/v1", "https://ops.example.com/v1"),
        ("https://ops.example.com/v10", "https://ops.example.com/v10"),
        ("http://v1", "http://v1"),
    ],
)
def test_the_base_url_drops_one_trailing_version(given: str, used: str) -> None:
    """Every path the client sends begins with /v1; a mapping that is itself v1 is given twice."""
    assert base_url(given) == used
