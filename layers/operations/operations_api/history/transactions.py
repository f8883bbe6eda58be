"""The history loop's transactions, and why one was canceled (docs/design.md, "The fleet's read models").

A transaction canceled only by concurrent writers is contention (`batches.Contended`), which the loop
absorbs by building the transaction again from a fresh read (`batches.retried`): a conflict with another
transaction on any item (most often a shared counter of the fleet), or a failed condition on an item that
another writer than the loop may change meanwhile, the history's head or a fleet mark (the back-fill). The
entries and the stream marks are written by the loop alone (an operation's changes come in one stream shard,
one batch at a time), so a failed condition there, like any other cancellation, means the history is not
as it was read: HistoryConflict, and the change fails.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from operations_api import batches
from operations_api.fleet import layout as fleet_layout
from operations_api.fleet.recording import table as fleet_table
from operations_api.history import layout
from operations_api.settings import get_settings


class HistoryConflict(Exception):
    """The history was not as read: nothing was written; the change fails and is retried."""


def transact(actions: list[dict[str, Any]], shared: Callable[[dict[str, Any]], bool] | None = None) -> None:
    """One TransactWriteItems. Raises Contended if only concurrent writers canceled it (a conflict, or a
    failed condition on an item `shared` names: by default the head and the fleet's marks), HistoryConflict
    if anything else did."""
    reasons = batches.transact(actions)
    if reasons is None:
        return
    if batches.contended(actions, reasons, shared or written_by_others):
        raise batches.Contended(f"transaction canceled by concurrent writers: {reasons}")
    raise HistoryConflict(f"transaction canceled: {reasons}")


def written_by_others(action: dict[str, Any]) -> bool:
    """Whether the action's item is one the back-fill also writes: the history's head, a fleet mark."""
    (request,) = action.values()
    key = request.get("Key") or request["Item"]
    if request["TableName"] == get_settings().history_table_name:
        return bool(key[layout.SORT_KEY]["S"] == layout.HEAD)
    partition: str = key[fleet_layout.PARTITION_KEY]["S"]
    return request["TableName"] == fleet_table() and fleet_layout.is_marks_partition(partition)
