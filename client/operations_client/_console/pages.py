"""The console's pages, rendered from plain values (summaries, records, problems) with Jinja2.

Autoescaping is on for every template: a record is written by any worker and may hold `<script>`, which
must show as text. Nothing here calls the API; `app` does, and hands the results over.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any, Final

from jinja2 import Environment, PackageLoader, StrictUndefined

from operations_client._console import present
from operations_client._console.query import (
    HOURS_CHOICES,
    JUMP_PATH,
    OVERVIEW_PATH,
    WINDOWS,
    ListQuery,
    OverviewQuery,
    operation_href,
    version_href,
)
from operations_client._counts import FINISHED, IN_PROGRESS, Counts, finished_since
from operations_client._summary import count_clusters
from operations_client._timeline import Step

REFRESH_SECONDS: Final = 10.0  # the list and the overview refresh themselves this often


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("operations_client._console", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        absolute=present.absolute,
        relative=present.relative,
        elapsed=present.elapsed,
        pretty=present.pretty_body,
        clusters_summary=present.clusters_summary,
        clusters_detail=present.clusters_detail,
        clusters_line=lambda clusters: present.clusters_summary(count_clusters(clusters)),
        cluster_state=present.cluster_state,
        terminal=present.is_terminal,
        clock=present.clock_time,
    )
    env.globals.update(
        operation_href=operation_href,
        version_href=version_href,
        statuses=present.STATUSES,
        windows=tuple(WINDOWS),
        in_progress=IN_PROGRESS,
        finished=FINISHED,
        hours_choices=HOURS_CHOICES,
        overview_path=OVERVIEW_PATH,
        jump_path=JUMP_PATH,
    )
    return env


@dataclass(frozen=True)
class Problem:
    """What an error page says: a title, a sentence for a person, and the API's problem, if any."""

    status: int  # of the console's page
    title: str
    explanation: str
    code: str = ""
    detail: str = ""
    errors: Sequence[Mapping[str, Any]] = field(default_factory=tuple)
    api_status: int = 0  # the status the API answered with; 0 when it gave no answer


@dataclass(frozen=True)
class Timeline:
    """The operation page's history: one page of changes in words, or why there is none to show."""

    steps: Sequence[Step] = ()
    problem: str = ""
    previous_href: str | None = None
    next_href: str | None = None
    page_number: int = 1


def list_page(
    endpoint: str,
    query: ListQuery,
    operations: Sequence[Mapping[str, Any]],
    next_page_token: str | None,
    now: datetime,
    refresh_seconds: float = REFRESH_SECONDS,
) -> str:
    return (
        environment()
        .get_template("list.html")
        .render(
            endpoint=endpoint,
            query=query,
            operations=operations,
            next_href=query.next_href(next_page_token, now) if next_page_token else None,
            previous_href=query.previous_href(),
            now=now,
            refresh_seconds=refresh_seconds,
        )
    )


def overview_page(
    endpoint: str,
    query: OverviewQuery,
    counts: Counts | Problem,
    now: datetime,
    refresh_seconds: float = REFRESH_SECONDS,
) -> str:
    """The counts (or why there are none) with a link to each one's list, and the box to go to an id."""
    found = counts if isinstance(counts, Counts) else None
    return (
        environment()
        .get_template("overview.html")
        .render(
            endpoint=endpoint,
            query=query,
            counts=found,
            problem=None if found else counts,
            since=finished_since(query.hours, now),
            now=now,
            refresh_seconds=refresh_seconds,
        )
    )


def operation_page(
    endpoint: str, record: Mapping[str, Any], etag: str, now: datetime, timeline: Timeline
) -> str:
    return (
        environment()
        .get_template("operation.html")
        .render(
            endpoint=endpoint,
            record=record,
            etag=etag,
            raw_href=operation_href(str(record.get("operation_id", "")), raw=True),
            now=now,
            timeline=timeline,
        )
    )


def version_page(endpoint: str, record: Mapping[str, Any], etag: str, sequence: int, now: datetime) -> str:
    """The record as it was after change `sequence` of its history."""
    return (
        environment()
        .get_template("version.html")
        .render(endpoint=endpoint, record=record, etag=etag, sequence=sequence, now=now)
    )


def problem_page(endpoint: str, problem: Problem) -> str:
    return environment().get_template("problem.html").render(endpoint=endpoint, problem=problem)
