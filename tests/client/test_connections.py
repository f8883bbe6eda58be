"""One connection per client (docs/client.md): the pages of a list and the polls of a watch go over the
connection the first call opened, kept alive; a connection the server closed is replaced, unnoticed."""

from __future__ import annotations

from typing import Any

import pytest

from operations_client import OperationsClient
from tests.client.fake_api import FakeApi, Reply, summary
from tests.support.cli import FAST, RunCli
from tests.support.records import record_for


def fake_client(fake_api: FakeApi) -> OperationsClient:
    return OperationsClient(fake_api.url, retry_policy=FAST)


@pytest.mark.parametrize(("operations", "pages"), [(0, 1), (1, 1), (7, 3)])
def test_a_list_of_any_length_uses_one_connection(fake_api: FakeApi, operations: int, pages: int) -> None:
    fake_api.summaries = [summary(n) for n in range(operations)]
    listed = list(fake_client(fake_api).list(page_size=3))
    assert listed == fake_api.summaries
    assert len(fake_api.received) == pages
    assert fake_api.connections == 1


def version(etag: str, status: str = "executing", **fields: Any) -> Reply:
    record = record_for("op-1", status=status, **fields)
    if status == "completed":
        record["response"] = {"status_code": 201, "body": ""}
    return Reply(200, record, {"ETag": etag})


def test_a_watch_of_several_polls_uses_one_connection(
    fake_api: FakeApi, run_cli: RunCli, sleeps: list[float]
) -> None:
    fake_api.answer(
        version('"v1"'),
        version('"v1"'),
        version('"v2"', sub_status="1/2", last_update_time="20261122_064300"),
        version('"v3"', status="completed", last_update_time="20261122_064400"),
    )
    result = run_cli("--endpoint", fake_api.url, "watch", "op-1")
    assert result.exit_code == 0, result.stderr
    assert len(result.stdout.splitlines()) == 3  # one line per version
    assert len(fake_api.received) == 4
    assert len(sleeps) == 3  # polls, not retries
    assert fake_api.connections == 1


def test_a_connection_the_server_closes_is_replaced(fake_api: FakeApi, sleeps: list[float]) -> None:
    fake_api.answer(version('"v1"'), Reply(200, record_for("op-1"), {"ETag": '"v1"', "Connection": "close"}))
    client = fake_client(fake_api)
    assert [client.get("op-1").etag for _ in range(2)] == ['"v1"', '"v1"']
    assert fake_api.connections == 1
    fake_api.answer(version('"v2"'))
    assert client.get("op-1").etag == '"v2"'  # the server said it closed the last one: a new one
    assert fake_api.connections == 2
    fake_api.drop_connections()  # as a server closes those idle too long
    fake_api.answer(version('"v3"'))
    assert client.get("op-1").etag == '"v3"'
    assert fake_api.connections == 3
    assert sleeps == []  # each replaced before a request was lost on it: no retry
