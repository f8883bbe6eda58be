"""`make run`: the whole API on http://127.0.0.1:${PORT:-3000}, with no Docker and no AWS account.

Routes, handlers, environment variables and layers come from template.yaml (devtools.template), never from
a second list. Each HTTP request becomes the payload 2.0 event API Gateway's HTTP API sends
(devtools/gateway.py), the real handler answers it (devtools/local_api.py, which says where this differs
from Lambda), and its result becomes the HTTP response as API Gateway would map it. DynamoDB is moto's
server, started in this process with the template's tables (the records' and, named after it, the
history's...); with DYNAMODB_ENDPOINT_URL (and TABLE_NAME) set, that DynamoDB is used instead (DynamoDB
Local, dynalite, or a real table), and the tables missing there are made. The table's change events
are published too, and listed at GET /_local/events (devtools.local_events).
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Final
from urllib.parse import urlsplit

from devtools import local_events
from devtools.gateway import BAD_REQUEST, TOO_LARGE, HttpAnswer, HttpRequest, json_answer, new_request_id
from devtools.lambda_runtime import local_client_timeouts, local_table_name, local_table_names, start_dynamodb
from devtools.local_api import LocalApi, answer
from devtools.template import ROOT, load_template

MAX_BODY_BYTES: Final = 10 * 1024 * 1024  # API Gateway HTTP API's payload limit
CONNECTION_TIMEOUT_SECONDS: Final = 60.0  # a connection whose client sends or reads nothing for so long ends
STOP_SIGNALS: Final = frozenset({signal.SIGINT, signal.SIGTERM})


class BodyTooLarge(Exception):
    pass


def read_body(headers: Message, stream: io.BufferedIOBase) -> bytes:
    """The request body, by Content-Length or chunked transfer encoding, at most MAX_BODY_BYTES."""
    if "chunked" in (headers.get("Transfer-Encoding") or "").lower():
        return _read_chunked(stream)
    length = int(headers.get("Content-Length") or 0)
    if length > MAX_BODY_BYTES:
        raise BodyTooLarge
    return stream.read(length) if length > 0 else b""


def _read_chunked(stream: io.BufferedIOBase) -> bytes:
    body = bytearray()
    while size := int(stream.readline().split(b";", 1)[0].strip() or b"0", 16):
        if len(body) + size > MAX_BODY_BYTES:
            raise BodyTooLarge
        body += stream.read(size)
        stream.readline()  # the CRLF that ends each chunk
    while stream.readline() not in (b"\r\n", b"\n", b""):  # trailers, up to the blank line
        pass
    return bytes(body)


class RequestHandler(BaseHTTPRequestHandler):
    api: LocalApi
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # else each kept-alive response waits for a delayed ACK
    server_version = "operations-api-local"
    timeout = CONNECTION_TIMEOUT_SECONDS

    def do_GET(self) -> None:
        self._serve()

    do_PUT = do_POST = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = do_GET

    def __getattr__(self, name: str) -> Any:
        """Any other method (TRACE, QUERY...) as API Gateway takes it: no route, its 404 (not a 501)."""
        if name.startswith("do_"):
            return self._serve
        raise AttributeError(name)

    def _serve(self) -> None:
        started = time.perf_counter()
        request_id = new_request_id()
        http_answer = self._answer(request_id)
        self._send(http_answer, request_id)
        elapsed_ms = (time.perf_counter() - started) * 1000
        path = urlsplit(self.path).path[:200]
        sys.stderr.write(f"{self.command} {path} {http_answer.status} {elapsed_ms:.1f}ms\n")

    def _answer(self, request_id: str) -> HttpAnswer:
        try:
            body = read_body(self.headers, self.rfile)
        except BodyTooLarge:
            self.close_connection = True
            return json_answer(*TOO_LARGE)
        except ValueError:  # a Content-Length or chunk size that is not a number
            self.close_connection = True
            return json_answer(*BAD_REQUEST)
        request = HttpRequest(
            self.command, self.path, list(self.headers.items()), body, self.client_address[0], request_id
        )
        return answer(self.api, request)

    def _send(self, http_answer: HttpAnswer, request_id: str) -> None:
        self.send_response(http_answer.status)
        for name, value in http_answer.headers:
            if name.lower() not in ("content-length", "connection", "transfer-encoding"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(http_answer.body)))
        self.send_header("Apigw-Requestid", request_id)  # as API Gateway adds to every answer
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(http_answer.body)

    def log_message(self, format: str, *args: Any) -> None:
        """_serve writes one line per request; http.server's own access log is silenced."""


class LocalHttpServer(ThreadingHTTPServer):
    """A thread per connection, each ended and joined by `stop()`: no thread is left behind to die with the
    process mid-answer. Each connection's reading side is shut, which ends an idle kept-alive connection at
    once and lets a request being answered finish first; a client that stops reading is cut off after
    CONNECTION_TIMEOUT_SECONDS."""

    daemon_threads = False  # server_close joins them (block_on_close)

    def __init__(self, address: tuple[str, int], handler_class: type[BaseHTTPRequestHandler]) -> None:
        super().__init__(address, handler_class)
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.connections_lock:
            self.connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self.connections_lock:
            self.connections.discard(request)
        super().shutdown_request(request)

    def stop(self) -> None:
        """Accept no more connections, end each open one, and wait for their threads."""
        self.shutdown()
        with self.connections_lock:
            for connection in self.connections:
                with contextlib.suppress(OSError):  # the client has gone already
                    connection.shutdown(socket.SHUT_RD)
        self.server_close()


# --- process lifecycle -----------------------------------------------------------------------------


@dataclass
class RunningApi:
    url: str
    dynamodb_endpoint: str
    table_name: str
    stop: Callable[[], None]
    dynamodb_in_memory: bool = True  # moto's, in this process: gone when it stops


def start(port: int = 0, host: str = "127.0.0.1", overrides: Mapping[str, str] | None = None) -> RunningApi:
    """Start DynamoDB and the API in background threads (port 0: a free one); `stop()` ends both.
    `overrides`: the functions' variables that replace the template's."""
    dynamodb = start_dynamodb(local_table_name())
    try:
        api = LocalApi(dynamodb.table_name, {**local_client_timeouts(), **(overrides or {})})
        api.change_events, stop_events = local_events.start(
            api.invoke_function, dynamodb.endpoint_url, dynamodb.table_name
        )
        handler_class = type("BoundRequestHandler", (RequestHandler,), {"api": api})
        server = LocalHttpServer((host, port), handler_class)
    except BaseException:
        dynamodb.stop()
        raise
    thread = threading.Thread(target=server.serve_forever, name="local-api", daemon=True)
    thread.start()

    def stop() -> None:
        """In the order each depends on the next: the requests, the stream's follower, then DynamoDB."""
        server.stop()
        thread.join()
        stop_events()
        dynamodb.stop()

    bound_host, bound_port = server.server_address[:2]
    url = f"http://{bound_host!s}:{bound_port}"
    return RunningApi(url, dynamodb.endpoint_url, dynamodb.table_name, stop, dynamodb.embedded)


def functions_logging(log_level: str | None) -> dict[str, str]:
    """The functions' own log lines (Powertools' JSON, the metrics' EMF) stay out of `make run`'s log,
    which has one line per request, unless LOG_LEVEL asks for them; warnings and errors always show."""
    if log_level:
        return {"POWERTOOLS_LOG_LEVEL": log_level.upper()}
    return {"POWERTOOLS_LOG_LEVEL": "WARNING", "POWERTOOLS_METRICS_DISABLED": "true"}


def banner(running: RunningApi, seconds: float) -> str:
    routes = "\n".join(f"  {route.route_key:<40} -> {route.function_id}" for route in load_template().routes)
    kept = "in memory: its records are gone when this stops" if running.dynamodb_in_memory else "yours: kept"
    others = [name for name in local_table_names(running.table_name).values() if name != running.table_name]
    return (
        f"Operations API on {running.url}  (ready in {seconds:.1f} s)\n"
        f"DynamoDB {running.dynamodb_endpoint}, table {running.table_name!r}, {kept} (`make invoke` uses "
        f"it with DYNAMODB_ENDPOINT_URL={running.dynamodb_endpoint}); tables beside it: "
        f"{', '.join(repr(name) for name in others)}\n"
        f"{routes}\n  change events: GET {local_events.EVENTS_PATH} (and this log)\n"
        "One line per request: method, path, status, milliseconds (LOG_LEVEL=INFO make run adds the "
        "functions' own logs).\nCtrl-C stops it."
    )


class UsageError(Exception):
    """Something the user must change to start the server; the message says what, on one line."""


def port_from(value: str | None) -> int:
    """PORT as a port number (0: any free one); 3000 when unset."""
    text = (value or "3000").strip()
    if not text.isdigit() or int(text) > 65535:
        raise UsageError(f"PORT must be a port number from 0 to 65535 (0: any free port), not {text!r}")
    return int(text)


def start_on(port: int) -> RunningApi:
    try:
        return start(port=port, overrides=functions_logging(os.environ.get("LOG_LEVEL")))
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            raise UsageError(
                f"port {port} is taken (another `make run`?): stop it, or choose another port, "
                f"e.g. PORT={port + 1} make run, or PORT=0 for any free one"
            ) from None
        raise UsageError(f"cannot listen on 127.0.0.1:{port}: {error.strerror}") from None


def main() -> int:
    started = time.perf_counter()
    # Blocked here, before any other thread starts, so in every thread (each inherits it): the kernel then
    # keeps SIGINT and SIGTERM pending until sigwait takes them. A Python handler runs in the main thread
    # only, and a signal the kernel hands to another thread (any thread may take one sent to the process)
    # never wakes a main thread blocked in a wait: the server served on, deaf to it.
    signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        running = start_on(port_from(os.environ.get("PORT")))
    except UsageError as error:
        print(f"make run: {error}", file=sys.stderr)
        return 2
    print(banner(running, time.perf_counter() - started), file=sys.stderr, flush=True)
    signal.sigwait(STOP_SIGNALS)
    running.stop()
    print("stopped", file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
