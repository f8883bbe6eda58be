"""The console's routes with a fake client: which API call each URL makes, and the page for each answer."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import pytest

from operations_api.record.summary import summarize
from operations_client import (
    CredentialsError,
    HistoryPage,
    NotFoundError,
    Operation,
    OperationsClient,
    OperationsError,
    Page,
    StoredRecord,
    UnavailableError,
    ValidationError,
)
from operations_client._console.app import Console
from operations_client._errors import client_problem
from tests.console.html_text import read
from tests.support.records import full_record, minimal_record

NOW = datetime(2026, 11, 22, 7, 0, 0, tzinfo=UTC)
ENDPOINT = "http://127.0.0.1:3000"


def stored(record: dict[str, Any]) -> StoredRecord:
    raw = json.dumps(record, separators=(",", ":"))
    return StoredRecord(record=cast(Operation, record), etag='"v1"', raw=raw)


NOT_FOUND = {"status": 404, "code": "OPERATION_NOT_FOUND", "detail": "no such operation"}


@dataclass
class FakeClient:
    """Answers from a dict of records (and of histories: their versions and entries); raises `error`
    instead when set; records the list calls."""

    records: dict[str, StoredRecord] = field(default_factory=dict)
    next_page_token: str | None = None
    error: OperationsError | None = None
    list_calls: list[dict[str, Any]] = field(default_factory=list)
    versions: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    entries: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def get(self, operation_id: str, *, sequence: int | None = None) -> StoredRecord:
        if self.error is not None:
            raise self.error
        if sequence is not None:
            if not 1 <= sequence <= len(self.versions.get(operation_id, ())):
                raise NotFoundError(NOT_FOUND)
            return stored(self.versions[operation_id][sequence - 1])
        if operation_id not in self.records:
            raise NotFoundError(NOT_FOUND)
        return self.records[operation_id]

    def history_page(
        self, operation_id: str, *, page_size: int | None = None, page_token: str | None = None
    ) -> HistoryPage:
        """The entries in pages, each token the offset of the next; 404 for an operation without any."""
        entries = self.entries.get(operation_id)
        if not entries:
            raise NotFoundError(NOT_FOUND)
        start, size = int(page_token or 0), page_size or 25
        following = str(start + size) if start + size < len(entries) else None
        return HistoryPage(entries=entries[start : start + size], next_page_token=following)

    def list_page(self, **filters: Any) -> Page:
        self.list_calls.append(filters)
        if self.error is not None:
            raise self.error
        summaries = [summarize(dict(stored.record)) for stored in self.records.values()]
        return Page(operations=summaries, next_page_token=self.next_page_token)


def console_with(*records: dict[str, Any], **client: Any) -> tuple[Console, FakeClient]:
    fake = FakeClient({record["operation_id"]: stored(record) for record in records}, **client)
    return Console(cast(OperationsClient, fake), ENDPOINT, clock=lambda: NOW), fake


def test_the_list_asks_the_api_for_the_url_s_filters_and_shows_each_operation() -> None:
    console, fake = console_with(full_record(), minimal_record(), next_page_token="token-2")
    reply = console.answer("/?status=failed&status=executing&window=1h&page_size=10&page=token-1")
    assert reply.status == 200
    assert reply.content_type == "text/html; charset=utf-8"
    assert fake.list_calls == [
        {
            "status": ["executing", "failed"],
            "updated_since": "20261122_060000",
            "page_size": 10,
            "page_token": "token-1",
        }
    ]
    page = read(reply.body.decode())
    assert page.of_class("operation-id") == [full_record()["operation_id"], "op-1"]
    assert "page=token-1&amp;page=token-2" in reply.body.decode()


def test_the_operation_page_and_the_raw_json_come_from_one_get() -> None:
    record = full_record()
    console, _ = console_with(record)
    page = console.answer(f"/operations/{record['operation_id']}")
    raw = console.answer(f"/operations/{record['operation_id']}.json")
    assert page.status == 200
    assert read(page.body.decode()).of_class("cluster-id") == [
        "cluster-a",
        "cluster-b",
        "cluster-c",
        "cluster-a",
    ]
    assert (raw.status, raw.content_type) == (200, "application/json; charset=utf-8")
    assert raw.body.decode() == stored(record).raw
    assert raw.headers["ETag"] == '"v1"'


def test_an_id_that_ends_in_json_has_a_page_of_its_own() -> None:
    console, _ = console_with(
        minimal_record(operation_id="report.json"), minimal_record(operation_id="report")
    )
    assert read(console.answer("/operations/report%2Ejson").body.decode()).of_class("operation-id") == [
        "report.json"
    ]
    assert json.loads(console.answer("/operations/report.json.json").body)["operation_id"] == "report.json"
    assert json.loads(console.answer("/operations/report.json").body)["operation_id"] == "report"


def test_a_missing_operation_is_a_404_page_naming_the_id_as_text() -> None:
    console, _ = console_with()
    reply = console.answer("/operations/%3Cscript%3Ealert(1)%3C%2Fscript%3E")
    page = read(reply.body.decode())
    assert reply.status == 404
    assert "No operation has the id '<script>alert(1)</script>'" in page.text
    assert page.of_class("problem-code") == ["OPERATION_NOT_FOUND"]
    assert page.scripts == []


@pytest.mark.parametrize(
    ("error", "status", "title", "code"),
    [
        (
            UnavailableError(client_problem("CONNECTION_FAILED", "connection refused")),
            502,
            "The API cannot be reached",
            "CONNECTION_FAILED",
        ),
        (
            UnavailableError({"status": 503, "code": "STORE_UNAVAILABLE", "detail": "DynamoDB throttled"}),
            502,
            "The API answered with an error",
            "STORE_UNAVAILABLE",
        ),
        (
            CredentialsError(client_problem("CREDENTIALS_MISSING", "no AWS credentials found")),
            503,
            "No AWS credentials",
            "CREDENTIALS_MISSING",
        ),
        (
            ValidationError(
                {
                    "status": 400,
                    "code": "VALIDATION_ERROR",
                    "detail": "1 problem",
                    "errors": [{"parameter": "updated_since", "detail": "must be a real time"}],
                }
            ),
            400,
            "The API refused this request",
            "VALIDATION_ERROR",
        ),
    ],
)
def test_an_api_failure_is_a_page_with_the_problem_s_code_and_detail(
    error: OperationsError, status: int, title: str, code: str
) -> None:
    console, _ = console_with(error=error)
    for target in ("/", "/operations/op-1", "/operations/op-1.json"):
        reply = console.answer(target)
        page = read(reply.body.decode())
        assert reply.status == status
        assert reply.content_type.startswith("text/html")
        assert page.of_class("problem-code") == [code]
        assert page.of_class("problem-detail") == [error.detail]
        assert page.of_class("problem-status") == ([str(error.status)] if error.status else [])
        assert title in page.text
        assert [e.get("detail") for e in error.errors] == page.of_class("problem-error")


def test_an_unknown_window_is_the_console_s_own_400_page() -> None:
    console, fake = console_with()
    reply = console.answer("/?window=2w")
    assert reply.status == 400
    assert "unknown time window '2w'" in read(reply.body.decode()).text
    assert fake.list_calls == []


@pytest.mark.parametrize(
    "target", ["/nowhere", "/operations/", "/operations/.json", "/operations/a/b", "/static/../app.py"]
)
def test_any_other_path_is_a_404_page(target: str) -> None:
    console, _ = console_with(minimal_record())
    reply = console.answer(target)
    assert reply.status == 404
    assert "The console has no page at" in read(reply.body.decode()).text


def test_the_stylesheet_and_the_script_ship_in_the_package() -> None:
    console, _ = console_with()
    css, script = console.answer("/static/console.css"), console.answer("/static/console.js")
    assert (css.status, css.content_type) == (200, "text/css; charset=utf-8")
    assert b".badge.status-failed" in css.body
    assert (script.status, script.content_type) == (200, "text/javascript; charset=utf-8")
    assert b"data-refresh" in script.body


def test_an_unexpected_failure_is_a_500_page_not_a_dropped_connection() -> None:
    console, fake = console_with()
    fake.records = cast(dict[str, StoredRecord], None)  # get() will fail with a TypeError
    reply = console.answer("/operations/op-1")
    assert reply.status == 500
    assert "The console failed: TypeError" in read(reply.body.decode()).text


def test_without_aws_credentials_a_signing_console_says_so_before_sending_anything(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    endpoint = "https://abc123.execute-api.us-east-1.amazonaws.com"
    console = Console(OperationsClient(endpoint), endpoint, clock=lambda: NOW)
    reply = console.answer("/")
    page = read(reply.body.decode())
    assert reply.status == 503
    assert page.of_class("problem-code") == ["CREDENTIALS_MISSING"]
    assert "The console signs its calls to https://abc123.execute-api" in page.text
