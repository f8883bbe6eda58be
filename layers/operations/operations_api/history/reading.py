"""Reading an operation's history (docs/api.md, "History"): a page of entries, and the record as it was.

Every read first checks, from the history's head alone (one GetItem of a small item, never the record),
that the history may be shown: the head's life has neither ended (its record was deleted, by TTL or by
hand) nor expired (its last version's retention is over, whether or not a PUT has created the id anew
since); otherwise the operation is unknown (404). docs/design.md, "Reading the history", says what this
shows while the loop has not yet recorded the latest change. A page is one Query over the entries it may
hold (more only when an entry's chunks pass DynamoDB's 1 MB answer), cut where the body would pass
BODY_LIMIT or the function's answer, in which API Gateway's body is a JSON string escaped once more, would
pass ANSWER_LIMIT; it always holds at least one entry. A version is one Query from the checkpoint at or
before it to it, whatever the history's length (`layout.CHECKPOINT_EVERY`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, Final, NamedTuple

from operations_api import problems, service, store
from operations_api.history import layout, query
from operations_api.listing.index import is_expired
from operations_api.settings import get_settings
from operations_api.store import StoredOperation

BODY_LIMIT: Final = 5_000_000  # under 5 MB (docs/api.md, "History")
# Lambda's 6 MB answer (6,291,456 bytes) less room for its envelope: status, headers and their names.
ANSWER_LIMIT: Final = 6_291_456 - 16_384
LAST_CHUNK: Final = 9_999  # `layout.chunk_position`'s four digits
PAGE_PREFIX: Final = '{"entries":['
PAGE_SUFFIX: Final = '],"next_page_token":"' + "x" * 40 + '"}'  # a token's room, counted whether or not given


class Head(NamedTuple):
    life: str
    sequence: int


def history_page(operation_id: str, raw_query_string: str) -> dict[str, Any]:
    """One page of the history, oldest first: {"entries": [...], "next_page_token": ...}."""
    service.check_path_operation_id(operation_id, write=False)
    asked = query.parse_query(raw_query_string)
    head = visible_head(operation_id)
    token = asked.page_token
    first = 1 if token is None else query.read_token(token, operation_id, head.life, head.sequence)
    last = min(head.sequence, first + asked.page_size - 1)
    entries = fitting_entries(read_entries(operation_id, head.life, first, last))
    if not entries or not _consecutive(entries, first):
        raise problems.operation_not_found(operation_id)  # the life's entries went as it was read (below)
    answer: dict[str, Any] = {"entries": entries}
    following = first + len(entries)
    if following <= head.sequence:
        answer["next_page_token"] = query.make_token(operation_id, head.life, following)
    return answer


def version_at(operation_id: str, sequence_text: str) -> StoredOperation:
    """The whole record as it was after change `sequence`, and that version."""
    service.check_path_operation_id(operation_id, write=False)
    sequence = query.parse_sequence(sequence_text)
    head = visible_head(operation_id)
    if sequence > head.sequence:
        raise problems.sequence_not_found(operation_id, sequence)
    checkpoint = layout.checkpoint_at_or_before(sequence)
    blobs = list(read_blobs(operation_id, head.life, checkpoint, sequence))
    if len(blobs) != sequence - checkpoint + 1 or not _consecutive([entry for entry, _ in blobs], checkpoint):
        raise problems.operation_not_found(operation_id)  # the life's entries went as it was read (below)
    (first, snapshot), *later = blobs
    if snapshot is None:
        raise RuntimeError(f"the history of {operation_id!r} has no snapshot at checkpoint {checkpoint}")
    record, entry = snapshot, first
    if later:
        import jsonpatch  # only a version between checkpoints needs it: not on the cold path of a page

        for entry, _ in later:
            record = jsonpatch.apply_patch(record, entry["changes"], in_place=True)
    return StoredOperation(record, str(entry["version"]))


def _consecutive(entries: list[dict[str, Any]], first: int) -> bool:
    """Whether these are the entries from `first` on, none missing. Not so when a new life began after the
    head was read: the loop deletes the old life's entries, and what is left of them is no longer shown."""
    return [entry["sequence"] for entry in entries] == list(range(first, first + len(entries)))


def visible_head(operation_id: str) -> Head:
    """The head of the history the routes may show, or a 404 problem. Strongly consistent, as the Query of
    its entries is: an older head could name a life whose entries the loop has deleted since."""
    try:
        item = store.get_item(
            {
                "TableName": get_settings().history_table_name,
                "Key": {layout.PARTITION_KEY: {"S": operation_id}, layout.SORT_KEY: {"S": layout.HEAD}},
                "ConsistentRead": True,
                "ProjectionExpression": "#life, #sequence, #ended, #expires",
                "ExpressionAttributeNames": {
                    "#life": "life",
                    "#sequence": "sequence",
                    "#ended": "ended",
                    "#expires": layout.HEAD_EXPIRES_AT,
                },
                "ReturnConsumedCapacity": "TOTAL",
            }
        ).get("Item")
    except store.StoreUnavailable:
        raise problems.store_unavailable(write=False) from None
    if item is None or "ended" in item or "sequence" not in item or _life_expired(item):
        raise problems.operation_not_found(operation_id)
    return Head(item["life"]["S"], int(item["sequence"]["N"]))


def _life_expired(head: dict[str, Any]) -> bool:
    """Whether the head's life ended by expiry, though not marked `ended`: TTL has not deleted the expired
    item yet, or a PUT created the record anew over it and the loop has not recorded the new life yet."""
    expiry = head.get(layout.HEAD_EXPIRES_AT, {}).get("N")
    return is_expired(int(expiry) if expiry is not None else None, store.now_seconds())


def read_entries(operation_id: str, life: str, first: int, last: int) -> Iterator[dict[str, Any]]:
    for entry, _ in read_blobs(operation_id, life, first, last):
        yield entry


def read_blobs(
    operation_id: str, life: str, first: int, last: int
) -> Iterator[tuple[dict[str, Any], dict[str, Any] | None]]:
    """Entries `first` to `last` of a life, in order, each with its snapshot (None between checkpoints);
    the Query goes on past DynamoDB's 1 MB answer only while the caller takes more."""
    chunks: list[bytes] = []
    expected = 0
    for item in _items(operation_id, life, first, last):
        if "chunks" in item:  # chunk 0 of an entry
            chunks, expected = [], int(item["chunks"]["N"])
        chunks.append(item["blob"]["B"])
        if len(chunks) == expected:
            yield layout.decode_blob(chunks)


def _items(operation_id: str, life: str, first: int, last: int) -> Iterator[dict[str, Any]]:
    request: dict[str, Any] = {
        "TableName": get_settings().history_table_name,
        "KeyConditionExpression": "#id = :id AND #position BETWEEN :first AND :last",
        "ExpressionAttributeNames": {
            "#id": layout.PARTITION_KEY,
            "#position": layout.SORT_KEY,
            "#blob": "blob",
            "#chunks": "chunks",
        },
        "ExpressionAttributeValues": {
            ":id": {"S": operation_id},
            ":first": {"S": layout.chunk_position(life, first, 0)},
            ":last": {"S": layout.chunk_position(life, last, LAST_CHUNK)},
        },
        "ProjectionExpression": "#blob, #chunks",
        "ConsistentRead": True,
        "ReturnConsumedCapacity": "TOTAL",  # what a read costs: devtools/bench/history.py counts it
    }
    while True:
        try:
            response = store.query(request)
        except store.StoreUnavailable:
            raise problems.store_unavailable(write=False) from None
        yield from response.get("Items", [])
        if "LastEvaluatedKey" not in response:
            return
        request["ExclusiveStartKey"] = response["LastEvaluatedKey"]


def fitting_entries(entries: Iterator[dict[str, Any]]) -> list[dict[str, Any]]:
    """The entries, in order, up to the first that would take the page past BODY_LIMIT or its escaped
    answer past ANSWER_LIMIT; the first is always taken."""
    page: list[dict[str, Any]] = []
    body_bytes = len(PAGE_PREFIX) + len(PAGE_SUFFIX)
    answer_bytes = escaped_size(PAGE_PREFIX + PAGE_SUFFIX)
    for entry in entries:
        text = json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + ","
        body_bytes += len(text.encode("utf-8"))
        answer_bytes += escaped_size(text)
        if page and (body_bytes > BODY_LIMIT or answer_bytes > ANSWER_LIMIT):
            break
        page.append(entry)
    return page


def escaped_size(text: str) -> int:
    """Bytes of `text` as a JSON string in Lambda's answer, at worst (non-ASCII characters \\u-escaped)."""
    return len(json.dumps(text)) - 2
