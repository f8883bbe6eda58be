"""`make run`: the whole API on http://127.0.0.1:${PORT:-3000}, with no Docker and no AWS account.

Routes, handlers, environment variables and layers come from template.yaml (devtools.template), never from
a second list. Each HTTP request becomes the payload 2.0 event API Gateway's HTTP API sends, the real
handler answers it, and its result becomes the HTTP response as API Gateway would map it. DynamoDB is
moto's server, started in this process with the template's table; with DYNAMODB_ENDPOINT_URL (and
TABLE_NAME) set, that DynamoDB is used instead (DynamoDB Local, dynalite, or a real table). The table's
change events are published too, and listed at GET /_local/events (devtools.local_events).

Where this differs from Lambda, on purpose:
- Environment variables are process-wide, so the functions' variables are merged (the union). Both
  functions here take the same keys from the template's Globals, so nothing is lost; a key that two
  functions set differently would be a conflict, and starting refuses it.
- One request is handled at a time per server process: Powertools keeps the current event on a class that
  every resolver of a process shares, so two handlers running at once in one process would read each
  other's events. (On Lambda each instance is its own process.) For concurrency, run several servers.
- Request bodies: API Gateway gives the function the body as text only for text/*, application/json,
  application/xml and application/javascript (a missing Content-Type, and form data, arrive base64-encoded,
  as observed on real HTTP APIs). Here a body of those types that is not valid UTF-8 is base64-encoded too,
  so the handler sees the exact bytes and can refuse them.
"""

from __future__ import annotations

import base64
import binascii
import importlib.util
import io
import json
import os
import re
import signal
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import ModuleType
from typing import Any, Final
from urllib.parse import parse_qsl, unquote, urlsplit

from devtools import local_events
from devtools.lambda_runtime import (
    LOCAL_ACCOUNT,
    LambdaContext,
    function_environment,
    local_table_name,
    start_dynamodb,
)
from devtools.template import ROOT, Function, Route, load_template

MAX_BODY_BYTES: Final = 10 * 1024 * 1024  # API Gateway HTTP API's payload limit
TEXT_MEDIA_TYPES: Final = frozenset({"application/json", "application/xml", "application/javascript"})
NOT_FOUND: Final = (404, {"message": "Not Found"})
INTERNAL_ERROR: Final = (500, {"message": "Internal Server Error"})
TOO_LARGE: Final = (413, {"message": "Request Entity Too Large"})
BAD_REQUEST: Final = (400, {"message": "Bad Request"})

Handler = Callable[[dict[str, Any], Any], Any]


class LoadedFunction:
    """One imported instance of a function's handler."""

    def __init__(self, function: Function) -> None:
        self.function = function
        self.handler = _load_handler(function)

    def invoke(self, event: dict[str, Any]) -> Any:
        context = LambdaContext(self.function.logical_id, self.function.memory_size, self.function.timeout)
        return self.handler(event, context)


def _load_handler(function: Function) -> Handler:
    """Import the function's module under a name of its own (both functions' modules are `app`), with its
    code folder on sys.path while it imports, as Lambda's task root would be."""
    path = function.code_dir / f"{function.module_name}.py"
    name = f"local_{function.logical_id}_{function.module_name}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module: ModuleType = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    with _on_sys_path(str(function.code_dir)):
        spec.loader.exec_module(module)
    handler: Handler = getattr(module, function.function_name)
    return handler


@contextmanager
def _on_sys_path(folder: str) -> Iterator[None]:
    sys.path.insert(0, folder)
    try:
        yield
    finally:
        sys.path.remove(folder)


@dataclass(frozen=True)
class CompiledRoute:
    route: Route
    pattern: re.Pattern[str]

    @classmethod
    def of(cls, route: Route) -> CompiledRoute:
        regex = ""
        for part in re.split(r"(\{[^}]+\})", route.path):
            if part.startswith("{") and part.endswith("+}"):  # a greedy path variable
                regex += f"(?P<{part[1:-2]}>.+)"
            elif part.startswith("{"):
                regex += f"(?P<{part[1:-1]}>[^/]+)"
            else:
                regex += re.escape(part)
        return cls(route, re.compile(f"^{regex}$"))


class LocalApi:
    """The template's HttpApi routes, each served by its function's real handler."""

    change_events: local_events.LocalEvents | None = None  # set by start() when the table has a stream

    def __init__(self, table_name: str) -> None:
        template = load_template()
        self.table_name = table_name
        os.environ.update(merged_environment(template.functions.values(), table_name))
        for layer_dir in template.layer_dirs.values():  # the source layout: the package at the top
            if str(layer_dir) not in sys.path:
                sys.path.insert(0, str(layer_dir))
        _forget_cached_configuration()
        self.routes = [CompiledRoute.of(route) for route in template.routes]
        self.functions = {name: LoadedFunction(function) for name, function in template.functions.items()}
        self._one_at_a_time = threading.Lock()

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        for compiled in self.routes:
            if compiled.route.method in (method, "ANY") and (found := compiled.pattern.match(path)):
                return compiled.route, {name: unquote(value) for name, value in found.groupdict().items()}
        return None

    def invoke(self, route: Route, event: dict[str, Any]) -> Any:
        return self.invoke_function(route.function_id, event)

    def invoke_function(self, function_id: str, event: dict[str, Any]) -> Any:
        with self._one_at_a_time:
            return self.functions[function_id].invoke(event)


def merged_environment(functions: Iterable[Function], table_name: str) -> dict[str, str]:
    """The union of the functions' variables (environment variables are process-wide here)."""
    merged: dict[str, str] = {}
    for function in functions:
        for key, value in function_environment(function, table_name).items():
            if merged.get(key, value) != value:
                raise ValueError(f"functions set {key} differently; one local process cannot serve both")
            merged[key] = value
    return merged


def _forget_cached_configuration() -> None:
    """The service reads its settings once per process; a server started in a process that already
    served (a test session) must read them again."""
    from operations_api import settings, store

    settings.get_settings.cache_clear()
    store.dynamodb_client.cache_clear()


# --- HTTP <-> payload 2.0 --------------------------------------------------------------------------


def new_request_id() -> str:
    """An id shaped like API Gateway's (e.g. "Jd8sK1ExampleRq=")."""
    return base64.b32encode(uuid.uuid4().bytes).decode().rstrip("=")[:15] + "="


@dataclass(frozen=True)
class HttpRequest:
    method: str
    target: str  # the path and query as the client sent them
    headers: list[tuple[str, str]]
    body: bytes
    source_ip: str = "127.0.0.1"
    request_id: str = field(default_factory=new_request_id)


def build_event(request: HttpRequest, route: Route, path_parameters: dict[str, str]) -> dict[str, Any]:
    """The event API Gateway's HTTP API (payload format 2.0) sends for this request."""
    url = urlsplit(request.target)
    headers, cookies = _event_headers(request.headers)
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route.route_key,
        "rawPath": url.path,
        "rawQueryString": url.query,
        "headers": headers,
        "requestContext": _request_context(request, route, headers),
        "isBase64Encoded": False,
    }
    if cookies:
        event["cookies"] = cookies
    if url.query:
        event["queryStringParameters"] = _joined(parse_qsl(url.query, keep_blank_values=True))
    if path_parameters:
        event["pathParameters"] = path_parameters
    if request.body:
        event["body"], event["isBase64Encoded"] = encode_body(request.body, headers.get("content-type", ""))
    return event


def _event_headers(raw_headers: list[tuple[str, str]]) -> tuple[dict[str, str], list[str]]:
    """Lower-case names, repeated headers joined with commas; Cookie headers become the cookies list."""
    cookies = [
        part.strip()
        for name, value in raw_headers
        if name.lower() == "cookie"
        for part in value.split(";")
        if part.strip()
    ]
    others = [(name.lower(), value) for name, value in raw_headers if name.lower() != "cookie"]
    return _joined(others), cookies


def _joined(pairs: list[tuple[str, str]]) -> dict[str, str]:
    joined: dict[str, str] = {}
    for key, value in pairs:
        joined[key] = f"{joined[key]},{value}" if key in joined else value
    return joined


def _request_context(request: HttpRequest, route: Route, headers: dict[str, str]) -> dict[str, Any]:
    now = time.time()
    domain = headers.get("host", "127.0.0.1")
    return {
        "accountId": LOCAL_ACCOUNT,
        "apiId": "local",
        "domainName": domain,
        "domainPrefix": domain.split(".", 1)[0],
        "http": {
            "method": request.method,
            "path": urlsplit(request.target).path,
            "protocol": "HTTP/1.1",
            "sourceIp": request.source_ip,
            "userAgent": headers.get("user-agent", ""),
        },
        "requestId": request.request_id,
        "routeKey": route.route_key,
        "stage": "$default",
        "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
        "timeEpoch": int(now * 1000),
    }


def encode_body(body: bytes, content_type: str) -> tuple[str, bool]:
    """(body, isBase64Encoded): text for textual media types that decode as UTF-8, else base64."""
    media_type = content_type.partition(";")[0].strip().lower()
    if media_type.startswith("text/") or media_type in TEXT_MEDIA_TYPES:
        try:
            return body.decode("utf-8"), False
        except UnicodeDecodeError:
            pass
    return base64.b64encode(body).decode("ascii"), True


@dataclass
class HttpAnswer:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


class MalformedLambdaResponse(Exception):
    """A result that API Gateway cannot map to HTTP: it answers 500 then."""


def to_http(result: Any) -> HttpAnswer:
    """Map a handler's result to HTTP as API Gateway does for payload 2.0. A result without statusCode
    (a dict without one, a list, a string...) is taken as the body of a 200 application/json response."""
    if not (isinstance(result, dict) and "statusCode" in result):
        text = result if isinstance(result, str) else json.dumps(result)
        return HttpAnswer(200, [("Content-Type", "application/json")], text.encode())
    try:
        return HttpAnswer(int(result["statusCode"]), _result_headers(result), _result_body(result))
    except (TypeError, ValueError, AttributeError, binascii.Error) as error:
        raise MalformedLambdaResponse(f"{type(error).__name__}: {error}") from error


def _result_headers(result: dict[str, Any]) -> list[tuple[str, str]]:
    headers = [(name, str(value)) for name, value in (result.get("headers") or {}).items()]
    for name, values in (result.get("multiValueHeaders") or {}).items():
        headers.extend((name, str(value)) for value in values)
    headers.extend(("Set-Cookie", str(cookie)) for cookie in result.get("cookies") or [])
    return headers


def _result_body(result: dict[str, Any]) -> bytes:
    body = result.get("body")
    if body is None:
        return b""
    if not isinstance(body, str):
        raise TypeError(f"body is a {type(body).__name__}, not a string")
    return base64.b64decode(body, validate=True) if result.get("isBase64Encoded") else body.encode()


def json_answer(status: int, payload: dict[str, Any]) -> HttpAnswer:
    return HttpAnswer(status, [("Content-Type", "application/json")], json.dumps(payload).encode())


def answer(api: LocalApi, request: HttpRequest) -> HttpAnswer:
    """What API Gateway answers: its own 404 for a request no route takes (no function runs), the
    function's result mapped to HTTP, or its own 500 when the function fails."""
    path = urlsplit(request.target).path
    if api.change_events and (listed := api.change_events.answer(request.method, path)):
        return json_answer(*listed)
    found = api.match(request.method, path)
    if found is None:
        return json_answer(*NOT_FOUND)
    route, path_parameters = found
    try:
        return to_http(api.invoke(route, build_event(request, route, path_parameters)))
    except Exception as error:
        sys.stderr.write(f"{route.function_id} failed: {type(error).__name__}: {error}\n")
        return json_answer(*INTERNAL_ERROR)


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
    disable_nagle_algorithm = True  # else each kept-alive response waits ~40 ms for a delayed ACK
    server_version = "operations-api-local"

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


# --- process lifecycle -----------------------------------------------------------------------------


@dataclass
class RunningApi:
    url: str
    dynamodb_endpoint: str
    table_name: str
    stop: Callable[[], None]


def start(port: int = 0, host: str = "127.0.0.1") -> RunningApi:
    """Start DynamoDB and the API in background threads (port 0: a free one); `stop()` ends both."""
    dynamodb = start_dynamodb(local_table_name())
    try:
        api = LocalApi(dynamodb.table_name)
        api.change_events, stop_events = local_events.start(
            api.invoke_function, dynamodb.endpoint_url, dynamodb.table_name
        )
        handler_class = type("BoundRequestHandler", (RequestHandler,), {"api": api})
        server = ThreadingHTTPServer((host, port), handler_class)
    except BaseException:
        dynamodb.stop()
        raise
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="local-api", daemon=True)
    thread.start()

    def stop() -> None:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        stop_events()
        dynamodb.stop()

    bound_host, bound_port = server.server_address[:2]
    return RunningApi(f"http://{bound_host!s}:{bound_port}", dynamodb.endpoint_url, dynamodb.table_name, stop)


def banner(running: RunningApi, seconds: float) -> str:
    routes = "\n".join(f"  {route.route_key:<40} -> {route.function_id}" for route in load_template().routes)
    return (
        f"Operations API on {running.url}  (ready in {seconds:.1f} s)\n"
        f"DynamoDB {running.dynamodb_endpoint}, table {running.table_name!r}\n"
        f"{routes}\n  change events: GET {local_events.EVENTS_PATH} (and this log)\nCtrl-C stops it."
    )


def main() -> int:
    started = time.perf_counter()
    stopping = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopping.set())
    running = start(port=int(os.environ.get("PORT") or "3000"))
    print(banner(running, time.perf_counter() - started), file=sys.stderr, flush=True)
    stopping.wait()
    running.stop()
    print("stopped", file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
