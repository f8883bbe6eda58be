"""The local server (`make run`), started in this process on a free port with moto behind it (its client:
tests/support/http.py). The records come from the event fixtures in events/, so these tests send what
`sam local invoke -e` would."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from devtools import local_server
from devtools.local_api import forget_cached_configuration


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
