"""What `opsctl watch` shows of a record, in words: each cluster's state, the elapsed time, one line per
change when the output is not a terminal. The live view (views.py) draws the same facts with Rich."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Final, Literal

from operations_client._client import StoredRecord
from operations_client._printable import printable
from operations_client._record import TERMINAL_STATUSES
from operations_client._summary import SUCCESS_BELOW, ClusterCounts, count_clusters
from operations_client._times import parse_api_time

ClusterState = Literal["pending", "succeeded", "failed"]

EXIT_STATUS: Final = {"completed": 0, "failed": 1, "canceled": 3}  # watch's exit status by final status
EXIT_TIMEOUT: Final = 124  # as timeout(1)


def cluster_state(cluster: Any) -> ClusterState:
    """As the summary counts it (docs/api.md, "Summaries"): by its response's status_code."""
    code = (cluster.get("response") or {}).get("status_code")
    if code is None:
        return "pending"
    return "succeeded" if code < SUCCESS_BELOW else "failed"


def clusters_of(stored: StoredRecord) -> list[Any]:
    return list(stored.record.get("target_clusters") or ())


def counts(stored: StoredRecord) -> ClusterCounts:
    return count_clusters(clusters_of(stored))


def elapsed(stored: StoredRecord, now: datetime | None = None) -> timedelta:
    """From the operation's occurrence to its completion, or to now while it runs."""
    record = stored.record
    started = parse_api_time(record["occurred_time"])
    if record["status"] in TERMINAL_STATUSES:
        return parse_api_time(record["last_update_time"]) - started
    return max(timedelta(0), (now or datetime.now(UTC)) - started)


def format_elapsed(span: timedelta) -> str:
    seconds = int(span.total_seconds())
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def change_line(stored: StoredRecord, now: datetime | None = None) -> str:
    """One line for one version of the record, for output that is not a terminal; the clusters' tally only
    when it has target clusters."""
    record = stored.record
    status: str = record["status"]
    if "sub_status" in record:
        status += f" ({printable(record['sub_status'])})"
    tally = counts(stored)
    done = tally["succeeded"] + tally["failed"]
    clusters = f"clusters {done}/{tally['total']} done, {tally['failed']} failed  " if tally["total"] else ""
    return f"{record['last_update_time']}  {status}  {clusters}elapsed {format_elapsed(elapsed(stored, now))}"
