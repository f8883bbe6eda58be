"""`make screenshots` and the browser tests' Chromium: what they seed, and what they say without a browser."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from devtools import console_screenshots
from operations_api.record.validation import validate
from operations_client import OperationsClient
from tests.client.fake_api import FakeApi, serve
from tests.client.history_entries import entries_of
from tests.support.environment import TABLE_NAME
from tests.support.handlers import Invoke


def test_every_operation_the_screenshots_seed_is_one_the_api_accepts() -> None:
    now = datetime(2026, 11, 30, 9, 0, 0, tzinfo=UTC)
    records = [
        console_screenshots.readme_operation(),
        *console_screenshots.full_operation_steps(),
        *console_screenshots.recent_operations(now),
    ]
    for record in records:
        assert validate(record) == record
    assert {record["status"] for record in records} == {"executing", "failed", "completed", "canceled"}


def test_the_failed_operation_is_seeded_change_by_change_as_its_worker_would_report_it() -> None:
    steps = console_screenshots.full_operation_steps()
    assert steps[-1] == console_screenshots.full_operation()
    assert [step["status"] for step in steps] == ["executing"] * 3 + ["failed"]
    times = [step["last_update_time"] for step in steps]
    assert times == sorted(times), "each a later report: none refused as stale"
    assert len(set(times)) == len(steps)


def test_each_change_of_the_failed_operation_is_stored_with_its_writer(put: Invoke, table: Any) -> None:
    """What the history screenshot shows in its BY column: the PUT function stores the signed caller."""
    steps = console_screenshots.full_operation_steps()
    writers = console_screenshots.full_operation_writers()
    assert len(set(writers)) == 2
    key = {"operation_id": {"S": steps[0]["operation_id"]}}
    for record, principal in zip(steps, writers, strict=True):
        assert put(console_screenshots.signed_put(record, principal))["statusCode"] == 200
        item = table.get_item(TableName=TABLE_NAME, Key=key)["Item"]
        assert (item["_principal"]["S"], item["last_update_time"]["S"]) == (
            principal,
            record["last_update_time"],
        )


@pytest.fixture
def fake_api() -> Iterator[FakeApi]:
    yield from serve()


def test_the_screenshots_wait_for_the_history_to_show_the_last_change(fake_api: FakeApi) -> None:
    steps = console_screenshots.full_operation_steps()
    operation_id = steps[-1]["operation_id"]
    client = OperationsClient(fake_api.url)
    fake_api.serve_history(operation_id, steps, entries_of(steps[:-1]))
    assert not console_screenshots.history_recorded(client, operation_id, patience=0)
    fake_api.serve_history(operation_id, steps, entries_of(steps))
    assert console_screenshots.history_recorded(client, operation_id)


def test_without_chromium_or_its_driver_the_reason_names_what_is_missing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(console_screenshots, "CHROMEDRIVER", tmp_path / "chromedriver")
    reason = console_screenshots.missing_browser() or ""
    assert f"{tmp_path / 'chromedriver'} not installed" in reason
    assert "apt-get install chromium chromium-driver" in reason


def test_without_chromium_make_screenshots_fails_saying_why(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(console_screenshots, "CHROMIUM", tmp_path / "chromium")
    assert console_screenshots.main() == 1
    assert "make screenshots needs Chromium" in capsys.readouterr().err
