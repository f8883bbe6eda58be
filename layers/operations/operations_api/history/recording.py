"""The history's writes: each change of the stream becomes its entry exactly once (docs/design.md, "History").

Per change, one BatchGetItem reads the operation's head and the stream record's mark. A mark means the
change was written before (a redelivery): nothing is written again, and what it got is returned, so its
event is published again. Otherwise one TransactWriteItems writes the entry's chunks
(`attribute_not_exists`), the mark (`attribute_not_exists`) and the head, conditioned on the head as it was
read (its life and sequence, or its absence): whatever the stream redelivers, a change lands once, and a
change that finds the history otherwise than expected writes nothing and fails (it is retried).

Contention: a transaction canceled only by concurrent writers (a conflict on a shared counter of the
fleet, or a failed condition on the head or a fleet mark, which the back-fill also writes) is built again
from a fresh read and retried in place, a few times (`batches.retried`), before the change fails: the
conditions decide again, so nothing is written twice.

Lives: a creation, or a PUT over an expired item, starts a life named by its stream record's sequence
number; the previous life's entries are deleted after the transaction (again on a redelivery: deleting is
idempotent). A deletion marks the head `ended`, so that the reads need no more than the head: an expiry
publishes its `Operation Expired`, a deletion by hand nothing. An operation stored before the history
existed first gets its sequence 1 from the change's old image, under the same condition as the back-fill
(`write_pre_history`): whichever comes first writes it, once.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Any, Final

from operations_api import batches, store
from operations_api.events.changes import Change
from operations_api.fleet.recording import FleetChange, Marks, marks_of
from operations_api.fleet.recording import mark_keys as fleet_marks
from operations_api.fleet.recording import table as fleet_table
from operations_api.history import layout
from operations_api.history.entries import Written, build_entry
from operations_api.history.transactions import HistoryConflict, transact
from operations_api.settings import get_settings

BATCH_WRITE_LIMIT: Final = 25  # BatchWriteItem's requests per call
_NAMES: Final = {"#position": layout.SORT_KEY}
_ABSENT: Final = "attribute_not_exists(#position)"


@dataclass(frozen=True)
class Head:
    life: str
    sequence: int
    digest: str
    version: str
    ended: int | None = None


@dataclass(frozen=True)
class Recorded:
    """What the history gave a change: its sequence (None for an expiry alone), the sequence and time of a
    life's end that it published first, and how many entries were written now (0 on a redelivery)."""

    sequence: int | None
    expired_sequence: int | None = None
    expired_time: str | None = None
    entries_written: int = 0
    retries: int = 0  # transactions that met concurrent writers and were built again


def record(change: Change) -> Recorded | None:
    """Write the change's entry (once); None when it adds nothing (an identical replay, a life ended)."""
    if change.is_replay:
        return None
    bootstrapped: list[str] = []  # the pre-history sequence 1 written by an attempt, kept across them
    recorded, retries = batches.retried(lambda: _record_once(change, bootstrapped))
    if recorded is None:
        return None
    return replace(recorded, entries_written=recorded.entries_written + len(bootstrapped), retries=retries)


def _record_once(change: Change, bootstrapped: list[str]) -> Recorded | None:
    head, mark, marks = read_state(change.operation_id, change.stream_sequence)
    if mark is not None:
        return _redelivered(change, mark)
    if head is None and change.old is not None:
        if _write_pre_history_once(change.operation_id, change.old):
            bootstrapped.append(change.operation_id)
        head, _ = read_head_and_mark(change.operation_id, change.stream_sequence)
    fleet = FleetChange(
        change.operation_id,
        marks,
        change.old.document if change.old is not None else None,
        change.new.document if change.new is not None else None,
        change.old_expired,
    )
    if change.new is None:
        return _record_expiry(change, head, fleet)
    if change.starts_life or head is None or head.ended is not None:
        return _record_new_life(change, head, fleet)
    return _record_next(change, head, fleet)


def write_pre_history(operation_id: str, stored: store.StoredOperation, *, records_table: str = "") -> bool:
    """Sequence 1 of an operation stored before the history existed (principal and time unknown), if it has
    no head yet; False if it has. With `records_table` (the back-fill), only while the record still has
    that version. Retried in place while it meets concurrent writers (its conditions need no read)."""
    written, _ = batches.retried(lambda: _write_pre_history_once(operation_id, stored, records_table))
    return written


def _write_pre_history_once(
    operation_id: str, stored: store.StoredOperation, records_table: str = ""
) -> bool:
    entry = build_entry(
        Written(None), stored.document, version=stored.version, recorded_time=None, principal=None
    )
    actions = _entry_puts(operation_id, layout.PRE_HISTORY_LIFE, entry, stored.document)
    actions.append(_put(_head_item(operation_id, layout.PRE_HISTORY_LIFE, entry), None))
    if records_table:
        actions.append(batches.version_check(records_table, stored))
    try:  # a failed condition is an answer here (a head already, or another version), not contention
        transact(actions, shared=lambda _: False)
    except HistoryConflict:
        return False
    return True


def _record_next(change: Change, head: Head, fleet: FleetChange) -> Recorded:
    assert change.new is not None
    assert change.old is not None
    if head.life == layout.PRE_HISTORY_LIFE and head.sequence == 1 and head.version != change.old.version:
        # the back-fill recorded a later version as sequence 1 before the stream came to this change
        return Recorded(head.sequence)
    previous = Written(change.old.document, head.sequence, head.digest)
    entry = _entry(change, previous)
    actions = _entry_puts(change.operation_id, head.life, entry, change.new.document)
    actions.append(_mark(change, head.life, entry["sequence"]))
    actions.append(_head_update(change.operation_id, head, entry, change.new_expires_at))
    transact(actions + fleet.prepare(head.life, entry["sequence"]))
    return Recorded(entry["sequence"], entries_written=1)


def _record_new_life(change: Change, head: Head | None, fleet: FleetChange) -> Recorded:
    assert change.new is not None
    life = change.stream_sequence
    entry = _entry(change, Written(None))
    ends_life = head is not None and head.ended is None and change.old_expired
    expired_sequence = head.sequence + 1 if head is not None and ends_life else None
    expired = {"expired": expired_sequence, "expired_time": change.recorded_time} if expired_sequence else {}
    old_life = {"expired_life": head.life} if head is not None else {}
    actions = _entry_puts(change.operation_id, life, entry, change.new.document)
    actions.append(_mark(change, life, 1, **expired, **old_life))
    actions.append(_put(_head_item(change.operation_id, life, entry, change.new_expires_at), head))
    transact(actions + fleet.prepare(life, 1))
    if head is not None:
        delete_life(change.operation_id, head.life)
    return Recorded(1, expired_sequence, change.recorded_time if expired_sequence else None, 1)


def _record_expiry(change: Change, head: Head | None, fleet: FleetChange) -> Recorded | None:
    if head is None or head.ended is not None:
        return None  # no life to end (it was never recorded, or it ended already)
    ended = head.sequence + 1
    expired = {} if change.deleted_by_hand else {"expired": ended, "expired_time": change.recorded_time}
    mark = _mark(change, head.life, ended, **expired, expired_life=head.life)
    update = {
        "Update": {
            "TableName": _table(),
            "Key": _key(change.operation_id, layout.HEAD),
            "UpdateExpression": "SET #ended = :ended, #ended_time = :ended_time",
            "ConditionExpression": f"{_EXPECTED} AND attribute_not_exists(#ended)",
            "ExpressionAttributeNames": {**_HEAD_NAMES, "#ended": "ended", "#ended_time": "ended_time"},
            "ExpressionAttributeValues": {
                **_expected_values(head),
                ":ended": {"N": str(ended)},
                ":ended_time": _text_or_null(change.recorded_time),
            },
        }
    }
    transact([mark, update, *fleet.prepare(head.life, ended)])
    delete_life(change.operation_id, head.life)
    return Recorded(None) if change.deleted_by_hand else Recorded(None, ended, change.recorded_time)


def _redelivered(change: Change, mark: dict[str, Any]) -> Recorded:
    expired_life = mark.get("expired_life", {}).get("S")
    if expired_life is not None:
        delete_life(change.operation_id, expired_life)  # the first delivery may have stopped before it
    expired = mark.get("expired", {}).get("N")
    return Recorded(
        int(mark["sequence"]["N"]) if change.new is not None else None,
        int(expired) if expired is not None else None,
        mark.get("expired_time", {}).get("S"),
    )


def _entry(change: Change, previous: Written) -> dict[str, Any]:
    assert change.new is not None
    return build_entry(
        previous,
        change.new.document,
        version=change.new.version,
        recorded_time=change.recorded_time,
        principal=change.principal,
    )


def read_head_and_mark(operation_id: str, stream_sequence: str) -> tuple[Head | None, dict[str, Any] | None]:
    head, mark, _ = read_state(operation_id, stream_sequence, with_fleet=False)
    return head, mark


def read_state(
    operation_id: str, stream_sequence: str, *, with_fleet: bool = True
) -> tuple[Head | None, dict[str, Any] | None, Marks]:
    """The operation's head, the stream record's mark and the fleet's marks: one consistent BatchGetItem."""
    table, mark_position = _table(), layout.stream_mark_position(stream_sequence)
    keys = [_key(operation_id, layout.HEAD), _key(operation_id, mark_position)]
    wanted = {table: {"Keys": keys, "ConsistentRead": True}}
    if with_fleet:
        wanted[fleet_table()] = {"Keys": fleet_marks(operation_id), "ConsistentRead": True}
    found = batches.batch_get(wanted)
    by_position = {item[layout.SORT_KEY]["S"]: item for item in found[table]}
    head = by_position.get(layout.HEAD)
    marks = marks_of(found[fleet_table()]) if with_fleet else Marks()
    return (_head_of(head) if head is not None else None), by_position.get(mark_position), marks


def delete_life(operation_id: str, life: str) -> None:
    """Delete a life's entries (idempotent: what is gone already is not found)."""
    keys = [
        _key(operation_id, position) for position in _positions(operation_id, layout.entries_prefix(life))
    ]
    for start in range(0, len(keys), BATCH_WRITE_LIMIT):
        requests = [{"DeleteRequest": {"Key": key}} for key in keys[start : start + BATCH_WRITE_LIMIT]]
        batches.batch_write(_table(), requests)


def _positions(operation_id: str, prefix: str) -> list[str]:
    request: dict[str, Any] = {
        "TableName": _table(),
        "KeyConditionExpression": "#id = :id AND begins_with(#position, :prefix)",
        "ExpressionAttributeNames": {"#id": layout.PARTITION_KEY, **_NAMES},
        "ExpressionAttributeValues": {":id": {"S": operation_id}, ":prefix": {"S": prefix}},
        "ProjectionExpression": "#position",
        "ConsistentRead": True,
    }
    positions: list[str] = []
    while True:
        answer = store.query(request)
        positions.extend(item[layout.SORT_KEY]["S"] for item in answer.get("Items", []))
        if "LastEvaluatedKey" not in answer:
            return positions
        request["ExclusiveStartKey"] = answer["LastEvaluatedKey"]


_HEAD_NAMES: Final = {"#life": "life", "#sequence": "sequence"}
_EXPECTED: Final = "#life = :expected_life AND #sequence = :expected_sequence"


def _expected_values(head: Head) -> dict[str, Any]:
    return {":expected_life": {"S": head.life}, ":expected_sequence": {"N": str(head.sequence)}}


def _put(item: dict[str, Any], expected: Head | None) -> dict[str, Any]:
    """A Put of the head (or any item) that holds only if the head is as read (`expected`), or absent."""
    put: dict[str, Any] = {"TableName": _table(), "Item": item}
    if expected is None:
        put.update(ConditionExpression=_ABSENT, ExpressionAttributeNames=_NAMES)
    else:
        put.update(
            ConditionExpression=_EXPECTED,
            ExpressionAttributeNames=_HEAD_NAMES,
            ExpressionAttributeValues=_expected_values(expected),
        )
    return {"Put": put}


def _head_update(
    operation_id: str, head: Head, entry: dict[str, Any], expires_at: int | None
) -> dict[str, Any]:
    """The head advanced to `entry`, carrying its version's expiry (or none): the reads hide a life whose
    last version expired, before a PUT over it starts a new one (layout.HEAD_EXPIRES_AT)."""
    expiry = ", #expires = :expires" if expires_at is not None else " REMOVE #expires"
    values = {":expires": {"N": str(expires_at)}} if expires_at is not None else {}
    return {
        "Update": {
            "TableName": _table(),
            "Key": _key(operation_id, layout.HEAD),
            "UpdateExpression": "SET #sequence = :sequence, #digest = :digest, #version = :version" + expiry,
            "ConditionExpression": f"{_EXPECTED} AND attribute_not_exists(#ended)",
            "ExpressionAttributeNames": {
                **_HEAD_NAMES,
                "#digest": "digest",
                "#version": "version",
                "#ended": "ended",
                "#expires": layout.HEAD_EXPIRES_AT,
            },
            "ExpressionAttributeValues": {
                **values,
                **_expected_values(head),
                ":sequence": {"N": str(entry["sequence"])},
                ":digest": {"S": entry["digest"]},
                ":version": {"S": entry["version"]},
            },
        }
    }


def _head_item(
    operation_id: str, life: str, entry: dict[str, Any], expires_at: int | None = None
) -> dict[str, Any]:
    expiry = {layout.HEAD_EXPIRES_AT: {"N": str(expires_at)}} if expires_at is not None else {}
    return {
        **_key(operation_id, layout.HEAD),
        "life": {"S": life},
        "sequence": {"N": str(entry["sequence"])},
        "digest": {"S": entry["digest"]},
        "version": {"S": entry["version"]},
        **expiry,
    }


def _head_of(item: dict[str, Any]) -> Head:
    ended = item.get("ended", {}).get("N")
    return Head(
        life=item["life"]["S"],
        sequence=int(item["sequence"]["N"]),
        digest=item["digest"]["S"],
        version=item["version"]["S"],
        ended=int(ended) if ended is not None else None,
    )


def _entry_puts(
    operation_id: str, life: str, entry: dict[str, Any], record: dict[str, Any]
) -> list[dict[str, Any]]:
    """The Puts of an entry's chunks (the record too, at a checkpoint), each only where none is yet."""
    sequence = entry["sequence"]
    snapshot = record if layout.is_checkpoint(sequence) else None
    chunks = layout.encode_blob(entry, snapshot)
    items = [
        {**_key(operation_id, layout.chunk_position(life, sequence, index)), "blob": {"B": chunk}}
        for index, chunk in enumerate(chunks)
    ]
    items[0].update(
        sequence={"N": str(sequence)},
        version={"S": entry["version"]},
        recorded_time=_text_or_null(entry["recorded_time"]),
        status={"S": entry["status"]},
        chunks={"N": str(len(chunks))},
        size={"N": str(len(layout.canonical_json(entry).encode("utf-8")))},
    )
    return [_put(item, None) for item in items]


def _mark(change: Change, life: str, sequence: int, **extra: Any) -> dict[str, Any]:
    """The stream record's mark: applied, and what it got (and the life it ended, to publish again)."""
    item = {
        **_key(change.operation_id, layout.stream_mark_position(change.stream_sequence)),
        "sequence": {"N": str(sequence)},
        "life": {"S": life},
        "recorded_time": _text_or_null(change.recorded_time),
        layout.EXPIRES_ATTRIBUTE: {"N": str(int(time.time()) + layout.MARK_KEPT_SECONDS)},
    }
    for name, value in extra.items():
        item[name] = {"N": str(value)} if isinstance(value, int) else _text_or_null(value)
    return _put(item, None)


def _key(operation_id: str, position: str) -> dict[str, Any]:
    return {layout.PARTITION_KEY: {"S": operation_id}, layout.SORT_KEY: {"S": position}}


def _text_or_null(value: str | None) -> dict[str, Any]:
    return {"NULL": True} if value is None else {"S": value}


def _table() -> str:
    table = get_settings().history_table_name
    if not table:
        raise RuntimeError("HISTORY_TABLE_NAME is not set: it names the history's table")
    return table
