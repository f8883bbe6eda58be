"""Fixtures of the handlers' tests: the stream consumer's module, the pipeline on moto, the fleet table."""

from __future__ import annotations

import os
from collections.abc import Iterator
from types import ModuleType
from typing import Any
from unittest import mock

import pytest

from tests.support.change_events import Pipeline, use_bus
from tests.support.fleet import FLEET_NOW
from tests.support.handlers import invoker, load_function
from tests.support.history_loop import DeadLetters
from tests.support.listing import ListCall, answer_of, list_event


@pytest.fixture
def fleet(table: Any) -> Iterator[Any]:
    """The tables (the fleet table among them) at a fixed moment, FLEET_NOW: the counts' window and the
    lists' expiry are read against it."""
    from operations_api import store

    with mock.patch.object(store, "now_seconds", return_value=float(FLEET_NOW)):
        yield table


@pytest.fixture(scope="session")
def list_handler() -> ModuleType:
    return load_function("list_operations")


@pytest.fixture
def list_call(table: Any, list_handler: ModuleType) -> ListCall:
    """The list's handler called with a raw query string, as API Gateway's event carries it."""
    invoke = invoker(list_handler)
    return lambda raw_query: answer_of(invoke(list_event(raw_query)))


@pytest.fixture(scope="session")
def count_handler() -> ModuleType:
    return load_function("count_operations")


@pytest.fixture(scope="session")
def history_handler() -> ModuleType:
    return load_function("get_history")


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
