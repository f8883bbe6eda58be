"""The console's HTTP server: loopback only, GET only, and only for pages asked for from its own origin.

The server calls the API with the user's AWS credentials, so any page that can reach it could read
operations on the user's behalf. Three checks keep other sites out:
- `Host` must name this server (127.0.0.1 or localhost, on its port): a hostile page that rebinds its own
  DNS name to 127.0.0.1 still sends its own name as `Host` (DNS rebinding);
- `Origin`, when a browser sends one, must be this server's own;
- a browser's fetch metadata (`Sec-Fetch-Site`) may say cross-site only for a top-level navigation (a link
  someone followed); a cross-site fetch, frame, image or script load is refused.
Every answer also forbids framing and cross-origin reads in its headers. There is no state-changing route.

The standard library's server is enough for one user's browser on loopback; it pays for no framework.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Final, Protocol, cast

LOOPBACK: Final = "127.0.0.1"
HTML: Final = "text/html; charset=utf-8"
ALLOWED_METHODS: Final = "GET, HEAD"
SAME_SITE_FETCHES: Final = frozenset({"same-origin", "none"})
SECURITY_HEADERS: Final = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cache-Control": "no-store",
}


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes
    content_type: str = HTML
    headers: Mapping[str, str] = field(default_factory=dict)


class Site(Protocol):
    """What the server serves: an answer for a request target, and the page that refuses a request."""

    def answer(self, target: str) -> Reply: ...

    def refused(self, status: int, reason: str) -> Reply: ...


def own_origins(port: int) -> tuple[frozenset[str], frozenset[str]]:
    """The `Host` values and the `Origin` values that name this server."""
    hosts = frozenset({f"{LOOPBACK}:{port}", f"localhost:{port}"})
    return hosts, frozenset(f"http://{host}" for host in hosts)


def refusal(headers: Mapping[str, str], port: int) -> str | None:
    """Why a request must be refused (a sentence for the refusal page), or None to serve it.
    `headers` are keyed in lower case."""
    hosts, origins = own_origins(port)
    host = headers.get("host", "").lower()
    if host not in hosts:
        return f"this console answers only requests addressed to http://{LOOPBACK}:{port} (Host was {host!r})"
    origin = headers.get("origin")
    if origin is not None and origin.lower() not in origins:
        return f"this console answers only its own pages (Origin was {origin!r})"
    site = headers.get("sec-fetch-site")
    if site is not None and site not in SAME_SITE_FETCHES and not _is_navigation(headers):
        return "this console's pages may be opened from another site, not loaded into it"
    return None


def _is_navigation(headers: Mapping[str, str]) -> bool:
    return headers.get("sec-fetch-mode") == "navigate" and headers.get("sec-fetch-dest") == "document"


class ConsoleRequestHandler(BaseHTTPRequestHandler):
    site: Site
    server_version = "opsctl-console"

    def do_GET(self) -> None:
        self._send(self._reply(), with_body=True)

    def do_HEAD(self) -> None:
        self._send(self._reply(), with_body=False)

    def _refuse_method(self) -> None:
        reply = self.site.refused(405, f"this console only reads: {self.command} is not served here")
        self._send(reply, with_body=True, extra={"Allow": ALLOWED_METHODS})

    do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _refuse_method

    def _reply(self) -> Reply:
        port = cast(ConsoleServer, self.server).server_port
        reason = refusal({name.lower(): value for name, value in self.headers.items()}, port)
        if reason is not None:
            return self.site.refused(403, reason)
        return self.site.answer(self.path)

    def _send(self, reply: Reply, with_body: bool, extra: Mapping[str, str] | None = None) -> None:
        self.send_response(reply.status)
        headers = {**SECURITY_HEADERS, **reply.headers, **(extra or {})}
        headers.update({"Content-Type": reply.content_type, "Content-Length": str(len(reply.body))})
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if with_body:
            self.wfile.write(reply.body)

    def log_message(self, format: str, *args: Any) -> None:
        log = getattr(self.server, "log", None)
        if log is not None:
            log(f"{self.address_string()} {format % args}")


class ConsoleServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, site: Site, port: int, log: Callable[[str], None] | None = None) -> None:
        handler = type("BoundConsoleRequestHandler", (ConsoleRequestHandler,), {"site": site})
        super().__init__((LOOPBACK, port), handler)
        self.log = log

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.server_port}"


@dataclass
class RunningConsole:
    url: str
    stop: Callable[[], None]


def start_in_background(site: Site, port: int = 0) -> RunningConsole:
    """Serve in a daemon thread (port 0: a free one); `stop()` ends it. For tests and screenshots."""
    server = ConsoleServer(site, port)
    thread = threading.Thread(target=server.serve_forever, name="opsctl-console", daemon=True)
    thread.start()

    def stop() -> None:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

    return RunningConsole(server.url, stop)


def stderr_log(line: str) -> None:
    print(line, file=sys.stderr, flush=True)
