"""`python -m devtools.local_server` (what `make run` runs) stops on SIGINT or SIGTERM, whatever it is doing:
its process exits 0, having said `stopped`, with every connection ended."""

from __future__ import annotations

import signal
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Final
from urllib.parse import urlsplit

import pytest

from tests.support.servers import STARTUP_SECONDS, ServerProcess, start_server_process, wait_until_answering

pytestmark = pytest.mark.http
STOP_SECONDS: Final = 120.0  # an outer bound only: each wait polls for what it needs


@pytest.fixture
def server() -> Iterator[ServerProcess]:
    """The local server in a process of its own, on its own moto, answering; stopped by pid if left."""
    started = start_server_process()
    try:
        wait_until_answering(started, time.monotonic() + STARTUP_SECONDS)
        yield started
    finally:
        started.stop()


def other_threads_masks(pid: int) -> dict[str, int]:
    """Each thread of the process but the main one (by id and name), and the signals it blocks: a bit per
    signal. (The main thread's shows the signals it waits for unblocked while it waits in sigwait.)"""
    masks = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        status = dict(line.split(":\t", 1) for line in (task / "status").read_text().splitlines())
        if task.name != str(pid):
            masks[f"{task.name} {status['Name']}"] = int(status["SigBlk"], 16)
    return masks


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads the threads' signal masks in /proc")
def test_no_other_thread_of_the_server_can_take_a_stop_signal_from_the_main_one(
    server: ServerProcess,
) -> None:
    """A signal sent to a process goes to any of its threads that does not block it. Python runs handlers in
    the main thread only, and a main thread waiting on a lock is not woken by a signal another thread took:
    the server then served on, deaf to the SIGTERM. Every thread holds them, for the main one's sigwait."""
    masks = other_threads_masks(server.process.pid)
    assert len(masks) >= 3, masks  # the API's, moto's, the stream follower's...
    for signum in (signal.SIGINT, signal.SIGTERM):
        taking = [thread for thread, mask in masks.items() if not mask & 1 << (signum - 1)]
        assert taking == [], f"{signum.name} could be taken by {taking}"


def open_connection(url: str, sent: bytes) -> socket.socket:
    address = urlsplit(url)
    connection = socket.create_connection((address.hostname or "", address.port or 0), timeout=STOP_SECONDS)
    connection.sendall(sent)
    return connection


def read_to_end(connection: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection. A close may come as a reset: the kernel
    resets a connection closed with bytes it has not read (a half-sent body, as the stop found it)."""
    received = bytearray()
    try:
        while chunk := connection.recv(65536):
            received += chunk
    except ConnectionResetError:
        pass
    return bytes(received)


KEPT_ALIVE: Final = b"GET /v1/operations/op-none HTTP/1.1\r\nHost: local\r\n\r\n"
HALF_SENT: Final = b'PUT /v1/operations/op-half HTTP/1.1\r\nHost: local\r\nContent-Length: 10\r\n\r\n{"st'


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["sigint", "sigterm"])
@pytest.mark.parametrize("sent", [KEPT_ALIVE, HALF_SENT], ids=["kept-alive-idle", "request-half-sent"])
def test_a_signal_stops_the_server_and_ends_each_open_connection(
    server: ServerProcess, signum: signal.Signals, sent: bytes
) -> None:
    """A kept-alive connection after its answer, or a request whose body never comes whole: the connection's
    thread is ended and the server closes it, neither left behind nor waited for forever."""
    connection = open_connection(server.url, sent)
    try:
        if sent == KEPT_ALIVE:
            assert connection.recv(65536).startswith(b"HTTP/1.1 404 "), "answered, and the connection kept"
        server.process.send_signal(signum)
        returncode = server.process.wait(timeout=STOP_SECONDS)
        read_to_end(connection)  # returns once the server has closed it
    finally:
        connection.close()
    assert returncode == 0, server.output(3000)
    assert server.output().splitlines()[-1] == "stopped"
    assert "Traceback" not in server.output()
