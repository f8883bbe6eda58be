"""The console's routes: which page a URL asks for, the API call behind it, and the page for its failures.

/                           the list (filters and page tokens in the query string, see `query`)
/overview                   the counts by status (each a link to its list), a box to go to an operation
/go?id={id}                 the box's answer: a redirect to that operation's page
/operations/{id}            one operation, laid out for a person, with a page of its history
                            (`?changes=TOKEN…`: the history's page tokens that led to a later page)
/operations/{id}.json       the record exactly as the API returned it
/operations/{id}/history/{n}[.json]   the record as it was after change n of its history
/static/{name}              the stylesheet and the script, shipped in the package
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from importlib.resources import files
from typing import Final
from urllib.parse import unquote, urlsplit

from operations_client import (
    CredentialsError,
    NotFoundError,
    OperationsClient,
    OperationsError,
    StoredRecord,
    UnavailableError,
    ValidationError,
)
from operations_client._console import pages
from operations_client._console.pages import REFRESH_SECONDS, Problem, Timeline
from operations_client._console.query import (
    HISTORY_SEGMENT,
    JUMP_PATH,
    OPERATIONS_PREFIX,
    OVERVIEW_PATH,
    RAW_SUFFIX,
    BadQuery,
    ListQuery,
    OverviewQuery,
    history_tokens,
    jump_target,
    parse_sequence,
    timeline_href,
)
from operations_client._console.server import Reply
from operations_client._counts import Counts
from operations_client._errors import NO_ANSWER
from operations_client._timeline import steps

STATIC_PREFIX: Final = "/static/"
STATIC_TYPES: Final = {
    "console.css": "text/css; charset=utf-8",
    "console.js": "text/javascript; charset=utf-8",
    "refresh.js": "text/javascript; charset=utf-8",
}
JSON: Final = "application/json; charset=utf-8"
HISTORY_PAGE_SIZE: Final = 100  # changes on one operation page
NO_HISTORY: Final = (
    "No history to show yet: it follows a write by about a second, and an operation stored before "
    "history existed gains its first entry at its next change."
)

logger = logging.getLogger(__name__)


def utc_now() -> datetime:
    return datetime.now(UTC)


class Console:
    """The console's pages for one API endpoint, read through `client`."""

    def __init__(
        self,
        client: OperationsClient,
        endpoint: str,
        clock: Callable[[], datetime] = utc_now,
        refresh_seconds: float = REFRESH_SECONDS,
    ) -> None:
        self.client = client
        self.endpoint = endpoint
        self.clock = clock
        self.refresh_seconds = refresh_seconds
        self.static = {name: (files(__package__) / "static" / name).read_bytes() for name in STATIC_TYPES}

    def answer(self, target: str) -> Reply:
        """The reply to a GET of `target` (path and query string, as the request line gives them)."""
        url = urlsplit(target)
        try:
            return self._route(url.path, url.query)
        except BadQuery as error:
            return self._problem(Problem(400, "This page's address asks for something unknown", str(error)))
        # Anything else is a fault of the console: a page for the user rather than a dropped connection, and
        # the trace in the console's log.
        except Exception as error:
            logger.exception("the console failed on %s", target)
            explanation = f"The console failed: {type(error).__name__}: {error}"
            return self._problem(Problem(500, "The console failed", explanation))

    def refused(self, status: int, reason: str) -> Reply:
        title = "Refused" if status == 403 else "Not served here"
        return self._problem(Problem(status, title, f"Refused: {reason}."))

    def _route(self, path: str, query: str) -> Reply:
        if path == "/":
            return self._list(ListQuery.parse(query))
        if path == OVERVIEW_PATH:
            return self._overview(OverviewQuery.parse(query))
        if path == JUMP_PATH:
            return Reply(303, b"", headers={"Location": jump_target(query)})
        segment = path.removeprefix(OPERATIONS_PREFIX)
        operation, *history = segment.split("/")
        a_version = operation and len(history) == 2 and history[0] == HISTORY_SEGMENT
        if path.startswith(OPERATIONS_PREFIX) and a_version:
            sequence = parse_sequence(history[1].removesuffix(RAW_SUFFIX))
            return self._version(unquote(operation), sequence, raw=history[1].endswith(RAW_SUFFIX))
        if path.startswith(OPERATIONS_PREFIX) and segment.removesuffix(RAW_SUFFIX) and "/" not in segment:
            if segment.endswith(RAW_SUFFIX):
                return self._raw(unquote(segment.removesuffix(RAW_SUFFIX)))
            return self._operation(unquote(segment), history_tokens(query))
        if path.startswith(STATIC_PREFIX) and path[len(STATIC_PREFIX) :] in self.static:
            name = path[len(STATIC_PREFIX) :]
            return Reply(200, self.static[name], STATIC_TYPES[name])
        return self._problem(Problem(404, "No such page", f"The console has no page at {path}."))

    def _list(self, query: ListQuery) -> Reply:
        now = self.clock()
        try:
            page = self.client.list_page(**query.api_filters(now))
        except OperationsError as error:
            return self._problem(self._api_problem(error))
        html = pages.list_page(
            self.endpoint, query, page.operations, page.next_page_token, now, self.refresh_seconds
        )
        return Reply(200, html.encode())

    def _overview(self, query: OverviewQuery) -> Reply:
        """The overview; the counts' failure is told in their place, so that the box still works."""
        now = self.clock()
        try:
            counts: Counts | Problem = self.client.counts(hours=query.hours)
        except OperationsError as error:
            counts = self._api_problem(error)
        return Reply(
            200, pages.overview_page(self.endpoint, query, counts, now, self.refresh_seconds).encode()
        )

    def _operation(self, operation_id: str, tokens: tuple[str, ...]) -> Reply:
        stored = self._get(operation_id)
        if isinstance(stored, Reply):
            return stored
        timeline = self._timeline(operation_id, tokens)
        html = pages.operation_page(self.endpoint, stored.record, stored.etag, self.clock(), timeline)
        return Reply(200, html.encode())

    def _timeline(self, operation_id: str, tokens: tuple[str, ...]) -> Timeline:
        """A page of the history in words; a page after the first is described from the version before it."""
        try:
            page = self.client.history_page(
                operation_id, page_size=HISTORY_PAGE_SIZE, page_token=tokens[-1] if tokens else None
            )
            first = int(page.entries[0]["sequence"]) if page.entries else 1
            before = dict(self.client.get(operation_id, sequence=first - 1).record) if first > 1 else None
        except NotFoundError:
            return Timeline(problem=NO_HISTORY)
        except OperationsError as error:
            return Timeline(problem=f"The history could not be read: {error.code}: {error.detail}")
        return Timeline(
            steps=list(steps(page.entries, before)),
            previous_href=timeline_href(operation_id, tokens[:-1]) if tokens else None,
            next_href=(
                timeline_href(operation_id, (*tokens, page.next_page_token)) if page.next_page_token else None
            ),
            page_number=len(tokens) + 1,
        )

    def _version(self, operation_id: str, sequence: int, *, raw: bool) -> Reply:
        if raw:
            return self._raw(operation_id, sequence)
        stored = self._get(operation_id, sequence)
        if isinstance(stored, Reply):
            return stored
        html = pages.version_page(self.endpoint, stored.record, stored.etag, sequence, self.clock())
        return Reply(200, html.encode())

    def _raw(self, operation_id: str, sequence: int | None = None) -> Reply:
        stored = self._get(operation_id, sequence)
        if isinstance(stored, Reply):
            return stored
        return Reply(200, stored.raw.encode(), JSON, {"ETag": stored.etag})

    def _get(self, operation_id: str, sequence: int | None = None) -> StoredRecord | Reply:
        """The record (as it was after change `sequence`, when given), or the page for its failure."""
        try:
            return self.client.get(operation_id, sequence=sequence)
        except NotFoundError as error:
            if sequence is None:
                title, explanation = "No such operation", f"No operation has the id {operation_id!r}"
            else:
                title, explanation = (
                    "No such change",
                    f"The operation {operation_id!r} has no change #{sequence}",
                )
            problem = Problem(
                404,
                title,
                f"{explanation} (or it has expired).",
                error.code,
                error.detail,
                api_status=error.status,
            )
            return self._problem(problem)
        except OperationsError as error:
            return self._problem(self._api_problem(error))

    def _api_problem(self, error: OperationsError) -> Problem:
        if isinstance(error, CredentialsError):
            status, title = 503, "No AWS credentials"
            explanation = (
                f"The console signs its calls to {self.endpoint} with your AWS credentials and found none. "
                "Configure them (aws configure, aws sso login, or AWS_ACCESS_KEY_ID and "
                "AWS_SECRET_ACCESS_KEY), then reload this page."
            )
        elif isinstance(error, UnavailableError) and error.status == NO_ANSWER:
            status, title = 502, "The API cannot be reached"
            explanation = f"The console got no answer from {self.endpoint}, even after retrying."
        elif isinstance(error, ValidationError):
            status, title = 400, "The API refused this request"
            explanation = "The API says what is wrong with the filters of this page:"
        else:
            status, title = 502, "The API answered with an error"
            explanation = f"{self.endpoint} answered with an error, even after retrying where that helps:"
        return Problem(status, title, explanation, error.code, error.detail, error.errors, error.status)

    def _problem(self, problem: Problem) -> Reply:
        return Reply(problem.status, pages.problem_page(self.endpoint, problem).encode())
