"""Several local servers, each its own process serving one request at a time, on one DynamoDB.

This is how Lambda runs the functions: many execution environments at once, each handling one request at
a time. It is also the only safe way to run Powertools resolvers concurrently: `BaseRouter.current_event`
is a class attribute, shared by every resolver in a process, so two requests resolved at once in one
process can see each other's event.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from devtools.dynalite import free_port
from devtools.processes import LoggedProcess
from tests.integrity.http_client import get

ROOT: Final = Path(__file__).resolve().parents[2]
STARTUP_SECONDS: Final = 60.0


@dataclass
class ServerProcess(LoggedProcess):
    url: str


def start_server_process(endpoint_url: str, table_name: str) -> ServerProcess:
    port = free_port()
    environment = {
        **os.environ,
        "PORT": str(port),
        "DYNAMODB_ENDPOINT_URL": endpoint_url,
        "TABLE_NAME": table_name,
    }
    log = tempfile.TemporaryFile()  # noqa: SIM115 (closed by ServerProcess.stop)
    command = [sys.executable, "-m", "devtools.local_server"]
    process = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT)
    return ServerProcess(process, log, f"http://127.0.0.1:{port}")


def wait_until_answering(server: ServerProcess, deadline: float) -> None:
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(
                f"the local server exited with {server.process.returncode}: {server.output(3000)}"
            )
        try:
            if get(server.url, "readiness-probe").status == 404:
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"the local server did not answer within {STARTUP_SECONDS} s: {server.output(3000)}")


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
