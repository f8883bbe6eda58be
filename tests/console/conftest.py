"""Fixtures of the console's tests: records and their summaries, as the API gives them."""

from __future__ import annotations

from typing import Any

import pytest

from operations_api.summary import summarize
from tests.conftest import full_record


@pytest.fixture
def full_record_summary() -> tuple[dict[str, Any], dict[str, Any]]:
    """The full record of events/put_operation.json (failed, 3 clusters, a rollback) and its summary."""
    record = full_record()
    return record, summarize(record)
