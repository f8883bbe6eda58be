"""The console's server: loopback only, GET only, and only for its own origin (no DNS rebinding, no
cross-site loads), with headers that forbid framing and cross-origin reads."""

from __future__ import annotations

import http.client
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest

from operations_client._console.server import Reply, refusal, start_in_background
from tests.support.cli import PATIENCE

PORT = 8765
OWN = {"host": f"127.0.0.1:{PORT}"}


@pytest.mark.parametrize(
    "headers",
    [
        OWN,
        {"host": f"localhost:{PORT}"},
        {"host": f"LOCALHOST:{PORT}"},
        {**OWN, "origin": f"http://127.0.0.1:{PORT}"},
        {**OWN, "origin": f"http://localhost:{PORT}"},
        {**OWN, "sec-fetch-site": "same-origin", "sec-fetch-mode": "cors", "sec-fetch-dest": "empty"},
        {**OWN, "sec-fetch-site": "none", "sec-fetch-mode": "navigate", "sec-fetch-dest": "document"},
        {**OWN, "sec-fetch-site": "cross-site", "sec-fetch-mode": "navigate", "sec-fetch-dest": "document"},
    ],
)
def test_a_request_addressed_to_the_console_from_its_own_pages_or_a_followed_link_is_served(
    headers: dict[str, str],
) -> None:
    assert refusal(headers, PORT) is None


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({}, "Host was ''"),
        ({"host": "evil.example:8765"}, "Host was 'evil.example:8765'"),
        ({"host": "127.0.0.1:8766"}, "Host was '127.0.0.1:8766'"),
        ({"host": "127.0.0.1"}, "Host was '127.0.0.1'"),
        ({**OWN, "origin": "http://evil.example"}, "Origin was 'http://evil.example'"),
        ({**OWN, "origin": "null"}, "Origin was 'null'"),
        ({**OWN, "origin": f"https://127.0.0.1:{PORT}"}, "Origin was"),
        (
            {**OWN, "sec-fetch-site": "cross-site", "sec-fetch-mode": "no-cors", "sec-fetch-dest": "script"},
            "loaded",
        ),
        (
            {**OWN, "sec-fetch-site": "cross-site", "sec-fetch-mode": "navigate", "sec-fetch-dest": "iframe"},
            "loaded",
        ),
        (
            {**OWN, "sec-fetch-site": "same-site", "sec-fetch-mode": "cors", "sec-fetch-dest": "empty"},
            "loaded",
        ),
    ],
)
def test_a_request_for_another_host_or_from_another_origin_is_refused_saying_why(
    headers: dict[str, str], reason: str
) -> None:
    assert reason in (refusal(headers, PORT) or "")


@dataclass
class RecordingSite:
    """Answers every GET with the target it was asked for; records the refusals."""

    refusals: list[tuple[int, str]] = field(default_factory=list)

    def answer(self, target: str) -> Reply:
        return Reply(200, target.encode(), "text/plain; charset=utf-8")

    def refused(self, status: int, reason: str) -> Reply:
        self.refusals.append((status, reason))
        return Reply(status, f"refused: {reason}".encode())


@pytest.fixture
def served() -> Iterator[tuple[RecordingSite, int]]:
    site = RecordingSite()
    running = start_in_background(site)
    try:
        yield site, int(urlsplit(running.url).port or 0)
    finally:
        running.stop()


def send(port: int, method: str, target: str, host: str | None = None) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=PATIENCE)
    try:
        connection.putrequest(method, target, skip_host=True)
        connection.putheader("Host", host if host is not None else f"127.0.0.1:{port}")
        connection.endheaders()
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def test_a_get_is_answered_with_headers_that_forbid_framing_sniffing_caching_and_cross_origin_reads(
    served: tuple[RecordingSite, int],
) -> None:
    _, port = served
    status, headers, body = send(port, "GET", "/operations/op-42?x=1")
    assert (status, body) == (200, b"/operations/op-42?x=1")
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert "script-src 'self'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["cross-origin-resource-policy"] == "same-origin"
    assert headers["cache-control"] == "no-store"


def test_a_head_has_the_get_s_headers_and_no_body(served: tuple[RecordingSite, int]) -> None:
    _, port = served
    status, headers, body = send(port, "HEAD", "/abc")
    assert (status, headers["content-length"], body) == (200, "4", b"")


def test_a_rebound_host_name_gets_the_refusal_page(served: tuple[RecordingSite, int]) -> None:
    site, port = served
    status, _, body = send(port, "GET", "/", host=f"attacker.example:{port}")
    assert status == 403
    assert b"attacker.example" in body
    assert site.refusals == [
        (
            403,
            f"this console answers only requests addressed to http://127.0.0.1:{port} "
            f"(Host was 'attacker.example:{port}')",
        )
    ]


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
def test_the_console_only_reads_any_other_method_is_405(
    served: tuple[RecordingSite, int], method: str
) -> None:
    _, port = served
    status, headers, _ = send(port, method, "/operations/op-42")
    assert status == 405
    assert headers["allow"] == "GET, HEAD"


def test_the_console_listens_on_127_0_0_1_alone(served: tuple[RecordingSite, int]) -> None:
    """Linux answers every 127.0.0.0/8 address on a socket bound to all interfaces; ours refuses 127.0.0.2."""
    _, port = served
    with socket.create_connection(("127.0.0.1", port), timeout=PATIENCE):
        pass
    with (
        pytest.raises(ConnectionRefusedError),
        socket.create_connection(("127.0.0.2", port), timeout=PATIENCE),
    ):
        pass
