"""How the console writes a record's values for a person: times, durations, cluster counts, bodies.

Plain functions of plain values, so the pages' wording is tested without a server or a template.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Final, get_args

from operations_client._record import TERMINAL_STATUSES, Status
from operations_client._summary import count_clusters
from operations_client._times import API_FORMAT as RECORD_TIME_FORMAT

STATUSES: Final[tuple[str, ...]] = get_args(Status)
CLUSTER_STATES: Final = ("succeeded", "failed", "pending")


def parse_time(text: object) -> datetime | None:
    """A record time as an aware UTC datetime; None for anything that is not one."""
    if not isinstance(text, str):
        return None
    try:
        return datetime.strptime(text, RECORD_TIME_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        return None


def format_record_time(moment: datetime) -> str:
    """A moment written as the API's filters take it (YYYYMMDD_hhmmss, UTC)."""
    return moment.astimezone(UTC).strftime(RECORD_TIME_FORMAT)


def absolute(text: object) -> str:
    """A record time as a person reads it: `2026-11-22 06:42:30 UTC`; the raw value if it is no time."""
    moment = parse_time(text)
    if moment is None:
        return "" if text is None else str(text)
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def duration(seconds: float) -> str:
    """A span in its two largest units: `42 s`, `3 min 5 s`, `2 h 10 min`, `3 d 4 h`."""
    whole = max(0, int(seconds))
    days, rest = divmod(whole, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, secs = divmod(rest, 60)
    parts = [(days, "d"), (hours, "h"), (minutes, "min"), (secs, "s")]
    while len(parts) > 1 and parts[0][0] == 0:
        parts.pop(0)
    shown = parts[:2] if len(parts) > 1 and parts[1][0] else parts[:1]
    return " ".join(f"{amount} {unit}" for amount, unit in shown)


def relative(text: object, now: datetime) -> str:
    """How long ago a record time was, coarsely: `just now`, `3 min ago`, `2 h ago`, `5 d ago`."""
    moment = parse_time(text)
    if moment is None:
        return ""
    seconds = (now - moment).total_seconds()
    if seconds < 0:
        return "in the future"
    if seconds < 10:
        return "just now"
    for limit, unit_seconds, unit in ((60, 1, "s"), (3_600, 60, "min"), (86_400, 3_600, "h")):
        if seconds < limit:
            return f"{int(seconds // unit_seconds)} {unit} ago"
    return f"{int(seconds // 86_400)} d ago"


def elapsed(record: Mapping[str, Any], now: datetime) -> str:
    """The operation's duration: from occurrence to completion when finished, to now while it runs."""
    start = parse_time(record.get("occurred_time"))
    if start is None:
        return ""
    if record.get("status") in TERMINAL_STATUSES:
        end = parse_time(record.get("last_update_time"))
        return f"took {duration((end - start).total_seconds())}" if end else ""
    return f"running for {duration((now - start).total_seconds())}"


def clusters_summary(counts: Mapping[str, Any] | None) -> str:
    """A summary's cluster counts in a few words: `3/5 done, 1 failed` (done: answered, failed or not)."""
    if not counts or not counts.get("total"):
        return "no clusters"
    failed = counts.get("failed", 0)
    done = counts.get("succeeded", 0) + failed
    text = f"{done}/{counts['total']} done"
    return f"{text}, {failed} failed" if failed else text


def clusters_detail(counts: Mapping[str, Any] | None) -> str:
    """The same counts spelt out, for a tooltip."""
    if not counts:
        return ""
    return ", ".join(f"{counts.get(key, 0)} {key}" for key in ("succeeded", "failed", "pending"))


def cluster_state(cluster: dict[str, Any]) -> str:
    """`succeeded`, `failed` or `pending`: how the summaries count this cluster (docs/api.md, "Summaries")."""
    counts = count_clusters([cluster])
    return next(state for state in CLUSTER_STATES if counts[state])


def pretty_body(body: object) -> str:
    """A body for reading: indented when it is JSON text of an object or array, else the text as it is."""
    if not isinstance(body, str):
        return ""
    try:
        parsed = json.loads(body)
    except ValueError:
        return body
    if isinstance(parsed, dict | list):
        return json.dumps(parsed, indent=2, ensure_ascii=False)
    return body


def is_terminal(status: object) -> bool:
    return status in TERMINAL_STATUSES


def clock_time(moment: datetime) -> str:
    """The time of day of a refresh, `09:42:13 UTC`."""
    return moment.astimezone(UTC).strftime("%H:%M:%S UTC")


def window_start(window: timedelta | None, now: datetime) -> str | None:
    """The `updated_since` filter of a time window ending now; None for no window."""
    return None if window is None else format_record_time(now - window)
