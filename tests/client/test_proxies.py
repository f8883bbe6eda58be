"""A client behind a proxy (docs/client.md): HTTPS_PROXY, HTTP_PROXY and NO_PROXY are read as urllib and curl
read them. The fake API stands in for a plain HTTP proxy: it receives the whole URL of the endpoint."""

from __future__ import annotations

import pytest

from operations_client import OperationsClient
from operations_client._transport import Connections
from tests.client.fake_api import FakeApi, Reply
from tests.support.cli import FAST
from tests.support.records import record_for

UNREACHABLE = "http://api.invalid:8443"  # a name that never resolves: only the proxy can reach it
PROXY_VARIABLES = ("http_proxy", "https_proxy", "no_proxy", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY")


@pytest.fixture(autouse=True)
def no_proxy_of_the_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)


def test_a_call_goes_through_the_proxy_that_http_proxy_names(
    fake_api: FakeApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", fake_api.url.replace("http://", "http://ops:s%40cret@"))
    fake_api.answer(Reply(200, record_for("op-1"), {"ETag": '"v1"'}), Reply(200, record_for("op-1")))
    client = OperationsClient(UNREACHABLE, retry_policy=FAST)
    assert client.get("op-1").record == record_for("op-1")
    client.get("op-1")
    first = fake_api.received[0]
    assert first.raw_path == f"{UNREACHABLE}/v1/operations/op-1"
    assert first.headers["Host"] == "api.invalid:8443"
    assert first.headers["Proxy-Authorization"] == "Basic b3BzOnNAY3JldA=="  # ops:s@cret
    assert fake_api.connections == 1  # the proxy's connection is kept, as the endpoint's is


def test_no_proxy_sends_the_call_to_the_endpoint_itself(
    fake_api: FakeApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.invalid:3128")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    fake_api.answer(Reply(200, record_for("op-1")))
    assert OperationsClient(fake_api.url, retry_policy=FAST).get("op-1").record == record_for("op-1")
    assert fake_api.received[0].raw_path == "/v1/operations/op-1"


def test_an_https_endpoint_is_tunnelled_through_https_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("HTTP_PROXY", "http://wrong.example:1")
    connection = Connections("https://abc.execute-api.eu-west-1.amazonaws.com", 5.0).take()
    assert (connection.host, connection.port) == ("proxy.example", 3128)
    assert connection._tunnel_host == "abc.execute-api.eu-west-1.amazonaws.com"  # type: ignore[attr-defined]


def test_without_proxy_variables_the_endpoint_is_called_directly() -> None:
    connection = Connections("https://abc.execute-api.eu-west-1.amazonaws.com", 5.0).take()
    assert (connection.host, connection.port) == ("abc.execute-api.eu-west-1.amazonaws.com", 443)
