"""The integrity tests' fixtures: dynalite, the handlers pointed at any DynamoDB endpoint, fault servers.

dynalite runs once per session (a subprocess, stopped by pid). Each test that uses it gets a table of its
own, so tests never see each other's records. The service reads its endpoint from the environment once
and caches its client: `use_endpoint` sets both and puts them back afterwards, so that the moto-backed
tests elsewhere never talk to anything but moto.
"""

from __future__ import annotations

from collections.abc import Iterator
from types import ModuleType

import pytest

from devtools import dynalite
from devtools.local_api import forget_cached_configuration
from tests.support.dynamodb import DynamoTable, UseEndpoint, new_table_name
from tests.support.handlers import Invoke, invoker
from tests.support.servers import running_fleet, serving_in_process

FLEET_SIZE = 7


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test that needs dynalite, directly or through a fixture, is marked so (`-m "not dynalite"`)."""
    for item in items:
        if "dynalite_server" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.dynalite)


@pytest.fixture(scope="session")
def dynalite_server() -> Iterator[dynalite.Dynalite]:
    reason = dynalite.missing_reason()
    if reason is not None:
        pytest.skip(f"dynalite-backed test skipped: {reason}")
    server = dynalite.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def dynalite_table(dynalite_server: dynalite.Dynalite) -> DynamoTable:
    name = new_table_name()
    dynalite_server.create_table(name)
    return DynamoTable(dynalite_server.endpoint_url, name, dynalite_server.client())


@pytest.fixture
def use_endpoint(monkeypatch: pytest.MonkeyPatch) -> Iterator[UseEndpoint]:
    """Point the service at a DynamoDB endpoint and table, with a fresh client; undone after the test."""

    def point(endpoint_url: str, table_name: str) -> None:
        monkeypatch.setenv("DYNAMODB_ENDPOINT_URL", endpoint_url)
        monkeypatch.setenv("TABLE_NAME", table_name)
        forget_cached_configuration()

    yield point
    monkeypatch.undo()
    forget_cached_configuration()


@pytest.fixture
def service_on_dynalite(dynalite_table: DynamoTable, use_endpoint: UseEndpoint) -> DynamoTable:
    """The service (handlers and store, in this process) backed by a fresh dynalite table."""
    use_endpoint(dynalite_table.endpoint_url, dynalite_table.name)
    return dynalite_table


@pytest.fixture
def invoke_put(put_handler: ModuleType) -> Invoke:
    """The PUT handler, on whatever endpoint the test points the service at."""
    return invoker(put_handler)


@pytest.fixture
def invoke_get(get_handler: ModuleType) -> Invoke:
    return invoker(get_handler)


@pytest.fixture
def put_on_dynalite(service_on_dynalite: DynamoTable, invoke_put: Invoke) -> Invoke:
    return invoke_put


@pytest.fixture
def get_on_dynalite(service_on_dynalite: DynamoTable, invoke_get: Invoke) -> Invoke:
    return invoke_get


@pytest.fixture(scope="module")
def http_on_dynalite(dynalite_server: dynalite.Dynalite) -> Iterator[str]:
    """The local server backed by a fresh dynalite table: its base URL."""
    name = new_table_name()
    dynalite_server.create_table(name)
    with serving_in_process(dynalite_server.endpoint_url, name) as base_url:
        yield base_url


@pytest.fixture(scope="module")
def fleet_on_dynalite(dynalite_server: dynalite.Dynalite) -> Iterator[list[str]]:
    """FLEET_SIZE local servers, each a process serving one request at a time (as a Lambda execution
    environment does), all on one fresh dynalite table: their base URLs."""
    name = new_table_name()
    dynalite_server.create_table(name)
    with running_fleet(dynalite_server.endpoint_url, name, FLEET_SIZE) as base_urls:
        yield base_urls


@pytest.fixture(scope="module")
def http_server(request: pytest.FixtureRequest) -> Iterator[str]:
    """The local server on dynalite where it is installed, else on the server's own embedded moto."""
    if dynalite.missing_reason() is not None:
        with serving_in_process(None, new_table_name()) as moto_base_url:
            yield moto_base_url
        return
    dynalite_base_url: str = request.getfixturevalue("http_on_dynalite")
    yield dynalite_base_url
