"""`make screenshots` and the browser tests' Chromium: what they seed, and what they say without a browser."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from devtools import console_screenshots
from operations_api.record.validation import validate


def test_every_operation_the_screenshots_seed_is_one_the_api_accepts() -> None:
    now = datetime(2026, 11, 30, 9, 0, 0, tzinfo=UTC)
    records = [
        console_screenshots.readme_operation(),
        console_screenshots.full_operation(),
        *console_screenshots.recent_operations(now),
    ]
    for record in records:
        assert validate(record) == record
    assert {record["status"] for record in records} == {"executing", "failed", "completed", "canceled"}


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
