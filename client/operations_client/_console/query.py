"""The console's URLs: what a list page's (or the overview's) query string asks for, and the links between
pages.

A view lives entirely in its URL, so it can be shared: the statuses, the time window, the page size, and the
stack of page tokens that led to the page (the API's tokens only go forward, so "previous" pops the stack).
Once a list is paged, its window's start is frozen in the URL (`since`): a page token is bound to the
filters it was issued with (docs/api.md, "Listing operations"), and a window recomputed from a later "now"
would no longer match it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Final
from urllib.parse import parse_qs, quote, urlencode

from operations_client._console.present import STATUSES, window_start
from operations_client._counts import IN_PROGRESS, finished_since

WINDOWS: Final[dict[str, timedelta | None]] = {
    "15m": timedelta(minutes=15),
    "1h": timedelta(hours=1),
    "24h": timedelta(hours=24),
    "7d": timedelta(days=7),
    "all": None,
}
DEFAULT_WINDOW: Final = "all"
DEFAULT_HOURS: Final = 24  # the API's default window of finished counts
HOURS_CHOICES: Final = {1: "1 h", 24: "24 h", 168: "7 d", 720: "30 d"}  # the overview's windows
OVERVIEW_PATH: Final = "/overview"
JUMP_PATH: Final = "/go"
OPERATIONS_PREFIX: Final = "/operations/"
RAW_SUFFIX: Final = ".json"
HISTORY_SEGMENT: Final = "history"  # /operations/{id}/history/{sequence}: the record as it was then
HISTORY_PAGE: Final = "changes"  # the operation page's query: the history's page tokens that led there


class BadQuery(ValueError):
    """A console URL that asks for something the console does not offer (the message says what)."""


@dataclass(frozen=True)
class ListQuery:
    statuses: tuple[str, ...] = ()
    window: str = DEFAULT_WINDOW
    since: str | None = None  # the window's start, frozen once the list is paged
    page_size: int | None = None  # the API says which sizes are valid
    tokens: tuple[str, ...] = ()  # the page tokens that led here, oldest first
    cluster: str | None = None  # only the operations that name this cluster (the API checks it)

    @classmethod
    def parse(cls, query_string: str) -> ListQuery:
        params = parse_qs(query_string, keep_blank_values=False)
        window = _last(params, "window") or DEFAULT_WINDOW
        if window not in WINDOWS:
            raise BadQuery(f"unknown time window {window!r}: choose one of {', '.join(WINDOWS)}")
        return cls(
            statuses=_statuses(params.get("status", [])),
            window=window,
            since=_last(params, "since"),
            page_size=_page_size(_last(params, "page_size")),
            tokens=tuple(params.get("page", [])),
            cluster=_last(params, "cluster"),
        )

    def updated_since(self, now: datetime) -> str | None:
        return self.since if self.since is not None else window_start(WINDOWS[self.window], now)

    def api_filters(self, now: datetime) -> dict[str, Any]:
        """The keyword arguments of OperationsClient.list_page for this page."""
        filters: dict[str, Any] = {
            "status": list(self.statuses) or None,
            "updated_since": self.updated_since(now),
            "page_size": self.page_size,
            "page_token": self.tokens[-1] if self.tokens else None,
        }
        if self.cluster is not None:
            filters["cluster"] = self.cluster
        return filters

    @property
    def page_number(self) -> int:
        return len(self.tokens) + 1

    def next_href(self, next_page_token: str, now: datetime) -> str:
        frozen = replace(self, since=self.updated_since(now), tokens=(*self.tokens, next_page_token))
        return frozen.href()

    def previous_href(self) -> str | None:
        return replace(self, tokens=self.tokens[:-1]).href() if self.tokens else None

    def href(self) -> str:
        pairs: list[tuple[str, str]] = [("status", status) for status in self.statuses]
        if self.window != DEFAULT_WINDOW:
            pairs.append(("window", self.window))
        if self.since is not None:
            pairs.append(("since", self.since))
        if self.page_size is not None:
            pairs.append(("page_size", str(self.page_size)))
        if self.cluster is not None:
            pairs.append(("cluster", self.cluster))
        pairs.extend(("page", token) for token in self.tokens)
        return "/?" + urlencode(pairs) if pairs else "/"


@dataclass(frozen=True)
class OverviewQuery:
    """The overview's query string: the window of its finished counts, in hours (the API checks it)."""

    hours: int = DEFAULT_HOURS

    @classmethod
    def parse(cls, query_string: str) -> OverviewQuery:
        hours = _last(parse_qs(query_string), "hours")
        if hours is None:
            return cls()
        try:
            return cls(int(hours))
        except ValueError:
            raise BadQuery(f"hours must be a whole number, not {hours!r}") from None

    def count_href(self, status: str, now: datetime) -> str:
        """The list of the operations a count counts: those in progress in that status now, or those
        finished in that status in the window's hours."""
        if status in IN_PROGRESS:
            return ListQuery(statuses=(status,)).href()
        return ListQuery(statuses=(status,), since=finished_since(self.hours, now)).href()


def jump_target(query_string: str) -> str:
    """Where the box "go to an operation" leads: the page of the operation whose id was typed."""
    operation_id = (_last(parse_qs(query_string, keep_blank_values=True), "id") or "").strip()
    if not operation_id:
        raise BadQuery("type an operation's id to go to its page: the id is empty")
    return operation_href(operation_id)


def _last(params: dict[str, list[str]], name: str) -> str | None:
    values = params.get(name)
    return values[-1] if values else None


def _page_size(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        raise BadQuery(f"page_size must be a whole number, not {value!r}") from None


def _statuses(values: Iterable[str]) -> tuple[str, ...]:
    """The statuses asked for (repeated or comma-separated), known ones in the contract's order, any
    unknown one kept so that the API can say what is wrong with it."""
    asked = {part.strip() for value in values for part in value.split(",") if part.strip()}
    known = [status for status in STATUSES if status in asked]
    return (*known, *sorted(asked.difference(STATUSES)))


def history_tokens(query_string: str) -> tuple[str, ...]:
    """The history page tokens of an operation page's query string, oldest first."""
    return tuple(parse_qs(query_string).get(HISTORY_PAGE, []))


def timeline_href(operation_id: str, tokens: tuple[str, ...]) -> str:
    """The operation page showing the history's page that these tokens lead to."""
    pairs = urlencode([(HISTORY_PAGE, token) for token in tokens])
    return operation_href(operation_id) + (f"?{pairs}" if pairs else "")


def version_href(operation_id: str, sequence: int, raw: bool = False) -> str:
    """The console's page of the record as it was after change `sequence` (or its raw JSON)."""
    page = f"{OPERATIONS_PREFIX}{quote(operation_id, safe='')}/{HISTORY_SEGMENT}/{sequence}"
    return page + (RAW_SUFFIX if raw else "")


def parse_sequence(text: str) -> int:
    """A version's sequence as its URL gives it: a positive whole number."""
    if not text.isdigit() or int(text) < 1:
        raise BadQuery(f"a change's number is a positive whole number, not {text!r}")
    return int(text)


def operation_href(operation_id: str, raw: bool = False) -> str:
    """The console's page of an operation (or its raw JSON). An id that itself ends in `.json` has that
    dot percent-encoded in its page's URL, so that the page and the raw JSON never share a URL."""
    segment = quote(operation_id, safe="")
    if raw:
        return OPERATIONS_PREFIX + segment + RAW_SUFFIX
    if segment.endswith(RAW_SUFFIX):
        segment = segment[: -len(RAW_SUFFIX)] + "%2E" + RAW_SUFFIX[1:]
    return OPERATIONS_PREFIX + segment
