"""How many operations are in each status: GET /v1/operation-counts (docs/api.md, "Counting operations")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

IN_PROGRESS: Final = ("unexecuted", "executing")
FINISHED: Final = ("completed", "failed", "canceled")
HOUR_FORMAT: Final = "%Y%m%d_%H0000"


@dataclass(frozen=True)
class Counts:
    in_progress: dict[str, int]  # unexecuted, executing: how many are in that status now
    finished: dict[str, int]  # completed, failed, canceled: last updated in the window of `hours`
    hours: int  # the window: the current hour (UTC) and the hours - 1 before it
    raw: str  # the response body exactly as received

    def since(self, now: datetime) -> str:
        """The window's first moment, YYYYMMDD_hh0000 (UTC), for a clock reading `now` (UTC)."""
        return finished_since(self.hours, now)


def finished_since(hours: int, now: datetime) -> str:
    """The start of the last `hours` whole hours: the current hour's start, and hours - 1 before it."""
    return (now - timedelta(hours=hours - 1)).strftime(HOUR_FORMAT)


def parse_counts(raw: str, document: dict[str, Any]) -> Counts | None:
    """The counts in an answer's JSON object; None when the object does not have the contract's shape."""
    in_progress = _tally(document.get("in_progress"), IN_PROGRESS)
    finished = _tally(document.get("finished"), FINISHED)
    hours = document.get("hours")
    if in_progress is None or finished is None or not isinstance(hours, int) or not _whole(hours):
        return None
    return Counts(in_progress=in_progress, finished=finished, hours=hours, raw=raw)


def _tally(value: Any, statuses: tuple[str, ...]) -> dict[str, int] | None:
    """Each status's count, in the contract's order; None unless every one is a whole number."""
    if not isinstance(value, dict) or not all(_whole(value.get(status)) for status in statuses):
        return None
    return {status: int(value[status]) for status in statuses}


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0
