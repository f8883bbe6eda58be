"""A TCP proxy on 127.0.0.1 that sits between the service and DynamoDB and breaks requests on purpose.

Each HTTP request that reaches it takes the next fault from its queue; when the queue is empty, requests
pass through to the upstream DynamoDB unharmed. The faults are those of a real network: nobody answers,
the connection is dropped before the request reaches DynamoDB, or the write happens and its reply is
lost on the way back. (A request cut off halfway through its body is not among them: dynalite 4.0.0
crashes on an aborted request, index.js:212 rethrows the 'aborted' error.)
"""

from __future__ import annotations

import enum
import socket
import socketserver
import threading
from collections import deque
from collections.abc import Iterable
from typing import Final, Protocol

HOST: Final = "127.0.0.1"
SILENCE_LIMIT_SECONDS: Final = 30.0


class Fault(enum.Enum):
    DROP = "accept the connection, then close it without answering"
    SILENCE = "read the request and never answer"
    LOSE_REPLY = "pass the request on, then close the connection instead of answering"


class Readable(Protocol):
    def readline(self, size: int = -1, /) -> bytes: ...

    def read(self, size: int = -1, /) -> bytes: ...


def read_http_message(stream: Readable) -> bytes | None:
    """One HTTP/1.1 request or response with a Content-Length body, as raw bytes; None at end of stream."""
    head = b""
    while not head.endswith(b"\r\n\r\n"):
        line = stream.readline(65536)
        if not line:
            return None
        head += line
    length = 0
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    return head + stream.read(length)


class FaultProxy(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, upstream_url: str, faults: Iterable[Fault] = ()) -> None:
        super().__init__((HOST, 0), _ProxyHandler)
        host, _, port = upstream_url.removeprefix("http://").partition(":")
        self.upstream = (host, int(port))
        self.pending: deque[Fault] = deque(faults)
        self.injected: list[Fault] = []
        self.passed = 0
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def endpoint_url(self) -> str:
        return f"http://{HOST}:{self.server_address[1]}"

    def inject(self, *faults: Fault) -> None:
        with self._lock:
            self.pending.extend(faults)

    def next_fault(self) -> Fault | None:
        with self._lock:
            if not self.pending:
                self.passed += 1
                return None
            fault = self.pending.popleft()
            self.injected.append(fault)
            return fault

    def __enter__(self) -> FaultProxy:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stopping.set()
        self.shutdown()
        self.server_close()
        self._thread.join(timeout=5)

    def forward(self, request: bytes) -> bytes | None:
        with socket.create_connection(self.upstream, timeout=10) as upstream:
            upstream.sendall(request)
            with upstream.makefile("rb") as replies:
                return read_http_message(replies)


class _ProxyHandler(socketserver.StreamRequestHandler):
    server: FaultProxy

    def handle(self) -> None:
        while not self.server.stopping.is_set():
            request = read_http_message(self.rfile)
            if request is None:
                return
            if not self._answer(request, self.server.next_fault()):
                return

    def _answer(self, request: bytes, fault: Fault | None) -> bool:
        """Handle one request; False when the connection is to be closed."""
        if fault is None:
            reply = self.server.forward(request)
            if reply is None:
                return False
            self.wfile.write(reply)
            self.wfile.flush()
            return True
        if fault is Fault.SILENCE:
            self.server.stopping.wait(SILENCE_LIMIT_SECONDS)
        elif fault is Fault.LOSE_REPLY:
            self.server.forward(request)
        return False
