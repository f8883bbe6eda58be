"""`make run`: the whole API on http://127.0.0.1:${PORT:-3000}, with no Docker and no AWS account.

Routes, handlers, environment variables and layers come from template.yaml (devtools.template), never from
a second list. Each HTTP request becomes the payload 2.0 event API Gateway's HTTP API sends, the real
handler answers it, and its result becomes the HTTP response, as API Gateway would map it. DynamoDB is
moto's server, started in-process with the template's table; with DYNAMODB_ENDPOINT_URL (and TABLE_NAME)
set, that DynamoDB is used instead (DynamoDB Local, dynalite, or a real table).

One request is handled at a time per server process: Powertools keeps the current event on a class that
every resolver of a process shares, so two handlers running in one process would read each other's
events. (On Lambda each instance is its own process.) For real concurrency, run several servers, as the
race tests do.
"""

from __future__ import annotations

import base64
import importlib.util
import json
import logging
import os
import re
import signal
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import ModuleType
from typing import Any, Final
from urllib.parse import parse_qsl, unquote, urlsplit

from devtools.template import ROOT, Function, Route, load_template

DEFAULT_TABLE_NAME: Final = "operations"
MAX_BODY_BYTES: Final = 10 * 1024 * 1024  # API Gateway HTTP API's payload limit
TEXT_MEDIA_TYPES: Final = re.compile(
    r"^(text/.*|application/(json|xml|javascript|x-www-form-urlencoded)|.*\+(json|xml))$"
)
NOT_FOUND: Final = (404, {"message": "Not Found"})
INTERNAL_ERROR: Final = (500, {"message": "Internal Server Error"})
TOO_LARGE: Final = (413, {"message": "Request Entity Too Large"})

Handler = Callable[[dict[str, Any], Any], Any]


@dataclass(frozen=True)
class LambdaContext:
    """What the handlers read of Lambda's context object."""

    function_name: str
    memory_limit_in_mb: int
    timeout_seconds: int
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    started: float = field(default_factory=time.monotonic)

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:us-east-1:123456789012:function:{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.timeout_seconds - (time.monotonic() - self.started)) * 1000))


class LoadedFunction:
    """One imported instance of a function's handler."""

    def __init__(self, function: Function) -> None:
        self.function = function
        self.handler = _load_handler(function)

    def invoke(self, event: dict[str, Any]) -> Any:
        context = LambdaContext(self.function.logical_id, self.function.memory_size, self.function.timeout)
        return self.handler(event, context)


def _load_handler(function: Function) -> Handler:
    """Import the function's module afresh under a name of its own (both functions' modules are `app`)."""
    path = function.code_dir / f"{function.module_name}.py"
    name = f"local_{function.logical_id}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module: ModuleType = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    handler: Handler = getattr(module, function.function_name)
    return handler


@dataclass(frozen=True)
class CompiledRoute:
    route: Route
    pattern: re.Pattern[str]

    @classmethod
    def of(cls, route: Route) -> CompiledRoute:
        regex = ""
        for part in re.split(r"(\{[^}]+\})", route.path):
            if part.startswith("{") and part.endswith("+}"):
                regex += f"(?P<{part[1:-2]}>.+)"
            elif part.startswith("{"):
                regex += f"(?P<{part[1:-1]}>[^/]+)"
            else:
                regex += re.escape(part)
        return cls(route, re.compile(f"^{regex}$"))


class LocalApi:
    """The template's HttpApi routes, each served by its function's real handler."""

    def __init__(self, table_name: str) -> None:
        template = load_template()
        self.table_name = table_name
        _apply_environment(template.functions.values(), table_name)
        for layer_dir in template.layer_dirs.values():
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
        with self._one_at_a_time:
            return self.functions[route.function_id].invoke(event)


def _forget_cached_configuration() -> None:
    """The service reads its settings once per process; a server started in a process that already
    served (a test session) must read them again."""
    from operations_api import settings, store

    settings.get_settings.cache_clear()
    store.dynamodb_client.cache_clear()


def _apply_environment(functions: Iterable[Function], table_name: str) -> None:
    """Environment variables are process-wide: the union of the functions' (they share the same keys)."""
    template = load_template()
    for function in functions:
        for key, value in function.environment.items():
            os.environ[key] = _resolve(value, table_name, template.parameter_default)


def _resolve(value: Any, table_name: str, parameter_default: Callable[[str], Any]) -> str:
    if isinstance(value, dict) and "Ref" in value:
        target = value["Ref"]
        if target == load_template().table_logical_id:
            return table_name
        default = parameter_default(target)
        if default is None:
            raise ValueError(f"cannot resolve !Ref {target} locally")
        return str(default)
    return str(value)


# --- HTTP <-> payload 2.0 --------------------------------------------------------------------------


def build_event(
    method: str,
    target: str,
    headers: list[tuple[str, str]],
    body: bytes,
    route: Route,
    params: dict[str, str],
) -> dict[str, Any]:
    """The event API Gateway's HTTP API (payload format 2.0) sends for this request."""
    url = urlsplit(target)
    lowered: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in headers:
        if name.lower() == "cookie":
            cookies.extend(part.strip() for part in value.split(";") if part.strip())
        else:
            key = name.lower()
            lowered[key] = f"{lowered[key]},{value}" if key in lowered else value
    now = time.time()
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route.route_key,
        "rawPath": url.path,
        "rawQueryString": url.query,
        "headers": lowered,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "local",
            "domainName": lowered.get("host", "127.0.0.1"),
            "domainPrefix": "local",
            "http": {
                "method": method,
                "path": url.path,
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": lowered.get("user-agent", ""),
            },
            "requestId": base64.b32encode(uuid.uuid4().bytes).decode().rstrip("=")[:16] + "=",
            "routeKey": route.route_key,
            "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "timeEpoch": int(now * 1000),
        },
        "isBase64Encoded": False,
    }
    if cookies:
        event["cookies"] = cookies
    if url.query:
        query: dict[str, str] = {}
        for key, value in parse_qsl(url.query, keep_blank_values=True):
            query[key] = f"{query[key]},{value}" if key in query else value
        event["queryStringParameters"] = query
    if params:
        event["pathParameters"] = params
    if body:
        event["body"], event["isBase64Encoded"] = _encode_body(body, lowered.get("content-type", ""))
    return event


def _encode_body(body: bytes, content_type: str) -> tuple[str, bool]:
    """Text media types that decode as UTF-8 go as text; anything else base64-encoded, as API Gateway does."""
    media_type = content_type.partition(";")[0].strip().lower()
    if not media_type or TEXT_MEDIA_TYPES.match(media_type):
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


def to_http(result: Any) -> HttpAnswer:
    """Map a handler's result to HTTP as API Gateway does for payload 2.0 (including its inference)."""
    if not (isinstance(result, dict) and "statusCode" in result):
        text = result if isinstance(result, str) else json.dumps(result)
        return HttpAnswer(200, [("Content-Type", "application/json")], text.encode())
    headers = [(name, str(value)) for name, value in (result.get("headers") or {}).items()]
    for name, values in (result.get("multiValueHeaders") or {}).items():
        headers.extend((name, str(value)) for value in values)
    headers.extend(("Set-Cookie", cookie) for cookie in result.get("cookies") or [])
    raw = result.get("body") or ""
    body = base64.b64decode(raw) if result.get("isBase64Encoded") else str(raw).encode()
    return HttpAnswer(int(result["statusCode"]), headers, body)


def json_answer(status: int, payload: dict[str, Any]) -> HttpAnswer:
    return HttpAnswer(status, [("Content-Type", "application/json")], json.dumps(payload).encode())


class RequestHandler(BaseHTTPRequestHandler):
    api: LocalApi
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # else each kept-alive response waits ~40 ms for a delayed ACK
    server_version = "operations-api-local"

    def do_GET(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    do_POST = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = do_GET

    def _serve(self) -> None:
        started = time.perf_counter()
        answer = self._answer()
        self.send_response(answer.status)
        for name, value in answer.headers:
            if name.lower() not in ("content-length", "connection"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(answer.body)
        elapsed = (time.perf_counter() - started) * 1000
        sys.stderr.write(f"{self.command} {urlsplit(self.path).path[:200]} {answer.status} {elapsed:.1f}ms\n")

    def _answer(self) -> HttpAnswer:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY_BYTES:
            self.close_connection = True
            return json_answer(*TOO_LARGE)
        body = self.rfile.read(length) if length else b""
        found = self.api.match(self.command, urlsplit(self.path).path)
        if found is None:
            return json_answer(*NOT_FOUND)
        route, params = found
        event = build_event(self.command, self.path, list(self.headers.items()), body, route, params)
        try:
            return to_http(self.api.invoke(route, event))
        except Exception as error:  # what API Gateway answers when the function fails
            sys.stderr.write(f"handler of {route.route_key} raised {type(error).__name__}: {error}\n")
            return json_answer(*INTERNAL_ERROR)

    def log_message(self, format: str, *args: Any) -> None:
        """One line per request is written by _serve; http.server's own log is silenced."""


# --- DynamoDB and process lifecycle ----------------------------------------------------------------


@dataclass
class RunningApi:
    url: str
    dynamodb_endpoint: str
    table_name: str
    stop: Callable[[], None]


def start_dynamodb(table_name: str) -> tuple[str, Callable[[], None]]:
    """DYNAMODB_ENDPOINT_URL if set (creating the table there if missing), else moto's server in-process."""
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "local")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "local")
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    os.environ.setdefault("AWS_REGION", os.environ["AWS_DEFAULT_REGION"])
    external = os.environ.get("DYNAMODB_ENDPOINT_URL")
    stop: Callable[[], None] = lambda: None  # noqa: E731
    if external:
        endpoint = external
    else:
        from moto.server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto's own access log is noise here
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        host, port = server.get_host_and_port()
        endpoint, stop = f"http://{host}:{port}", server.stop
        os.environ["DYNAMODB_ENDPOINT_URL"] = endpoint
    _ensure_table(endpoint, table_name)
    return endpoint, stop


def _ensure_table(endpoint: str, table_name: str) -> None:
    import boto3

    client = boto3.client("dynamodb", endpoint_url=endpoint)
    if table_name not in client.list_tables().get("TableNames", []):
        client.create_table(**load_template().create_table_request(table_name))
        client.get_waiter("table_exists").wait(TableName=table_name, WaiterConfig={"Delay": 0.2})


def start(port: int = 0, host: str = "127.0.0.1") -> RunningApi:
    """Start DynamoDB and the API in background threads; `stop()` shuts both down."""
    table_name = os.environ.get("TABLE_NAME") or DEFAULT_TABLE_NAME
    endpoint, stop_dynamodb = start_dynamodb(table_name)
    api = LocalApi(table_name)
    handler_class = type("BoundRequestHandler", (RequestHandler,), {"api": api})
    server = ThreadingHTTPServer((host, port), handler_class)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="local-api", daemon=True)
    thread.start()

    def stop() -> None:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        stop_dynamodb()

    bound_host, bound_port = server.server_address[:2]
    return RunningApi(f"http://{bound_host!s}:{bound_port}", endpoint, table_name, stop)


def main() -> int:
    started = time.perf_counter()
    running = start(port=int(os.environ.get("PORT", "3000")))
    stopping = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopping.set())
    routes = "\n".join(f"  {route.route_key}  ->  {route.function_id}" for route in load_template().routes)
    print(
        f"Operations API on {running.url}  (ready in {time.perf_counter() - started:.1f} s)\n"
        f"DynamoDB {running.dynamodb_endpoint}, table {running.table_name!r}\n{routes}\n"
        "Ctrl-C stops it.",
        file=sys.stderr,
        flush=True,
    )
    stopping.wait()
    running.stop()
    print("stopped", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
