"""One API call over HTTP (http.client): signed when asked, retried within a budget, errors made typed.

A client keeps its connection to the endpoint open (HTTP/1.1 keep-alive) and sends call after call on it:
the pages of a list and the polls of a watch reuse one connection.
"""

from __future__ import annotations

import http.client
import select
import threading
from dataclasses import dataclass
from email.message import Message
from typing import Final
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

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
        https = parts.scheme == "https"
        self.factory = http.client.HTTPSConnection if https else http.client.HTTPConnection
        self.host = parts.hostname or ""
        self.port = parts.port
        self.timeout = timeout
        self.idle: list[http.client.HTTPConnection] = []
        self.lock = threading.Lock()

    def exchange(self, method: str, url: str, body: bytes | None, headers: dict[str, str]) -> Answer:
        parts = urlsplit(url)
        target = urlunsplit(("", "", parts.path or "/", parts.query, ""))
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
        return self.factory(self.host, self.port, timeout=self.timeout)

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
