"""An in-process local server leaves nothing behind once stopped inside `environment_restored` (how the
http tests' `local_api` fixture runs it): a test that runs later in the same session, on its own moto,
must not see the server's endpoints in the environment or the service's cached clients, nor its stream
follower reading the tables that test makes (moto keeps every table of the process in one place)."""

from __future__ import annotations

import os
import threading

from devtools import local_server
from devtools.local_api import forget_cached_configuration
from tests.support.e2e import eventually
from tests.support.servers import environment_restored

SERVER_THREADS = {"local-api", "local-events"}


def server_threads() -> set[str]:
    return {thread.name for thread in threading.enumerate() if thread.is_alive()} & SERVER_THREADS


def test_after_the_server_stops_its_environment_clients_and_threads_are_gone() -> None:
    from operations_api import store
    from operations_api.events import publisher

    before = dict(os.environ)
    with environment_restored():
        os.environ.pop("DYNAMODB_ENDPOINT_URL", None)
        running = local_server.start(port=0)
        try:
            assert store.dynamodb_client().meta.endpoint_url == running.dynamodb_endpoint
            assert publisher.events_client().meta.endpoint_url == os.environ["EVENTS_ENDPOINT_URL"]
            assert server_threads() == SERVER_THREADS
        finally:
            running.stop()
    assert dict(os.environ) == before
    try:
        assert "127.0.0.1" not in store.dynamodb_client().meta.endpoint_url
        assert "127.0.0.1" not in publisher.events_client().meta.endpoint_url
    finally:
        forget_cached_configuration()  # the clients made just now, against AWS, are not for later tests
    eventually(lambda: not server_threads(), "the server's threads ended")
