"""The console's routes: which page a URL asks for, the API call behind it, and the page for its failures.

/                           the list (filters and page tokens in the query string, see `query`)
/overview                   the counts by status (each a link to its list), a box to go to an operation
/go?id={id}                 the box's answer: a redirect to that operation's page
/operations/{id}            one operation, laid out for a person
/operations/{id}.json       the record exactly as the API returned it
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
from operations_client._console.pages import REFRESH_SECONDS, Problem
from operations_client._console.query import (
    JUMP_PATH,
    OPERATIONS_PREFIX,
    OVERVIEW_PATH,
    RAW_SUFFIX,
    BadQuery,
    ListQuery,
    OverviewQuery,
    jump_target,
)
from operations_client._console.server import Reply
from operations_client._counts import Counts
from operations_client._errors import NO_ANSWER

STATIC_PREFIX: Final = "/static/"
STATIC_TYPES: Final = {
    "console.css": "text/css; charset=utf-8",
    "console.js": "text/javascript; charset=utf-8",
    "refresh.js": "text/javascript; charset=utf-8",
}
JSON: Final = "application/json; charset=utf-8"

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
        if path.startswith(OPERATIONS_PREFIX) and segment.removesuffix(RAW_SUFFIX) and "/" not in segment:
            if segment.endswith(RAW_SUFFIX):
                return self._raw(unquote(segment.removesuffix(RAW_SUFFIX)))
            return self._operation(unquote(segment))
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

    def _operation(self, operation_id: str) -> Reply:
        stored = self._get(operation_id)
        if isinstance(stored, Reply):
            return stored
        html = pages.operation_page(self.endpoint, stored.record, stored.etag, self.clock())
        return Reply(200, html.encode())

    def _raw(self, operation_id: str) -> Reply:
        stored = self._get(operation_id)
        if isinstance(stored, Reply):
            return stored
        return Reply(200, stored.raw.encode(), JSON, {"ETag": stored.etag})

    def _get(self, operation_id: str) -> StoredRecord | Reply:
        try:
            return self.client.get(operation_id)
        except NotFoundError as error:
            explanation = f"No operation has the id {operation_id!r} (or it has expired)."
            problem = Problem(
                404, "No such operation", explanation, error.code, error.detail, api_status=error.status
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
