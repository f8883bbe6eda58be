"""A scripted stand-in for the API on 127.0.0.1: each request gets the next scripted answer and is
recorded as received (method, path, query, headers, body), so a test sees what the client sent and how
it behaves on answers the real server gives rarely (503, 429, a connection reset). With no answers left,
GET /v1/operations serves `summaries` in pages as the contract says
(docs/api.md, "Listing operations"), its tokens opaque offsets bound to the filters; an operation given
`serve_history` is served too: its record, its history in pages and each version (docs/api.md); with
`?cluster=ID`, `by_cluster[ID]` instead of `summaries` (none for a cluster it does not hold); GET
/v1/operation-counts answers `counts` with the `hours` asked for (24 by default; outside 1-720, the API's 400
naming `hours`)."""

from __future__ import annotations

import contextlib
import hashlib
import json
import socket
import struct
import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Final
from urllib.parse import parse_qs, unquote, urlsplit

RESET: Final = "reset"  # a scripted answer: close the connection at once, with a TCP reset
MAX_HOURS: Final = 720  # the counts' longest window (docs/api.md, "Counting operations")
STOP_SECONDS: Final = 120.0  # shutdown() returns once serving stopped: the thread ends at once
OPERATIONS: Final = "/v1/operations/"
MAX_PAGE_SIZE: Final = 100


@dataclass(frozen=True)
class Reply:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    raw_path: str


class FakeApi(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.script: deque[Reply | str] = deque()
        self.received: list[Received] = []
        self.summaries: list[dict[str, Any]] = []
        self.by_cluster: dict[str, list[dict[str, Any]]] = {}
        self.counts: dict[str, dict[str, int]] = {"in_progress": {}, "finished": {}}
        self.accepted: list[socket.socket] = []  # each connection a client opened, in order
        self.versions: dict[str, list[dict[str, Any]]] = {}  # each served operation's records, oldest first
        self.entries: dict[str, list[dict[str, Any]]] = {}  # and its history's entries

    @property
    def connections(self) -> int:
        return len(self.accepted)

    def drop_connections(self) -> None:
        """Closes every connection, as a server does with those idle too long."""
        for connection in self.accepted:
            with contextlib.suppress(OSError):  # closed already
                connection.shutdown(socket.SHUT_RDWR)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def answer(self, *replies: Reply | str) -> None:
        self.script.extend(replies)

    def serve_history(
        self, operation_id: str, versions: list[dict[str, Any]], entries: list[dict[str, Any]]
    ) -> None:
        """Serve this operation: its last version as the record, `entries` as its history."""
        self.versions[operation_id] = versions
        self.entries[operation_id] = entries

    def serves(self, path: str) -> bool:
        return path.startswith(OPERATIONS) and _operation_id(path) in self.versions

    def operation_reply(self, path: str, query: dict[str, str]) -> Reply:
        """GET of a served operation, its history or one of its versions (404 for none yet)."""
        versions, entries = self.versions[_operation_id(path)], self.entries[_operation_id(path)]
        rest = path.removeprefix(OPERATIONS).partition("/")[2]
        if rest == "history":
            return self.history_page(entries, query) if entries else _not_found("OPERATION_NOT_FOUND")
        if rest.startswith("history/"):
            sequence = rest.removeprefix("history/")
            if not sequence.isdigit() or int(sequence) < 1:
                return Reply(400, {"code": "VALIDATION_ERROR", "detail": "sequence", "status": 400})
            if int(sequence) > len(versions):
                return _not_found("SEQUENCE_NOT_FOUND")
            return _record_reply(versions[int(sequence) - 1])
        return _record_reply(versions[-1]) if versions and not rest else _not_found("OPERATION_NOT_FOUND")

    def history_page(self, entries: list[dict[str, Any]], query: dict[str, str]) -> Reply:
        size = int(query.get("page_size", "25"))
        if not 1 <= size <= MAX_PAGE_SIZE:
            return Reply(400, {"code": "VALIDATION_ERROR", "detail": "page_size", "status": 400})
        start = int(query.get("page_token", "0"))
        page: dict[str, Any] = {"entries": entries[start : start + size]}
        if start + size < len(entries):
            page["next_page_token"] = str(start + size)
        return Reply(200, page)

    def list_page(self, query: dict[str, str]) -> Reply:
        size = int(query.get("page_size", "25"))
        filters = json.dumps({k: v for k, v in sorted(query.items()) if k not in ("page_token", "page_size")})
        token = query.get("page_token")
        start = 0
        if token is not None:
            bound, _, offset = token.partition("@")
            if bound != str(hash(filters)):
                return Reply(400, {"code": "VALIDATION_ERROR", "detail": "page_token", "status": 400})
            start = int(offset)
        listed = self.by_cluster.get(query["cluster"], []) if "cluster" in query else self.summaries
        page: dict[str, Any] = {"operations": listed[start : start + size]}
        if start + size < len(listed):
            page["next_page_token"] = f"{hash(filters)}@{start + size}"
        return Reply(200, page)

    def counts_answer(self, query: dict[str, str]) -> Reply:
        hours = query.get("hours", "24")
        if not hours.isdigit() or not 1 <= int(hours) <= MAX_HOURS:
            detail = f"hours must be a whole number from 1 to {MAX_HOURS}, not {hours!r}"
            fault = {"parameter": "hours", "detail": detail}
            return Reply(
                400, {"code": "VALIDATION_ERROR", "detail": detail, "status": 400, "errors": [fault]}
            )
        return Reply(200, {**self.counts, "hours": int(hours)})


class _Handler(BaseHTTPRequestHandler):
    server: FakeApi
    protocol_version = "HTTP/1.1"  # keeps a connection open for the next request, as API Gateway does

    def setup(self) -> None:
        super().setup()
        self.server.accepted.append(self.connection)

    def do_GET(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        parts = urlsplit(self.path)
        query = {name: values[-1] for name, values in parse_qs(parts.query).items()}
        received = Received(
            self.command, parts.path, query, dict(self.headers.items()), self.rfile.read(length), self.path
        )
        self.server.received.append(received)
        scripted = self.server.script.popleft() if self.server.script else None
        if scripted == RESET:
            # SO_LINGER 0: close() sends RST, the client sees "connection reset by peer"
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            self.connection.close()
            return
        if not isinstance(scripted, Reply):
            scripted = self._default(parts.path, query)
        body = scripted.body if isinstance(scripted.body, bytes) else json.dumps(scripted.body).encode()
        self.send_response(scripted.status)
        for name, value in scripted.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _default(self, path: str, query: dict[str, str]) -> Reply:
        if path == "/v1/operations":
            return self.server.list_page(query)
        if path == "/v1/operation-counts":
            return self.server.counts_answer(query)
        if self.server.serves(path):
            return self.server.operation_reply(path, query)
        return Reply(404, {})

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: the test reads `received`."""


def _operation_id(path: str) -> str:
    return unquote(path.removeprefix(OPERATIONS).partition("/")[0])


def _not_found(code: str) -> Reply:
    return Reply(404, {"code": code, "detail": "not found", "status": 404})


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def version(record: dict[str, Any]) -> str:
    """A record's version as docs/api.md states it: its canonical JSON's SHA-256, 32 hex digits."""
    return hashlib.sha256(canonical(record).encode("utf-8")).hexdigest()[:32]


def _record_reply(record: dict[str, Any]) -> Reply:
    return Reply(200, record, {"ETag": f'"{version(record)}"'})


def summary(number: int, status: str = "executing") -> dict[str, Any]:
    """A summary to serve, number `number`: its id and update time grow with it."""
    return {
        "operation_id": f"op-{number:03d}-{'x' * 30}",
        "status": status,
        "occurred_time": "20261122_064230",
        "last_update_time": f"20261122_07{number // 60:02d}{number % 60:02d}",
        "request": {"method": "POST", "uri": "/v1/networks/with/a/rather/long/path/" + "p" * 40},
        "target_clusters": {"total": 3, "succeeded": 1, "failed": 1, "pending": 1},
    }


def cluster_summary(
    number: int, cluster_id: str, state: str | None, rollback: str | None = None
) -> dict[str, Any]:
    """A summary of a list by cluster: summary(number), with that cluster's state (and rollback's)."""
    cluster: dict[str, str] = {"cluster_id": cluster_id}
    if state is not None:
        cluster["state"] = state
    if rollback is not None:
        cluster["rollback"] = rollback
    return {**summary(number), "cluster": cluster}


def serve() -> Iterator[FakeApi]:
    server = FakeApi()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=STOP_SECONDS)
        assert not thread.is_alive(), "the fake API's thread never ended"
