"""The history as the loop stored it, read straight from its table (moto), decoded and checked: what the
history tests share. The checks follow the contract (docs/api.md), not the loop's code: sequences without
gap, each entry's changes rebuilding its version, the digest chain, checkpoints holding their record."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

from devtools.local_events import drain
from operations_api import service, settings, store
from operations_api.history import entries, layout
from tests.support.history import HISTORY_TABLE_NAME


@dataclass
class StoredHistory:
    head: dict[str, Any] | None
    entries: list[dict[str, Any]]  # the head's life, in position order
    snapshots: dict[int, dict[str, Any]]  # sequence -> the record stored at that checkpoint
    lives: set[str]  # every life that still has entries
    marks: int


def items_of(operation_id: str) -> list[dict[str, Any]]:
    request: dict[str, Any] = {
        "TableName": HISTORY_TABLE_NAME,
        "KeyConditionExpression": "operation_id = :id",
        "ExpressionAttributeValues": {":id": {"S": operation_id}},
        "ConsistentRead": True,
    }
    return every_page("query", request)


def every_page(operation: str, request: dict[str, Any]) -> list[dict[str, Any]]:
    """The items of a Query or a Scan, page after page."""
    items: list[dict[str, Any]] = []
    while True:
        answer = store.request(operation, **request)
        items.extend(answer["Items"])
        if "LastEvaluatedKey" not in answer:
            return items
        request["ExclusiveStartKey"] = answer["LastEvaluatedKey"]


def stored_history(operation_id: str) -> StoredHistory:
    """Every item of the operation's partition, its head's life decoded with layout.decode_blob."""
    items = items_of(operation_id)
    head = next((item for item in items if item["position"]["S"] == layout.HEAD), None)
    chunks: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for item in items:
        position = item["position"]["S"]
        if position.startswith("entry#"):
            _, life, sequence, _chunk = position.split("#")
            chunks.setdefault((life, int(sequence)), []).append(item)
    life = head["life"]["S"] if head else None
    found, snapshots = [], {}
    for (entry_life, sequence), parts in sorted(chunks.items()):
        if entry_life != life:
            continue
        assert int(parts[0]["chunks"]["N"]) == len(parts), f"entry {sequence}: chunks missing"
        entry, snapshot = layout.decode_blob([bytes(part["blob"]["B"]) for part in parts])
        assert parts[0]["sequence"]["N"] == str(entry["sequence"]) == str(sequence)
        assert parts[0]["version"]["S"] == entry["version"]
        assert int(parts[0]["size"]["N"]) == len(layout.canonical_json(entry).encode("utf-8"))
        assert (snapshot is not None) == layout.is_checkpoint(sequence), f"entry {sequence}: checkpoint"
        found.append(entry)
        if snapshot is not None:
            snapshots[sequence] = snapshot
    marks = sum(item["position"]["S"].startswith("stream#") for item in items)
    return StoredHistory(head, found, snapshots, {life for life, _ in chunks}, marks)


def verified_versions(history: StoredHistory) -> list[dict[str, Any]]:
    """Each version rebuilt by applying the entries' changes in order, every check of the contract made on
    the way (no gap, the version's digest, the chain, the checkpoints); the records, in order."""
    records: list[dict[str, Any]] = []
    previous_digest, record = "", None
    for number, entry in enumerate(history.entries, start=1):
        assert entry["sequence"] == number, f"a gap before {entry['sequence']}"
        record = entries.apply_changes(record, entry["changes"])
        assert service.version_of(record) == entry["version"], f"entry {number} does not rebuild its version"
        assert entry["digest"] == entries.digest(previous_digest, entry), f"entry {number} breaks the chain"
        assert entry["status"] == record["status"]
        assert entry["last_update_time"] == record["last_update_time"]
        if number in history.snapshots:
            assert history.snapshots[number] == record, f"checkpoint {number} differs"
        previous_digest = entry["digest"]
        records.append(record)
    if history.head is not None and history.entries:
        assert history.head["sequence"]["N"] == str(len(history.entries))
        assert history.head["digest"]["S"] == previous_digest
    return records


def version_at(history: StoredHistory, sequence: int) -> dict[str, Any]:
    """A version rebuilt from its checkpoint, as a reader would: at most CHECKPOINT_EVERY - 1 patches."""
    start = layout.checkpoint_at_or_before(sequence)
    record = history.snapshots[start]
    for entry in history.entries[start:sequence]:
        record = entries.apply_changes(record, entry["changes"])
    return record


class DeadLetters:
    """The loop's dead-letter queue on moto (inside the `table` fixture's mock), named in the settings."""

    def __init__(self) -> None:
        from operations_api.events import publisher

        self.sqs = boto3_client("sqs")
        self.queue_url = self.sqs.create_queue(QueueName="operations-events-dlq-test")["QueueUrl"]
        os.environ["EVENTS_DEAD_LETTER_QUEUE_URL"] = self.queue_url
        settings.get_settings.cache_clear()
        publisher.queue_client.cache_clear()

    def received(self) -> list[dict[str, Any]]:
        """The PutEvents entries the queue holds (each taken off it), in the order sent."""
        return drain(self.sqs, self.queue_url)

    def operations(self) -> list[str]:
        return [json.loads(entry["Detail"])["operation_id"] for entry in self.received()]

    def close(self) -> None:
        from operations_api.events import publisher

        os.environ.pop("EVENTS_DEAD_LETTER_QUEUE_URL", None)
        settings.get_settings.cache_clear()
        publisher.queue_client.cache_clear()


def boto3_client(service: str) -> Any:
    import boto3

    return boto3.client(service, region_name="us-east-1")
