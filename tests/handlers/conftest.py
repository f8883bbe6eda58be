"""Fixtures of the stream consumer's tests: the consumer's module, and the pipeline on moto."""

from __future__ import annotations

import os
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest

from tests.support.change_events import Pipeline, use_bus
from tests.support.handlers import load_function


@pytest.fixture(scope="session")
def publish_handler() -> ModuleType:
    return load_function("publish_events")


@pytest.fixture
def pipeline(table: Any, publish_handler: ModuleType) -> Iterator[Pipeline]:
    from operations_api.events import publisher

    use_bus()
    yield Pipeline(publish_handler)
    os.environ.pop("EVENT_BUS_NAME", None)
    publisher.events_client.cache_clear()
