"""The client's tests: the local server (`make run`'s, with moto behind it, in a process of its own), a
scripted fake API for what the real one rarely does, and opsctl run in-process by Click's runner."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from click.testing import CliRunner, Result

from operations_client import OperationsClient, _retry
from operations_client._cli import cli
from tests.client.fake_api import FakeApi, serve
from tests.support.cli import FAST, Polls, RunCli
from tests.support.records import full_record
from tests.support.servers import running_server


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Every delay the client sleeps (retries and polling), recorded and not waited out."""
    delays: list[float] = []
    monkeypatch.setattr(_retry, "sleep", delays.append)
    return delays


@pytest.fixture
def fake_api() -> Iterator[FakeApi]:
    yield from serve()


@pytest.fixture(scope="session")
def local_api() -> Iterator[str]:
    """The base URL of `python -m devtools.local_server` on a port of its choosing, with its own moto. A
    process apart: its log lines never mix with what opsctl prints."""
    with running_server() as url:
        yield url


@pytest.fixture
def client(local_api: str) -> OperationsClient:
    return OperationsClient(local_api, retry_policy=FAST)


@pytest.fixture
def new_id(request: pytest.FixtureRequest) -> str:
    """An operation id of this test's own: the local server's table is shared by the session."""
    return f"client-{request.node.name}"[:128].replace("[", "-").replace("]", "")


@pytest.fixture
def failed_op(client: OperationsClient, new_id: str) -> str:
    """A failed operation with three target clusters: one succeeded, one failed, one pending."""
    client.put(new_id, {**full_record(), "operation_id": new_id})
    return new_id


@pytest.fixture
def run_cli(local_api: str) -> RunCli:
    """`opsctl ARGS…` against the local server, in-process; stdout and stderr apart."""

    def run(
        *args: str, input: str | None = None, endpoint: str | None = local_api, columns: int = 80
    ) -> Result:
        env = {"OPERATIONS_API_URL": endpoint or "", "COLUMNS": str(columns)}
        return CliRunner().invoke(cli, list(args), input=input, env=env, catch_exceptions=False)

    return run


@pytest.fixture
def polls(monkeypatch: pytest.MonkeyPatch) -> Polls:
    """Every OperationsClient.get of the test, the CLI's included, counted as it completes."""
    counter = Polls()
    read = OperationsClient.get

    def counted(self: OperationsClient, operation_id: str) -> Any:
        try:
            return read(self, operation_id)
        finally:
            counter.seen()

    monkeypatch.setattr(OperationsClient, "get", counted)
    return counter
