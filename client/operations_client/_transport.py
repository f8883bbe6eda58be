"""One API call over HTTP (http.client): signed when asked, retried within a budget, errors made typed.

A client keeps its connection to the endpoint open (HTTP/1.1 keep-alive) and sends call after call on it:
the pages of a list and the polls of a watch reuse one connection. HTTPS_PROXY, HTTP_PROXY and NO_PROXY
are honoured as urllib honours them.
"""

from __future__ import annotations

import base64
import http.client
import os
import select
import threading
from dataclasses import dataclass
from email.message import Message
from typing import Final
from urllib.parse import quote, unquote, urlencode, urlsplit, urlunsplit

from operations_client import _retry
from operations_client._errors import UnavailableError, client_problem, error_for
from operations_client._retry import RETRIED_STATUSES, RetryBudget, RetryPolicy
from operations_client._signing import Signer

USER_AGENT: Final = "operations-client"
IDLE_KEPT: Final = 4  # connections kept open per client: one, unless calls overlap (the console's threads)


@dataclass(frozen=True)
class Answer:
    status: int
    headers: Message
    body: bytes


class ConnectionFailure(Exception):
    """The request got no complete answer: refused, reset, timed out, name unknown…"""


class Transport:
    def __init__(self, endpoint: str, signer: Signer | None, policy: RetryPolicy, timeout: float) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.signer = signer
        self.policy = policy
        self.connections = Connections(endpoint, timeout)

    def url(self, path: str, query: dict[str, str] | None = None) -> str:
        # quote, not quote_plus: SigV4 canonicalises a space as %20, never as +
        return self.endpoint + path + (f"?{urlencode(query, quote_via=quote)}" if query else "")

    def call(
        self,
        method: str,
        path: str,
        *,
        query: dict[str, str] | None = None,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        """The 2xx answer, after the retries the policy allows; else the error of the last answer."""
        url = self.url(path, query)
        if self.signer is not None:
            self.signer.resolve()  # missing credentials: an error before anything is sent
        budget = RetryBudget(self.policy)
        while True:
            try:
                answer = self.send(method, url, body, dict(headers or {}))
            except ConnectionFailure as failure:
                delay = budget.next_delay()
                if delay is None:
                    problem = client_problem("CONNECTION_FAILED", f"{method} {url}: {failure}")
                    raise UnavailableError(problem) from None
            else:
                if answer.status < 400:
                    return answer
                retry_after = answer.headers.get("Retry-After")
                if answer.status not in RETRIED_STATUSES or (delay := budget.next_delay(retry_after)) is None:
                    raise error_for(answer.status, answer.body)
            _retry.sleep(delay)

    def send(self, method: str, url: str, body: bytes | None, headers: dict[str, str]) -> Answer:
        headers = {"User-Agent": USER_AGENT, "Accept": "application/json", **headers}
        if body is not None:
            headers["Content-Type"] = "application/json"
        if self.signer is not None:
            headers = self.signer.headers(method, url, body, headers)
        try:
            return self.connections.exchange(method, url, body, headers)
        except (http.client.HTTPException, OSError) as error:
            raise ConnectionFailure(str(error) or type(error).__name__) from error


class Connections:
    """The open connections to one endpoint: a call takes an idle one (or opens one) and gives it back
    after reading the whole answer, unless the server said it closes it."""

    def __init__(self, endpoint: str, timeout: float) -> None:
        parts = urlsplit(endpoint)
        self.https = parts.scheme == "https"
        self.factory = http.client.HTTPSConnection if self.https else http.client.HTTPConnection
        self.host = parts.hostname or ""
        self.port = parts.port
        self.timeout = timeout
        self.proxy = proxy_for(parts.scheme, self.host)
        self.idle: list[http.client.HTTPConnection] = []
        self.lock = threading.Lock()

    def exchange(self, method: str, url: str, body: bytes | None, headers: dict[str, str]) -> Answer:
        parts = urlsplit(url)
        target = urlunsplit(("", "", parts.path or "/", parts.query, ""))
        if self.proxy is not None and not self.https:
            target = url  # a plain HTTP proxy takes the whole URL; an HTTPS endpoint is tunnelled instead
            headers = {**headers, **self.proxy.authorization}
        connection = self.take()
        try:
            connection.request(method, target, body=body, headers=headers)
            response = connection.getresponse()
            answer = Answer(response.status, response.headers, response.read())
        except BaseException:
            connection.close()
            raise
        if response.will_close:
            connection.close()
        else:
            self.give_back(connection)
        return answer

    def take(self) -> http.client.HTTPConnection:
        with self.lock:
            while self.idle:
                connection = self.idle.pop()
                if not closed_by_server(connection):
                    return connection
                connection.close()
        if self.proxy is None:
            return self.factory(self.host, self.port, timeout=self.timeout)
        connection = self.factory(self.proxy.host, self.proxy.port, timeout=self.timeout)
        if self.https:
            connection.set_tunnel(self.host, self.port, headers=self.proxy.authorization)
        return connection

    def give_back(self, connection: http.client.HTTPConnection) -> None:
        with self.lock:
            if len(self.idle) < IDLE_KEPT:
                self.idle.append(connection)
                return
        connection.close()


def closed_by_server(connection: http.client.HTTPConnection) -> bool:
    """An idle connection the server closed (its socket reads end-of-file) is not reused: a request sent on
    it would fail. Readable with nothing asked means just that."""
    if connection.sock is None:
        return True
    try:
        readable, _, _ = select.select([connection.sock], [], [], 0)
    except (OSError, ValueError):  # ValueError: a descriptor past select's limit
        return True
    return bool(readable)


@dataclass(frozen=True)
class Proxy:
    host: str
    port: int | None
    authorization: dict[str, str]  # Proxy-Authorization, when the proxy's URL holds a user and password


def proxy_for(scheme: str, host: str) -> Proxy | None:
    """The proxy that HTTPS_PROXY / HTTP_PROXY name for this endpoint, unless NO_PROXY exempts its host, as
    urllib and curl read them. urllib.request is imported only when a proxy variable is set: it is slow to
    import, and most calls go without one."""
    if not any(name.lower().endswith("_proxy") for name in os.environ):
        return None
    import urllib.request

    url = urllib.request.getproxies_environment().get(scheme)
    # proxy_bypass_environment: NO_PROXY's reading, public in urllib.request but missing from typeshed
    if url is None or urllib.request.proxy_bypass_environment(host):  # type: ignore[attr-defined]
        return None
    parts = urlsplit(url if "://" in url else f"http://{url}")
    authorization = {}
    if parts.username is not None:
        credentials = f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode()
        authorization["Proxy-Authorization"] = "Basic " + base64.b64encode(credentials).decode()
    return Proxy(parts.hostname or "", parts.port, authorization)
