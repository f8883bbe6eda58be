"""What opsctl draws with Rich: one record, a list of summaries, the live view of `watch`.

Imported only for table or live output: `-o json` and piped `watch` never load Rich.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Final

from rich.console import Group, RenderableType
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from operations_client.client import StoredRecord
from operations_client.watching import cluster_state, clusters_of, counts, elapsed, format_elapsed

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


def record_view(stored: StoredRecord) -> RenderableType:
    """One record: its facts, then its clusters."""
    return Group(facts(stored), clusters_table(stored))


def facts(stored: StoredRecord) -> Table:
    record: Any = stored.record
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    grid.add_row("operation", record["operation_id"])
    grid.add_row("status", styled(record["status"]))
    if "sub_status" in record:
        grid.add_row("sub status", record["sub_status"])
    grid.add_row("occurred", record["occurred_time"])
    grid.add_row("updated", record["last_update_time"])
    grid.add_row("elapsed", format_elapsed(elapsed(stored)))
    grid.add_row("request", f"{record['request']['method']} {record['request']['uri']}")
    if response := record.get("response"):
        grid.add_row("response", f"{response['status_code']} {response['body']}")
    if rollbacks := record.get("rollbacks"):
        grid.add_row("rollback", f"{rollbacks['result']} at {rollbacks['occurred_time']}")
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
        table.add_row(cluster["cluster_id"], styled(state), "" if code is None else str(code), request["uri"])
    bar = Table.grid(padding=(0, 1))
    bar.add_row(
        ProgressBar(total=max(tally["total"], 1), completed=done, width=30),
        f"{done}/{tally['total']} clusters done, {tally['failed']} failed",
    )
    return Group(table, bar) if clusters else Text("no target clusters", style="dim")


def summaries_table(summaries: Iterable[dict[str, Any]]) -> Table:
    """Summaries, one a row, readable at 80 columns: the id is never cut, the request is."""
    table = Table(box=None, header_style="bold", pad_edge=False)
    table.add_column("OPERATION", overflow="fold")
    table.add_column("STATUS", no_wrap=True)
    table.add_column("UPDATED", no_wrap=True)
    # the one column that gives way: Rich narrows the columns that may wrap, and a cell of one line cut
    # with an ellipsis still counts as one that may
    table.add_column("REQUEST")
    table.add_column("CLUSTERS", no_wrap=True, justify="right")
    for summary in summaries:
        tally = summary["target_clusters"]
        done = tally["succeeded"] + tally["failed"]
        clusters = f"{done}/{tally['total']}" + (f" ({tally['failed']}✗)" if tally["failed"] else "")
        request = summary["request"]
        table.add_row(
            summary["operation_id"],
            styled(summary["status"]),
            summary["last_update_time"],
            Text(f"{request['method']} {request['uri']}", no_wrap=True, overflow="ellipsis"),
            clusters,
        )
    return table


class WatchView:
    """The live view of `opsctl watch`: drawn again at each refresh, so elapsed time keeps moving."""

    def __init__(self) -> None:
        self.stored: StoredRecord | None = None

    def __rich__(self) -> RenderableType:
        if self.stored is None:
            return Text("waiting for the first answer…", style="dim")
        return record_view(self.stored)
