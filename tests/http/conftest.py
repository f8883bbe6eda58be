"""The local server (`make run`), started in this process on a free port with moto behind it, and a small
urllib client. The records come from the event fixtures in events/, so these tests send what
`sam local invoke -e` would."""

from __future__ import annotations

import json
import os
import socket
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from devtools import local_server
from devtools.local_api import forget_cached_configuration
from devtools.template import ROOT

EVENTS = ROOT / "events"


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def call(url: str, method: str = "GET", body: bytes | str | None = None, **headers: str) -> Answer:
    """One HTTP request; header names are given in Python spelling (If_Match for If-Match)."""
    data = body.encode() if isinstance(body, str) else body
    request = urllib.request.Request(url, data=data, method=method)
    for name, value in headers.items():
        request.add_header(name.replace("_", "-"), value)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return Answer(response.status, dict(response.headers.items()), response.read())
    except urllib.error.HTTPError as error:
        return Answer(error.code, dict(error.headers.items()), error.read())


def event_body(name: str) -> str:
    """The request body of events/<name>.json, as API Gateway would pass it."""
    event = json.loads((EVENTS / f"{name}.json").read_text(encoding="utf-8"))
    body: str = event["body"]
    return body


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def local_api() -> Iterator[str]:
    """The base URL of a running local API; the process environment is put back afterwards."""
    saved = dict(os.environ)
    os.environ.pop("DYNAMODB_ENDPOINT_URL", None)
    running = local_server.start(port=0)
    try:
        yield running.url
    finally:
        running.stop()
        os.environ.clear()
        os.environ.update(saved)
        forget_cached_configuration()
