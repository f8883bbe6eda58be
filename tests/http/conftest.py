"""The local server (`make run`), started in-process on a free port, with moto behind it."""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from devtools import local_server


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def call(url: str, method: str = "GET", body: bytes | str | None = None, **headers: str) -> Answer:
    data = body.encode() if isinstance(body, str) else body
    request = urllib.request.Request(url, data=data, method=method)
    for name, value in headers.items():
        request.add_header(name.replace("_", "-"), value)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return Answer(response.status, dict(response.headers.items()), response.read())
    except urllib.error.HTTPError as error:
        return Answer(error.code, dict(error.headers.items()), error.read())


@pytest.fixture(scope="session")
def local_api() -> Iterator[str]:
    """The base URL of a running local API; the process environment is restored afterwards."""
    saved = dict(os.environ)
    os.environ.pop("DYNAMODB_ENDPOINT_URL", None)
    running = local_server.start(port=0)
    try:
        yield running.url
    finally:
        running.stop()
        os.environ.clear()
        os.environ.update(saved)
        local_server._forget_cached_configuration()
