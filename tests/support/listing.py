"""What the list's tests share: the list event, a page walk, and the expected list computed in Python."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qsl, urlencode

from operations_api import settings, store
from operations_api.listing.index import epoch_seconds
from operations_api.record.rules import STATUSES, TERMINAL_STATUSES
from tests.support.events import load_event

LONGEST_TOKEN = 512  # characters: the performance issue's goal for every page token (the list's, history's)
ListCall = Callable[[str], tuple[int, dict[str, Any]]]  # a raw query string -> (status, JSON answer)


def list_event(raw_query: str) -> dict[str, Any]:
    """events/list_operations.json with another query, as API Gateway would send it (repeats joined)."""
    return query_event("list_operations", raw_query)


def query_event(name: str, raw_query: str) -> dict[str, Any]:
    """events/<name>.json with another query, as API Gateway would send it (repeats joined)."""
    event = copy.deepcopy(load_event(name))
    event["rawQueryString"] = raw_query
    joined: dict[str, str] = {}
    for name, value in parse_qsl(raw_query, keep_blank_values=True):
        joined[name] = f"{joined[name]},{value}" if name in joined else value
    if joined:
        event["queryStringParameters"] = joined
    else:
        event.pop("queryStringParameters", None)
    return event


def query_string(**parameters: Any) -> str:
    return urlencode({name: value for name, value in parameters.items() if value is not None})


def walk(call: ListCall, **filters: Any) -> list[dict[str, Any]]:
    """Every summary of every page, following next_page_token; each page checked as the contract says:
    full until the last, never empty when it promises a next one, its token within 512 characters."""
    page_size = int(filters.get("page_size") or 25)
    summaries: list[dict[str, Any]] = []
    token: str | None = None
    for _ in range(10_000):
        status, answer = call(query_string(**filters, page_token=token))
        assert status == 200, answer
        token = answer.get("next_page_token")
        if token is not None:
            assert len(answer["operations"]) == page_size, "every page but the last is full"
            assert len(token) <= LONGEST_TOKEN, f"a token of {len(token)} characters"
        else:
            assert len(answer["operations"]) <= page_size
        summaries.extend(answer["operations"])
        if token is None:
            return summaries
    raise AssertionError("the pages never ended")


def newest_first(summaries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    by_id = sorted(summaries, key=lambda summary: summary["operation_id"])
    return sorted(by_id, key=lambda summary: summary["last_update_time"], reverse=True)


def expected(
    records: list[dict[str, Any]],
    *,
    status: str | None = None,
    updated_since: str | None = None,
    updated_before: str | None = None,
    now: float = 0.0,
    retention_days: int = 0,
) -> list[str]:
    """The ids the list must give, in order, computed in Python from the records written."""
    statuses = set(status.split(",")) if status else set(STATUSES)

    def live(record: dict[str, Any]) -> bool:
        if retention_days == 0 or record["status"] not in TERMINAL_STATUSES:
            return True
        return epoch_seconds(record["last_update_time"]) + retention_days * 86_400 > now

    chosen = [
        record
        for record in records
        if record["status"] in statuses
        and (updated_since is None or record["last_update_time"] >= updated_since)
        and (updated_before is None or record["last_update_time"] < updated_before)
        and live(record)
    ]
    return [summary["operation_id"] for summary in newest_first(chosen)]


@contextmanager
def service_settings(**variables: str) -> Iterator[None]:
    """The service reading other environment variables (LIST_SHARDS, RETENTION_DAYS, TABLE_NAME...), with
    fresh settings and client; put back afterwards. (Not monkeypatch: hypothesis tests use it per example.)"""
    import os

    saved = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)
    _forget()
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        _forget()


def _forget() -> None:
    settings.get_settings.cache_clear()
    store.dynamodb_client.cache_clear()


def answer_of(result: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    body: dict[str, Any] = json.loads(result["body"])
    return int(result["statusCode"]), body
