"""One API call over HTTP (urllib): signed when asked, retried within a budget, errors made typed."""

from __future__ import annotations

import http.client
import urllib.error
import urllib.request
from dataclasses import dataclass
from email.message import Message
from typing import Final
from urllib.parse import quote, urlencode

from operations_client import _retry
from operations_client._errors import UnavailableError, client_problem, error_for
from operations_client._retry import RETRIED_STATUSES, RetryBudget, RetryPolicy
from operations_client._signing import Signer

USER_AGENT: Final = "operations-client"


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
        self.timeout = timeout

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
        # the client accepts only http(s) endpoints (OperationsClient): no file: URL reaches urllib
        request = urllib.request.Request(url, data=body, method=method, headers=headers)  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                return Answer(response.status, response.headers, response.read())
        except urllib.error.HTTPError as error:
            with error:
                return Answer(error.code, error.headers, error.read())
        except (urllib.error.URLError, http.client.HTTPException, OSError) as error:
            reason = getattr(error, "reason", None) or error
            raise ConnectionFailure(str(reason) or type(reason).__name__) from error
