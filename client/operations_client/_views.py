"""What opsctl draws with Rich: one record, a list of summaries, the counts, the live view of `watch`.

Imported only for table or live output: `-o json` and piped `watch` never load Rich.
"""

from __future__ import annotations

from typing import Any, Final

from rich.console import Group, RenderableType
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from operations_client._client import StoredRecord
from operations_client._counts import FINISHED, IN_PROGRESS, Counts
from operations_client._printable import printable
from operations_client._watching import cluster_state, clusters_of, counts, elapsed, format_elapsed

ID_ON_ONE_LINE: Final = 40  # a UUID is 36
MIN_REQUEST_WIDTH: Final = 12
COLUMN_GAP: Final = 2
FIXED_COLUMNS: Final = ((1, "STATUS"), (2, "UPDATED"))  # (cell index, header); then the last column
STATUS_STYLES: Final = {
    "unexecuted": "dim",
    "executing": "cyan",
    "completed": "green",
    "failed": "red",
    "canceled": "yellow",
    "pending": "dim",
    "succeeded": "green",
}


def styled(status: str) -> Text:
    return Text(status, style=STATUS_STYLES.get(status, ""))


def plain(value: str) -> Text:
    """A record's text as it is, its control characters shown: a plain str cell would be read as Rich
    markup (`[bold]`; `[/]` raises)."""
    return Text(printable(value))


def record_view(stored: StoredRecord) -> RenderableType:
    """One record: its facts, then its clusters."""
    return Group(facts(stored), clusters_table(stored))


def facts(stored: StoredRecord) -> Table:
    record: Any = stored.record
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    grid.add_row("operation", plain(record["operation_id"]))
    grid.add_row("status", styled(record["status"]))
    if "sub_status" in record:
        grid.add_row("sub status", plain(record["sub_status"]))
    grid.add_row("occurred", record["occurred_time"])
    grid.add_row("updated", record["last_update_time"])
    grid.add_row("elapsed", format_elapsed(elapsed(stored)))
    grid.add_row("request", plain(f"{record['request']['method']} {record['request']['uri']}"))
    if response := record.get("response"):
        grid.add_row("response", plain(f"{response['status_code']} {response['body']}"))
    if rollbacks := record.get("rollbacks"):
        grid.add_row("rollback", plain(f"{rollbacks['result']} at {rollbacks['occurred_time']}"))
    return grid


def clusters_table(stored: StoredRecord) -> RenderableType:
    clusters = clusters_of(stored)
    tally = counts(stored)
    done = tally["succeeded"] + tally["failed"]
    table = Table(expand=False, box=None, header_style="bold", pad_edge=False)
    table.add_column("CLUSTER", overflow="fold")
    table.add_column("STATE", no_wrap=True)
    table.add_column("CODE", justify="right", no_wrap=True)
    table.add_column("REQUEST", overflow="ellipsis", no_wrap=True, max_width=40)
    for cluster in clusters:
        code = (cluster.get("response") or {}).get("status_code")
        request = cluster["request"]
        state = cluster_state(cluster)
        code_cell = "" if code is None else str(code)
        table.add_row(plain(cluster["cluster_id"]), styled(state), code_cell, plain(request["uri"]))
    bar = Table.grid(padding=(0, 1))
    bar.add_row(
        ProgressBar(total=max(tally["total"], 1), completed=done, width=30),
        f"{done}/{tally['total']} clusters done, {tally['failed']} failed",
    )
    return Group(table, bar) if clusters else Text("no target clusters", style="dim")


def summaries_table(summaries: list[dict[str, Any]], width: int, *, by_cluster: bool = False) -> Table:
    """Summaries, one a row, in `width` columns (80 and up): an id of up to 40 characters stays on one line,
    for copying; the request gets what is left, cut with an ellipsis, and is left out below 12 columns.
    `by_cluster` (a list by cluster): no request, and the last column is the cluster's state there, and its
    rollback's, folded at spaces where room is short, instead of the count of all clusters.
    No summaries: the header alone."""
    rows = [_summary_cells(summary, by_cluster) for summary in summaries]
    last_header = "IN CLUSTER" if by_cluster else "CLUSTERS"
    longest_id = max((len(row[0]) for row in rows), default=0)
    id_width = max(len("OPERATION"), min(ID_ON_ONE_LINE, longest_id))
    fixed_columns = (*FIXED_COLUMNS, (4, last_header))
    fixed = id_width + sum(max([len(header), *(len(row[i]) for row in rows)]) for i, header in fixed_columns)
    request_room = 0 if by_cluster else width - fixed - COLUMN_GAP * 4
    table = Table(box=None, header_style="bold", pad_edge=False, padding=(0, COLUMN_GAP // 2))
    table.add_column("OPERATION", overflow="fold", min_width=id_width)
    table.add_column("STATUS", no_wrap=True)
    table.add_column("UPDATED", no_wrap=True)
    if request_room >= MIN_REQUEST_WIDTH:
        table.add_column("REQUEST", no_wrap=True, overflow="ellipsis", max_width=request_room)
    if by_cluster:  # folded, at spaces, into what room the other columns leave
        others = fixed - max([len(last_header), *(len(row[4]) for row in rows)]) + COLUMN_GAP * 3
        table.add_column(last_header, max_width=max(len(last_header), width - others))
    else:
        table.add_column(last_header, no_wrap=True, justify="right")
    for operation_id, status, updated, request, last in rows:
        request_cell = [plain(request)] if request_room >= MIN_REQUEST_WIDTH else []
        last_cell = _state_cell(last) if by_cluster else last
        table.add_row(plain(operation_id), styled(status), updated, *request_cell, last_cell)
    return table


def _summary_cells(summary: dict[str, Any], by_cluster: bool) -> tuple[str, str, str, str, str]:
    request = f"{summary['request']['method']} {summary['request']['uri']}"
    if by_cluster:
        last = in_cluster(summary.get("cluster") or {})
    else:
        tally = summary["target_clusters"]
        done = tally["succeeded"] + tally["failed"]
        last = f"{done}/{tally['total']}" + (f" ({tally['failed']}✗)" if tally["failed"] else "")
    return summary["operation_id"], summary["status"], summary["last_update_time"], request, last


def _state_cell(in_cluster: str) -> Text:
    state, comma, rollback = in_cluster.partition(",")
    return Text.assemble(styled(state), comma + rollback)


def in_cluster(cluster: dict[str, Any]) -> str:
    """A cluster's part in one operation: its request's state, then its rollback's ("-": no request, the
    cluster is named in the rollback only)."""
    state = cluster.get("state", "-")
    rollback = cluster.get("rollback")
    return state if rollback is None else f"{state}, rollback {rollback}"


def counts_table(counts: Counts) -> Table:
    """The counts by status, in progress now and then finished in the window, with the window's hours."""
    table = Table(box=None, header_style="bold", pad_edge=False, padding=(0, COLUMN_GAP // 2))
    table.add_column("", no_wrap=True)
    table.add_column("STATUS", no_wrap=True)
    table.add_column("COUNT", no_wrap=True, justify="right")
    finished = f"last {counts.hours} h"
    for group, statuses, tally in (
        ("in progress", IN_PROGRESS, counts.in_progress),
        (finished, FINISHED, counts.finished),
    ):
        for index, status in enumerate(statuses):
            table.add_row(group if index == 0 else "", styled(status), str(tally[status]))
    return table


class WatchView:
    """The live view of `opsctl watch`: drawn again at each refresh, so elapsed time keeps moving."""

    def __init__(self) -> None:
        self.stored: StoredRecord | None = None

    def __rich__(self) -> RenderableType:
        if self.stored is None:
            return Text("waiting for the first answer…", style="dim")
        return record_view(self.stored)
