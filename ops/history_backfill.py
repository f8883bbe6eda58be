"""Give every stored operation without a history its sequence 1: the version it has, `principal` and
`recorded_time` null (docs/api.md); with a fleet table, count and index every operation the fleet's read
models do not hold yet. Run by `make backfill ARGS="--table T --history-table H --fleet-table F"`
(ops/backfill.py's command line); when to run it: docs/operate.md, "Back-filling the history".

It reads the records' table with a Scan (a one-off administrative pass, as the re-index), and for each live
record writes its sequence 1 with the history loop's own write (`history.recording.write_pre_history`): one
transaction, only if the operation has no head yet and the record still has the version read. So the
back-fill and the loop's next change of the operation, whichever comes first, write it, once; a record that
a PUT changes meanwhile is left to the loop. Safe to run again and to interrupt: it skips what is done.

The fleet's back-fill follows (`fleet.recording.backfill`), once the history's head has the record's
version: each read model from its own mark, counted / indexed once, conditioned on the mark's absence and
on the record's version; an operation whose history lags its record is left to the loop, which counts and
indexes it at its next change (a missing mark means nothing is held for it yet).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from operations_api import store
from operations_api.fleet import recording as fleet
from operations_api.history import recording


def summary_line(counts: Counter[str]) -> str:
    """What a run did, in one line: the records read, and what became of them."""
    return (
        f"{counts['scanned']} records read: {counts['written']} given their sequence 1, {counts['skipped']} "
        "left as they were (a history already, or changed by a PUT meanwhile: the loop records it), "
        f"{counts['expired']} expired (no history to start)"
        + (
            f"; the fleet: {counts['counted']} counted, {counts['indexed']} indexed"
            if counts["fleet"]
            else ""
        )
    )


def backfill_history(
    items: Iterable[dict[str, Any]], records_table: str, *, dry_run: bool = False, with_fleet: bool = False
) -> Counter[str]:
    """Sequence 1 for each item (as the records' table's Scan returns them) whose operation has no head,
    and `with_fleet`, its counts and clusters; how many were scanned, written, skipped, expired, counted and
    indexed."""
    counts: Counter[str] = Counter(fleet=int(with_fleet))
    for item in items:
        counts["scanned"] += 1
        if store.item_expired(item, store.now_seconds()):
            counts["expired"] += 1
            continue
        stored = store.from_item(item)
        operation_id = stored.document["operation_id"]
        if dry_run:
            head, _ = recording.read_head_and_mark(operation_id, "")
            written = head is None
        else:
            written = recording.write_pre_history(operation_id, stored, records_table=records_table)
        counts["written" if written else "skipped"] += 1
        if with_fleet:
            counts.update(_backfill_fleet(stored, records_table, dry_run=dry_run))
    return counts


def _backfill_fleet(stored: store.StoredOperation, records_table: str, *, dry_run: bool) -> list[str]:
    """What the fleet's back-fill did for one record: "counted", "indexed", both or neither."""
    operation_id = stored.document["operation_id"]
    head, _, marks = recording.read_state(operation_id, "")
    if dry_run:
        return [
            name for name, mark in (("counted", marks.counted), ("indexed", marks.indexed)) if mark is None
        ]
    if head is None or head.version != stored.version or head.ended is not None:
        return []  # the history lags the record: the loop counts and indexes it at that change
    done = fleet.backfill(stored, head.life, head.sequence, marks, records_table)
    return [name for name, did in zip(("counted", "indexed"), done, strict=True) if did]
