"""The loop's writes of the fleet's read models (docs/design.md, "The fleet's read models"), exactly once.

A change the history has not applied yet (its stream mark decides) first writes its cluster items:
BatchWriteItem puts of the new version's items and deletes of the old version's that the new one does not
have, idempotent, so any number of transactions' worth of them can be made before the history's one. Then
the history transaction carries the counters (ADD -1 on the item the `counted` mark names, ADD +1 on the
new status's) and both marks, each conditioned on the mark as read (or its absence). Each read model's mark
says what it holds for the operation, so the counts always equal one per operation at its mark, whatever
was redelivered, interrupted or back-filled. A mark already at or past the change's sequence (in the same
life) is left as it is, and so are its items.

Expiry: the expired version's cluster items go, with both marks; its count goes if it was in progress. A
finished hour's count stays (a counts window is at most the retention, so it ages out of every window).
"""

from __future__ import annotations

import calendar
import time
from dataclasses import dataclass
from typing import Any, Final

from operations_api import batches, store
from operations_api.fleet import layout
from operations_api.fleet.clusters import cluster_items
from operations_api.record.rules import TERMINAL_STATUSES
from operations_api.settings import get_settings

BATCH_WRITE_LIMIT: Final = 25
LONGEST_WINDOW_HOURS: Final = 720
SECONDS_PER_HOUR: Final = 3_600


@dataclass(frozen=True)
class Marks:
    """The `counted` and `indexed` marks of one operation as read (raw items; None when absent)."""

    counted: dict[str, Any] | None = None
    indexed: dict[str, Any] | None = None


@dataclass(frozen=True)
class FleetChange:
    """One change for the fleet: the record before (None: nothing indexed from it) and after (None: an
    expiry), whether the version before had expired, and the marks as read with the history's head."""

    operation_id: str
    marks: Marks
    old: dict[str, Any] | None
    new: dict[str, Any] | None
    old_expired: bool = False

    def prepare(self, life: str, sequence: int) -> list[dict[str, Any]]:
        """Write the cluster items now; the actions the history's transaction adds for this change."""
        actions: list[dict[str, Any]] = []
        if not _at_or_past(self.marks.indexed, life, sequence):
            write_clusters(self.old, self.new)
            mark = (layout.INDEXED_MARK, self.marks.indexed)
            actions.append(_mark_action(self.operation_id, mark, life, sequence, {}, ends=self.new is None))
        if not _at_or_past(self.marks.counted, life, sequence):
            actions.extend(self._count_actions(life, sequence))
        return actions

    def _count_actions(self, life: str, sequence: int) -> list[dict[str, Any]]:
        counted = self.marks.counted
        before = _counted_state(counted)
        after = _state_of(self.new)
        if before is not None and before[0] in TERMINAL_STATUSES and (self.old_expired or self.new is None):
            before = None  # a finished hour's count stays: it ages out of every window
        actions = []
        if before != after:
            shard = layout.shard_number(self.operation_id, layout.COUNT_SHARDS)
            actions += [_add(shard, state, delta) for state, delta in ((before, -1), (after, 1)) if state]
        state = {"status": after[0], "hour": after[1]} if after else {}
        mark = (layout.COUNTED_MARK, counted)
        actions.append(_mark_action(self.operation_id, mark, life, sequence, state, ends=after is None))
        return actions


def mark_keys(operation_id: str) -> list[dict[str, Any]]:
    """The keys of the operation's two marks, read with the history's head (one BatchGetItem)."""
    return [
        _key(layout.marks_partition(operation_id), mark)
        for mark in (layout.COUNTED_MARK, layout.INDEXED_MARK)
    ]


def marks_of(items: list[dict[str, Any]]) -> Marks:
    by_mark = {item[layout.SORT_KEY]["S"]: item for item in items}
    return Marks(by_mark.get(layout.COUNTED_MARK), by_mark.get(layout.INDEXED_MARK))


def write_clusters(old: dict[str, Any] | None, new: dict[str, Any] | None) -> int:
    """Put the new version's items, then delete the old version's that it does not have; the requests."""
    wanted = cluster_items(new) if new else {}
    stale = cluster_items(old) if old else {}
    requests = [{"PutRequest": {"Item": item}} for item in wanted.values()]
    requests += [{"DeleteRequest": {"Key": _key(*key)}} for key in stale if key not in wanted]
    for start in range(0, len(requests), BATCH_WRITE_LIMIT):
        batches.batch_write(table(), requests[start : start + BATCH_WRITE_LIMIT])
    return len(requests)


def _at_or_past(mark: dict[str, Any] | None, life: str, sequence: int) -> bool:
    return mark is not None and mark["life"]["S"] == life and int(mark["sequence"]["N"]) >= sequence


def _state_of(document: dict[str, Any] | None) -> tuple[str, str] | None:
    """What the counts hold for a version: its status, and its hour when finished."""
    if document is None:
        return None
    status = document["status"]
    return status, layout.hour_of(document["last_update_time"]) if status in TERMINAL_STATUSES else ""


def _counted_state(mark: dict[str, Any] | None) -> tuple[str, str] | None:
    if mark is None or "status" not in mark:
        return None
    return mark["status"]["S"], mark["hour"]["S"]


def _add(shard: int, state: tuple[str, str], delta: int) -> dict[str, Any]:
    """ADD `delta` to a counter; an hour's counter expires after the longest window has passed it."""
    status, hour = state
    finished = status in TERMINAL_STATUSES
    sort_key = layout.finished_key(hour, status) if finished else layout.in_progress_key(status)
    update: dict[str, Any] = {
        "TableName": table(),
        "Key": _key(layout.counts_partition(shard), sort_key),
        "UpdateExpression": "ADD #count :delta",
        "ExpressionAttributeNames": {"#count": layout.COUNT_ATTRIBUTE},
        "ExpressionAttributeValues": {":delta": {"N": str(delta)}},
    }
    if finished:
        update["UpdateExpression"] += " SET #expires = :expires"
        update["ExpressionAttributeNames"]["#expires"] = layout.EXPIRES_ATTRIBUTE
        update["ExpressionAttributeValues"][":expires"] = {"N": str(hour_expiry(hour))}
    return {"Update": update}


def hour_expiry(hour: str) -> int:
    """An hour item's `_expires_at`: the hour's end plus the longest window (and one hour)."""
    start = calendar.timegm(time.strptime(hour, "%Y%m%d%H"))
    return start + (1 + LONGEST_WINDOW_HOURS + 1) * SECONDS_PER_HOUR


def _mark_action(
    operation_id: str,
    mark: tuple[str, dict[str, Any] | None],
    life: str,
    sequence: int,
    state: dict[str, str],
    *,
    ends: bool,
) -> dict[str, Any]:
    """A Put of the mark (a Delete when the life ends), conditioned on the mark as read or its absence."""
    name, as_read = mark
    key = _key(layout.marks_partition(operation_id), name)
    condition: dict[str, Any] = {
        "ConditionExpression": "attribute_not_exists(#sk)",
        "ExpressionAttributeNames": {"#sk": layout.SORT_KEY},
    }
    if as_read is not None:
        condition = {
            "ConditionExpression": "#life = :life AND #sequence = :sequence",
            "ExpressionAttributeNames": {"#life": "life", "#sequence": "sequence"},
            "ExpressionAttributeValues": {":life": as_read["life"], ":sequence": as_read["sequence"]},
        }
    if ends:
        return {"Delete": {"TableName": table(), "Key": key, **condition}}
    item = {**key, "life": {"S": life}, "sequence": {"N": str(sequence)}}
    item.update({attribute: {"S": value} for attribute, value in state.items()})
    return {"Put": {"TableName": table(), "Item": item, **condition}}


def _key(partition: str, sort_key: str) -> dict[str, Any]:
    return {layout.PARTITION_KEY: {"S": partition}, layout.SORT_KEY: {"S": sort_key}}


def table() -> str:
    table = get_settings().fleet_table_name
    if not table:
        raise RuntimeError("FLEET_TABLE_NAME is not set: it names the fleet's table (counts, clusters)")
    return table


def backfill(
    stored: store.StoredOperation, life: str, sequence: int, marks: Marks, records_table: str
) -> tuple[bool, bool]:
    """Count and index the current version of an operation stored before the fleet (the back-fill), each
    read model only if its mark is absent, only while the record still has that version: whether it was
    counted, and indexed. The history's head (`life`, `sequence`) has that version."""
    document, check = stored.document, batches.version_check(records_table, stored)
    counted = marks.counted is None and _transacted(
        [
            _add(
                layout.shard_number(stored.document["operation_id"], layout.COUNT_SHARDS), _state(document), 1
            ),
            _mark_action(
                document["operation_id"],
                (layout.COUNTED_MARK, None),
                life,
                sequence,
                dict(zip(("status", "hour"), _state(document), strict=True)),
                ends=False,
            ),
            check,
        ]
    )
    indexed = False
    if marks.indexed is None:
        write_clusters(None, document)
        mark = _mark_action(
            document["operation_id"], (layout.INDEXED_MARK, None), life, sequence, {}, ends=False
        )
        indexed = _transacted([mark, check])
        if not indexed:  # changed meanwhile: what was just written may be stale; the current version's stay
            current = store.get_operation(document["operation_id"])
            write_clusters(document, current.document if current is not None else None)
    return counted, indexed


def _state(document: dict[str, Any]) -> tuple[str, str]:
    state = _state_of(document)
    assert state is not None
    return state


def _transacted(actions: list[dict[str, Any]]) -> bool:
    return batches.transact(actions) is None
