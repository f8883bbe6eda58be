"""Fixtures of the stream consumer's tests: the consumer's module, and the pipeline on moto."""

from __future__ import annotations

import os
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest

from tests.support.change_events import Pipeline, use_bus
from tests.support.handlers import load_function
from tests.support.history_loop import DeadLetters


@pytest.fixture(scope="session")
def publish_handler() -> ModuleType:
    return load_function("publish_events")


@pytest.fixture
def pipeline(table: Any, publish_handler: ModuleType) -> Iterator[Pipeline]:
    from operations_api.events import publisher
    from operations_api.fleet import gauges

    use_bus()
    gauges.forget()  # each test's loop publishes its gauges after its first batch
    yield Pipeline(publish_handler)
    os.environ.pop("EVENT_BUS_NAME", None)
    publisher.events_client.cache_clear()


@pytest.fixture
def dead_letters(table: Any) -> Iterator[DeadLetters]:
    """The loop's dead-letter queue, on moto."""
    queue = DeadLetters()
    yield queue
    queue.close()
