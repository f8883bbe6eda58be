"""Give every stored operation without a history its sequence 1: the version it has, `principal` and
`recorded_time` null (docs/api.md). Run by `make backfill ARGS="--table T --history-table H"`
(ops/backfill.py's command line); when to run it: docs/operate.md, "Back-filling the history".

It reads the records' table with a Scan (a one-off administrative pass, as the re-index), and for each live
record writes its sequence 1 with the history loop's own write (`history.recording.write_pre_history`): one
transaction, only if the operation has no head yet and the record still has the version read. So the
back-fill and the loop's next change of the operation, whichever comes first, write it, once; a record that
a PUT changes meanwhile is left to the loop. Safe to run again and to interrupt: it skips what is done.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from operations_api import store
from operations_api.history import recording


def summary_line(counts: Counter[str]) -> str:
    """What a run did, in one line: the records read, and what became of them."""
    return (
        f"{counts['scanned']} records read: {counts['written']} given their sequence 1, {counts['skipped']} "
        "left as they were (a history already, or changed by a PUT meanwhile: the loop records it), "
        f"{counts['expired']} expired (no history to start)"
    )


def backfill_history(
    items: Iterable[dict[str, Any]], records_table: str, *, dry_run: bool = False
) -> Counter[str]:
    """Sequence 1 for each item (as the records' table's Scan returns them) whose operation has no head;
    how many were scanned, written, skipped and expired."""
    counts: Counter[str] = Counter()
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
    return counts
