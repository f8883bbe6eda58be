"""Retries (docs/client.md, "Retries"): 503 and 429 honouring Retry-After, connection failures, within a
budget; never another 4xx, never a 500. Against a scripted server, so each answer is the one wanted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest

from operations_client import (
    NotFoundError,
    OperationsClient,
    OperationsError,
    RetryPolicy,
    UnavailableError,
    ValidationError,
)
from operations_client._retry import RetryBudget, parse_retry_after
from tests.client.fake_api import RESET, FakeApi, Reply
from tests.support.cli import FAST

RECORD: dict[str, Any] = {"operation_id": "op-1", "status": "executing"}
THROTTLED = {"code": "THROTTLED", "detail": "the store is busy", "status": 503}


def fake_client(fake_api: FakeApi, policy: RetryPolicy = FAST) -> OperationsClient:
    return OperationsClient(fake_api.url, retry_policy=policy)


def test_a_503_is_retried_after_the_delay_it_asks_for(fake_api: FakeApi, sleeps: list[float]) -> None:
    fake_api.answer(Reply(503, THROTTLED, {"Retry-After": "2"}), Reply(200, RECORD, {"ETag": '"v1"'}))
    stored = fake_client(fake_api).get("op-1")
    assert stored.record == RECORD
    assert stored.etag == '"v1"'
    assert sleeps == [2.0]
    assert len(fake_api.received) == 2


def test_a_429_and_a_reset_connection_are_retried_with_backoff(
    fake_api: FakeApi, sleeps: list[float]
) -> None:
    fake_api.answer(Reply(429, {"message": "Too Many Requests"}), RESET, Reply(200, RECORD))
    assert fake_client(fake_api).get("op-1").record == RECORD
    assert len(sleeps) == 2
    assert all(0 <= delay <= FAST.max_delay for delay in sleeps)


def test_a_put_is_retried_with_the_same_body_and_headers(fake_api: FakeApi, sleeps: list[float]) -> None:
    fake_api.answer(Reply(503, THROTTLED, {"Retry-After": "0"}), Reply(200, RECORD))
    fake_client(fake_api).put("op-1", RECORD, if_match='"v0"')
    first, second = fake_api.received
    assert first.body == second.body
    assert first.headers["If-Match"] == second.headers["If-Match"] == '"v0"'


@pytest.mark.parametrize(
    ("status", "error"), [(400, ValidationError), (404, NotFoundError), (500, UnavailableError)]
)
def test_other_errors_are_never_retried(
    fake_api: FakeApi, sleeps: list[float], status: int, error: type[OperationsError]
) -> None:
    fake_api.answer(Reply(status, {"code": "NOPE", "detail": "no", "status": status}))
    with pytest.raises(error):
        fake_client(fake_api).get("op-1")
    assert len(fake_api.received) == 1
    assert sleeps == []


def test_the_budget_ends_the_retries_with_the_last_problem(fake_api: FakeApi, sleeps: list[float]) -> None:
    fake_api.answer(*[Reply(503, THROTTLED, {"Retry-After": "1"})] * 10)
    with pytest.raises(UnavailableError) as caught:
        fake_client(fake_api).get("op-1")
    assert caught.value.code == "THROTTLED"
    assert len(fake_api.received) == FAST.attempts
    assert sleeps == [1.0] * (FAST.attempts - 1)


def test_a_retry_after_beyond_the_budget_is_not_waited(fake_api: FakeApi, sleeps: list[float]) -> None:
    fake_api.answer(Reply(503, THROTTLED, {"Retry-After": "3600"}))
    with pytest.raises(UnavailableError):
        fake_client(fake_api).get("op-1")
    assert sleeps == []


def test_a_refused_connection_is_an_unavailable_error_after_the_retries(sleeps: list[float]) -> None:
    with pytest.raises(UnavailableError) as caught:
        OperationsClient("http://127.0.0.1:9", retry_policy=FAST).get("op-1")
    assert caught.value.code == "CONNECTION_FAILED"
    assert caught.value.status == 0
    assert "127.0.0.1:9" in caught.value.detail
    assert len(sleeps) == FAST.attempts - 1


def test_backoff_grows_to_its_cap_with_jitter() -> None:
    policy = RetryPolicy(base_delay=1.0, max_delay=4.0)
    delays = {retry: [policy.backoff(retry) for _ in range(200)] for retry in (1, 2, 3, 6)}
    assert all(0 <= delay <= 1.0 for delay in delays[1])
    assert all(0 <= delay <= 4.0 for delay in delays[6])
    assert max(delays[3]) > 2.0, "the third retry may wait up to 4 s"
    assert len(set(delays[6])) > 100, "jittered, not one fixed delay"


def test_retry_after_is_read_as_seconds_or_an_http_date() -> None:
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    assert 25 <= (parse_retry_after(later) or 0) <= 30
    earlier = format_datetime(datetime.now(UTC) - timedelta(seconds=30), usegmt=True)
    assert parse_retry_after(earlier) == 0.0


def test_the_budget_counts_attempts_and_time() -> None:
    budget = RetryBudget(RetryPolicy(attempts=3, budget=10))
    assert budget.next_delay("4") == 4.0
    assert budget.next_delay("4") == 4.0
    assert budget.next_delay("0") is None, "three attempts in all"
    assert RetryBudget(RetryPolicy(budget=5)).next_delay("6") is None


@pytest.mark.parametrize("body", [b"<html>welcome</html>", b"[1, 2]", b"\xff\xfe"])
def test_an_answer_that_is_not_the_apis_is_an_error_in_words(fake_api: FakeApi, body: bytes) -> None:
    fake_api.answer(Reply(200, body))
    with pytest.raises(OperationsError) as caught:
        fake_client(fake_api).get("op-1")
    assert caught.value.code == "INVALID_ANSWER"
    assert caught.value.status == 200


def test_a_page_without_operations_is_an_error_in_words(fake_api: FakeApi) -> None:
    fake_api.answer(Reply(200, {"items": []}))
    with pytest.raises(OperationsError, match="list of operations"):
        fake_client(fake_api).list_page()
