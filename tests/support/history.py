"""An operation's history written straight into the history table (layout.py's items), as the stream loop
would write it, so that the history's reads are tested apart from the loop."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Sequence
from typing import Any
from urllib.parse import parse_qsl, quote

from operations_api.history import layout
from operations_api.service import version_of
from tests.support.environment import TEST_ENVIRONMENT
from tests.support.events import load_event
from tests.support.handlers import Invoke
from tests.support.listing import LONGEST_TOKEN
from tests.support.records import minimal_record

HISTORY_TABLE_NAME = TEST_ENVIRONMENT["HISTORY_TABLE_NAME"]  # the `table` fixture makes it
PRINCIPAL = "arn:aws:iam::123456789012:user/deployer"
LAMBDA_ANSWER_LIMIT = 6 * 1024 * 1024  # a synchronous function's whole answer


def history_entries(versions: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The contract's entries for a record's successive versions: patches, sequences and the digest chain."""
    import jsonpatch

    entries: list[dict[str, Any]] = []
    previous: dict[str, Any] | None = None
    for sequence, record in enumerate(versions, start=1):
        changes = (
            [{"op": "add", "path": "", "value": record}]
            if previous is None
            else jsonpatch.make_patch(previous, record).patch
        )
        entry = {
            "sequence": sequence,
            "version": version_of(record),
            "recorded_time": record["last_update_time"],
            "principal": PRINCIPAL,
            "status": record["status"],
            "previous_status": None if previous is None else previous["status"],
            "last_update_time": record["last_update_time"],
            "changes": changes,
        }
        prior = entries[-1]["digest"] if entries else ""
        chained = (prior + layout.canonical_json(entry)).encode("utf-8")
        entries.append({**entry, "digest": "sha256:" + hashlib.sha256(chained).hexdigest()})
        previous = record
    return entries


def write_history(
    client: Any,
    table_name: str,
    operation_id: str,
    versions: Sequence[dict[str, Any]],
    *,
    life: str = "100000000000000000001",
    ended: int | None = None,
    expires_at: int | None = None,
) -> list[dict[str, Any]]:
    """Each version's entry (snapshots at checkpoints) and the head, as items of the history table."""
    entries = history_entries(versions)
    for entry, record in zip(entries, versions, strict=True):
        snapshot = record if layout.is_checkpoint(entry["sequence"]) else None
        chunks = layout.encode_blob(entry, snapshot)
        for number, chunk in enumerate(chunks):
            item: dict[str, Any] = {
                layout.PARTITION_KEY: {"S": operation_id},
                layout.SORT_KEY: {"S": layout.chunk_position(life, entry["sequence"], number)},
                "blob": {"B": chunk},
            }
            if number == 0:
                item.update(
                    sequence={"N": str(entry["sequence"])},
                    version={"S": entry["version"]},
                    recorded_time={"S": entry["recorded_time"]},
                    status={"S": entry["status"]},
                    chunks={"N": str(len(chunks))},
                    size={"N": str(len(layout.canonical_json(entry).encode("utf-8")))},
                )
            client.put_item(TableName=table_name, Item=item)
    head: dict[str, Any] = {
        layout.PARTITION_KEY: {"S": operation_id},
        layout.SORT_KEY: {"S": layout.HEAD},
        "life": {"S": life},
        "sequence": {"N": str(len(entries))},
        "digest": {"S": entries[-1]["digest"]},
        "version": {"S": entries[-1]["version"]},
    }
    if ended is not None:
        head.update(ended={"N": str(ended)}, ended_time={"S": "20261123_000000"})
    if expires_at is not None:
        head[layout.HEAD_EXPIRES_AT] = {"N": str(expires_at)}
    client.put_item(TableName=table_name, Item=head)
    return entries


def versions_of(operation_id: str, count: int, *, body_bytes: int = 0) -> list[dict[str, Any]]:
    """`count` successive records of one operation, each a later report; with `body_bytes`, each carries a
    body of that many fresh characters, so that every version rewrites all of it."""
    versions = []
    for number in range(1, count + 1):
        record = minimal_record(
            operation_id=operation_id,
            last_update_time=f"20261122_{number // 3600 % 24:02d}{number // 60 % 60:02d}{number % 60:02d}",
            occurred_time="20261122_000000",
            sub_status=f"step {number}",
        )
        if body_bytes:
            record["request"]["body"] = _text(number, body_bytes)
        versions.append(record)
    return versions


def _text(seed: int, length: int) -> str:
    """Text that zlib cannot shrink much: hex digits of a hash chain."""
    blocks: list[str] = []
    block = hashlib.sha256(str(seed).encode()).hexdigest()
    while len(blocks) * 64 < length:
        blocks.append(block)
        block = hashlib.sha256(block.encode()).hexdigest()
    return "".join(blocks)[:length]


def history_event(operation_id: str, sequence: str | None = None, raw_query: str = "") -> dict[str, Any]:
    """The history page's fixture event (or the version's, with `sequence`) for another id and query."""
    event = load_event("get_history" if sequence is None else "get_history_version")
    path = f"/v1/operations/{operation_id}/history" + ("" if sequence is None else f"/{sequence}")
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    event["rawQueryString"] = raw_query
    event["queryStringParameters"] = dict(parse_qsl(raw_query, keep_blank_values=True)) or None
    event["pathParameters"] = {"operation_id": operation_id}
    if sequence is not None:
        event["pathParameters"]["sequence"] = sequence
    return event


def walk_history(
    read: Invoke, operation_id: str, page_size: int
) -> tuple[list[list[dict[str, Any]]], list[str]]:
    """Every page of an operation's history through the route, following next_page_token, each page
    checked as the contract says (200, 1 to page_size entries, the whole answer under Lambda's 6 MB, its
    token within 512 characters); the pages, and the tokens given."""
    pages: list[list[dict[str, Any]]] = []
    tokens: list[str] = []
    raw_query = f"page_size={page_size}"
    for _ in range(100_000):
        answer = read(history_event(operation_id, raw_query=raw_query))
        assert answer["statusCode"] == 200, answer
        assert len(json.dumps(answer).encode("utf-8")) < LAMBDA_ANSWER_LIMIT
        page = json.loads(answer["body"])
        assert 1 <= len(page["entries"]) <= page_size, "every page holds 1 to page_size entries"
        pages.append(page["entries"])
        if "next_page_token" not in page:
            return pages, tokens
        tokens.append(page["next_page_token"])
        assert len(tokens[-1]) <= LONGEST_TOKEN, f"a token of {len(tokens[-1])} characters"
        raw_query = f"page_size={page_size}&page_token={quote(page['next_page_token'])}"
    raise AssertionError("the pages never ended")


RECORDING_SECONDS = 120.0


def history_recorded(
    client: Any, table_name: str, operation_id: str, versions: Sequence[dict[str, Any]]
) -> None:
    """Waits until the stream loop has recorded the history of these versions, already PUT in order."""
    key = {layout.PARTITION_KEY: {"S": operation_id}, layout.SORT_KEY: {"S": layout.HEAD}}
    deadline = time.monotonic() + RECORDING_SECONDS
    while time.monotonic() < deadline:
        head = client.get_item(TableName=table_name, Key=key, ConsistentRead=True).get("Item")
        if head is not None and int(head["sequence"]["N"]) >= len(versions):
            return
        time.sleep(0.1)
    raise AssertionError(f"the loop did not record {len(versions)} entries within {RECORDING_SECONDS} s")
