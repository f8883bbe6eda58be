"""Several local servers, each its own process serving one request at a time, on one DynamoDB.

This is how Lambda runs the functions: many execution environments at once, each handling one request at
a time. It is also the only safe way to run Powertools resolvers concurrently: `BaseRouter.current_event`
is a class attribute, shared by every resolver in a process, so two requests resolved at once in one
process can see each other's event.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Final

from devtools import local_server
from devtools.local_api import forget_cached_configuration
from devtools.processes import LoggedProcess
from tests.support.environment import ROOT
from tests.support.raw_http import get

STARTUP_SECONDS: Final = 180.0  # an outer bound: the wait polls for the banner and an answer


# The local server's banner names the address it listens on (devtools/local_server.py).
LISTENING: Final = re.compile(r"Operations API on (http://\S+)")


@dataclass
class ServerProcess(LoggedProcess):
    url: str = ""


def start_server_process(endpoint_url: str | None = None, table_name: str | None = None) -> ServerProcess:
    """A local server on a port it chooses itself (PORT=0): a port chosen here and handed over could be
    taken by another process, or handed to a second server, before the server binds it. Without an
    endpoint, on a DynamoDB of its own (moto's, embedded), empty."""
    environment = {key: value for key, value in os.environ.items() if key != "DYNAMODB_ENDPOINT_URL"}
    environment["PORT"] = "0"
    if endpoint_url is not None:
        environment["DYNAMODB_ENDPOINT_URL"] = endpoint_url
    if table_name is not None:
        environment["TABLE_NAME"] = table_name
    log = tempfile.TemporaryFile()  # noqa: SIM115 (closed by ServerProcess.stop)
    command = [sys.executable, "-m", "devtools.local_server"]
    process = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT)
    return ServerProcess(process, log)


def wait_until_answering(server: ServerProcess, deadline: float) -> None:
    """Until the server has said where it listens and answers there (its URL is set then)."""
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(
                f"the local server exited with {server.process.returncode}: {server.output(3000)}"
            )
        listening = LISTENING.search(server.output())
        if listening is None:
            time.sleep(0.1)
            continue
        server.url = listening.group(1)
        try:
            if get(server.url, "readiness-probe").status == 404:
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"the local server did not answer within {STARTUP_SECONDS} s: {server.output(3000)}")


@contextmanager
def running_server() -> Iterator[str]:
    """One fresh local server with its own empty DynamoDB, as `make run` starts it; its base URL."""
    server = start_server_process()
    try:
        wait_until_answering(server, time.monotonic() + STARTUP_SECONDS)
        yield server.url
    finally:
        server.stop()


@contextmanager
def running_fleet(endpoint_url: str, table_name: str, size: int) -> Iterator[list[str]]:
    """`size` local servers on the same table, started at once; their base URLs. Stopped by pid."""
    with ExitStack() as stack:
        servers = []
        for _ in range(size):
            server = start_server_process(endpoint_url, table_name)
            stack.callback(server.stop)
            servers.append(server)
        deadline = time.monotonic() + STARTUP_SECONDS
        for server in servers:
            wait_until_answering(server, deadline)
        yield [server.url for server in servers]


@contextmanager
def serving_in_process(endpoint_url: str | None, table_name: str) -> Iterator[str]:
    """The local server, in this process on a free port, on the given DynamoDB (None: its embedded moto).
    Its base URL; the environment and the service's cached clients are put back afterwards."""
    with environment_restored():
        os.environ.pop("DYNAMODB_ENDPOINT_URL", None)
        if endpoint_url is not None:
            os.environ["DYNAMODB_ENDPOINT_URL"] = endpoint_url
        os.environ["TABLE_NAME"] = table_name
        running = local_server.start(port=0)
        try:
            yield running.url
        finally:
            running.stop()


@contextmanager
def environment_restored() -> Iterator[None]:
    """The process environment as it was, and the service's cached settings and clients forgotten, when the
    block ends: an in-process server sets DYNAMODB_ENDPOINT_URL, EVENTS_ENDPOINT_URL and the template's
    variables, which would otherwise send later tests' requests to that server, running or stopped."""
    saved = dict(os.environ)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)
        forget_cached_configuration()
