"""OperationsClient: get, put, list, wait on and read the history of the operations API (docs/api.md)."""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from time import monotonic
from typing import Any, Final, cast
from urllib.parse import quote, urlsplit, urlunsplit

from operations_client import _retry
from operations_client._counts import Counts, parse_counts
from operations_client._errors import NotFoundError, OperationsError, WaitTimeout, client_problem
from operations_client._history import HistoryPage, Verified, verify_history
from operations_client._record import TERMINAL_STATUSES, Operation
from operations_client._retry import RetryPolicy
from operations_client._signing import Signer, is_loopback
from operations_client._transport import Answer, Transport

VERSION_PREFIX: Final = "/v1"  # every path the client sends begins with it
LIST_PATH: Final = f"{VERSION_PREFIX}/operations"
COUNTS_PATH: Final = f"{VERSION_PREFIX}/operation-counts"
MAX_INTERVAL_FACTOR: Final = 8  # wait(): the polling interval grows up to this many times the first one


@dataclass(frozen=True)
class StoredRecord:
    record: Operation  # the record as the API returned it
    etag: str  # the ETag header, quotes included
    raw: str  # the response body exactly as received

    @property
    def finished(self) -> bool:
        return self.record["status"] in TERMINAL_STATUSES


@dataclass(frozen=True)
class Page:
    operations: list[dict[str, Any]]  # summaries (docs/api.md, "Summaries")
    next_page_token: str | None


class OperationsClient:
    """A client of one deployment of the operations API.

    `sign` None signs every request with SigV4 except to a loopback endpoint (127.0.0.1, localhost, [::1]);
    True or False forces it. `region` defaults to the one the endpoint's host names, then to the AWS
    configuration's. The endpoint is the API's base URL; one trailing /v1 is dropped (base_url).
    """

    def __init__(
        self,
        endpoint: str,
        region: str | None = None,
        sign: bool | None = None,
        *,
        retry_policy: RetryPolicy | None = None,
        timeout: float = 30.0,
    ) -> None:
        parts = urlsplit(endpoint)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"the endpoint must be an http(s) URL, e.g. http://127.0.0.1:3000: {endpoint!r}")
        self.endpoint = base_url(endpoint)
        signed = not is_loopback(endpoint) if sign is None else sign
        signer = Signer(self.endpoint, region) if signed else None
        self._transport = Transport(self.endpoint, signer, retry_policy or RetryPolicy(), timeout)

    def get(self, operation_id: str, *, sequence: int | None = None) -> StoredRecord:
        """The record now, or as it was after change `sequence` of its history (docs/api.md)."""
        path = _operation_path(operation_id)
        if sequence is not None:
            path += f"/history/{sequence}"
        return _stored(self._transport.call("GET", path))

    def put(
        self,
        operation_id: str,
        record: dict[str, Any] | Operation,
        *,
        if_match: str | None = None,
        if_none_match: bool = False,
    ) -> StoredRecord:
        """Create or replace the record (docs/api.md, "Optimistic concurrency" for the preconditions).

        A PUT is idempotent, so it is retried like a GET; with if_none_match, a retry of a first attempt
        that was stored but whose answer was lost ends in PreconditionFailedError.
        """
        headers = {}
        if if_match is not None:
            headers["If-Match"] = if_match
        if if_none_match:
            headers["If-None-Match"] = "*"
        body = json.dumps(record, ensure_ascii=False).encode("utf-8")
        return _stored(self._transport.call("PUT", _operation_path(operation_id), body=body, headers=headers))

    def list_page(
        self,
        *,
        status: str | Iterable[str] | None = None,
        updated_since: str | None = None,
        updated_before: str | None = None,
        page_size: int | None = None,
        page_token: str | None = None,
        cluster: str | None = None,
    ) -> Page:
        """One page of summaries, newest first (docs/api.md, "Listing operations"); with `cluster`, only
        the operations that name that cluster, each summary with the cluster's `state` (its "cluster" key)."""
        query = _list_query(status, updated_since, updated_before, page_size, page_token)
        if cluster is not None:
            query["cluster"] = cluster
        answer = self._transport.call("GET", LIST_PATH, query=query)
        _, page = _json_object(answer)
        operations, token = page.get("operations"), page.get("next_page_token")
        if not isinstance(operations, list) or not isinstance(token, str | None):
            raise _invalid_answer(answer, "a page without its list of operations")
        return Page(operations=operations, next_page_token=token)

    def list(
        self,
        *,
        status: str | Iterable[str] | None = None,
        updated_since: str | None = None,
        updated_before: str | None = None,
        page_size: int | None = None,
        cluster: str | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Every matching summary, newest first, following the pages as they are consumed."""
        statuses = status if status is None or isinstance(status, str) else tuple(status)
        token: str | None = None
        while True:
            page = self.list_page(
                status=statuses,
                updated_since=updated_since,
                updated_before=updated_before,
                page_size=page_size,
                page_token=token,
                cluster=cluster,
            )
            yield from page.operations
            if page.next_page_token is None:
                return
            token = page.next_page_token

    def history_page(
        self, operation_id: str, *, page_size: int | None = None, page_token: str | None = None
    ) -> HistoryPage:
        """One page of an operation's history, oldest first (docs/api.md)."""
        query = _list_query(None, None, None, page_size, page_token)
        answer = self._transport.call("GET", _operation_path(operation_id) + "/history", query=query)
        _, page = _json_object(answer)
        entries, token = page.get("entries"), page.get("next_page_token")
        if not isinstance(entries, list) or not isinstance(token, str | None):
            raise _invalid_answer(answer, "a page without its list of entries")
        return HistoryPage(entries=entries, next_page_token=token)

    def history(self, operation_id: str, *, page_size: int | None = None) -> Iterator[dict[str, Any]]:
        """Every entry of an operation's history, oldest first, following the pages as they are consumed."""
        token: str | None = None
        while True:
            page = self.history_page(operation_id, page_size=page_size, page_token=token)
            yield from page.entries
            if page.next_page_token is None:
                return
            token = page.next_page_token

    def verify_history(self, operation_id: str, *, page_size: int | None = None) -> Verified:
        """Reads the whole history and the current record, and verifies them (verify_history)."""
        entries = self.history(operation_id, page_size=page_size)
        return verify_history(entries, self.get(operation_id).record)

    def counts(self, hours: int | None = None) -> Counts:
        """How many operations are in progress now, and finished in the last `hours` whole hours (the API's
        default: 24), by status (docs/api.md, "Counting operations")."""
        query = {} if hours is None else {"hours": str(hours)}
        answer = self._transport.call("GET", COUNTS_PATH, query=query)
        counts = parse_counts(*_json_object(answer))
        if counts is None:
            raise _invalid_answer(answer, "counts without their statuses and hours")
        return counts

    def follow(
        self,
        operation_id: str,
        timeout: float,
        *,
        interval: float = 1.0,
        until_created: Callable[[], None] | None = None,
    ) -> Iterator[StoredRecord]:
        """Each new version of the record (by ETag) until it is finished; WaitTimeout after `timeout`.

        Polls with capped exponential backoff and jitter: the interval starts at `interval`, doubles while
        nothing changes, up to 8 times `interval`, and starts again from `interval` after each change.
        An operation that does not exist is NotFoundError at once, unless `until_created` is given: then
        it is waited for, and `until_created` called once, when the wait for its creation begins.
        """
        deadline = monotonic() + timeout
        last: StoredRecord | None = None
        quiet_polls = 0
        while True:
            current = self._read(operation_id, absent_allowed=until_created is not None and last is None)
            if current is None and quiet_polls == 0 and until_created is not None:
                until_created()  # the first poll found none: told once
            if current is not None and (last is None or current.etag != last.etag):
                yield current
                quiet_polls = 0
            else:
                quiet_polls += 1
            if current is not None and current.finished:
                return
            last = current or last
            remaining = deadline - monotonic()
            if remaining <= 0:
                raise WaitTimeout(_timeout_problem(operation_id, timeout, last), last)
            _retry.sleep(min(remaining, _poll_delay(interval, quiet_polls)))

    def _read(self, operation_id: str, *, absent_allowed: bool) -> StoredRecord | None:
        """The record; None when it does not exist (yet) and that is allowed."""
        try:
            return self.get(operation_id)
        except NotFoundError as error:
            if not absent_allowed or error.code != "OPERATION_NOT_FOUND":
                raise
            return None

    def wait(self, operation_id: str, timeout: float, *, interval: float = 1.0) -> StoredRecord:
        """The record once its status is terminal (completed, failed, canceled); WaitTimeout after
        `timeout` seconds, carrying the last record seen."""
        versions = self.follow(operation_id, timeout, interval=interval)
        finished = next(versions)
        for finished in versions:  # noqa: B007  (the last version is the one wanted)
            pass
        return finished


def _poll_delay(interval: float, quiet_polls: int) -> float:
    ceiling = min(interval * MAX_INTERVAL_FACTOR, interval * 2**quiet_polls)
    return random.uniform(ceiling / 2, ceiling)  # noqa: S311  ("equal jitter": never below half)


def _timeout_problem(operation_id: str, timeout: float, last: StoredRecord | None) -> dict[str, Any]:
    state = "not created" if last is None else f"still {last.record['status']}"
    detail = f"operation {operation_id!r} was {state} after {timeout:g} s"
    return client_problem("WAIT_TIMEOUT", detail)


def base_url(endpoint: str) -> str:
    """The endpoint without one trailing /v1 (or /v1/): the client adds the version to every path itself,
    and an endpoint copied with it (`https://…/v1`) would otherwise be answered 404 on every call."""
    parts = urlsplit(endpoint)
    path = parts.path.rstrip("/")
    if not path.endswith(VERSION_PREFIX):
        return endpoint
    return urlunsplit(parts._replace(path=path.removesuffix(VERSION_PREFIX)))


def _operation_path(operation_id: str) -> str:
    return f"{LIST_PATH}/{quote(operation_id, safe='')}"


def _stored(answer: Answer) -> StoredRecord:
    raw, record = _json_object(answer)
    return StoredRecord(record=cast(Operation, record), etag=answer.headers.get("ETag", ""), raw=raw)


def _json_object(answer: Answer) -> tuple[str, dict[str, Any]]:
    """The body's text and its JSON object; an answer that is none (a proxy's page) is an error."""
    try:
        raw = answer.body.decode("utf-8")
        document = json.loads(raw)
    except ValueError:  # UnicodeDecodeError is one
        raise _invalid_answer(answer, "a body that is not JSON") from None
    if not isinstance(document, dict):
        raise _invalid_answer(answer, "a JSON body that is not an object")
    return raw, document


def _invalid_answer(answer: Answer, what: str) -> OperationsError:
    detail = f"the endpoint answered {answer.status} with {what}: is it the operations API?"
    return OperationsError(client_problem("INVALID_ANSWER", detail, status=answer.status))


def _list_query(
    status: str | Iterable[str] | None,
    updated_since: str | None,
    updated_before: str | None,
    page_size: int | None,
    page_token: str | None,
) -> dict[str, str]:
    query: dict[str, str] = {}
    if status is not None:
        query["status"] = status if isinstance(status, str) else ",".join(status)
    if updated_since is not None:
        query["updated_since"] = updated_since
    if updated_before is not None:
        query["updated_before"] = updated_before
    if page_size is not None:
        query["page_size"] = str(page_size)
    if page_token is not None:
        query["page_token"] = page_token
    return query
