"""The loop's requests of many items at once (the history's and the fleet's, `history.recording`,
`fleet.recording`): BatchGetItem and BatchWriteItem with their retries of what DynamoDB left unprocessed,
TransactWriteItems with why it was canceled, and the back-fills' version check. Through `store.request`,
so with the store's fault mapping."""

from __future__ import annotations

import time
from typing import Any, Final

from botocore.exceptions import ClientError

from operations_api.store import VERSION_ATTRIBUTE, StoredOperation, request


def version_check(table: str, stored: StoredOperation) -> dict[str, Any]:
    """A transaction's ConditionCheck that the record still has this version (the back-fills')."""
    return {
        "ConditionCheck": {
            "TableName": table,
            "Key": {"operation_id": {"S": stored.document["operation_id"]}},
            "ConditionExpression": "#version = :version",
            "ExpressionAttributeNames": {"#version": VERSION_ATTRIBUTE},
            "ExpressionAttributeValues": {":version": {"S": stored.version}},
        }
    }


def transact(actions: list[dict[str, Any]]) -> list[str] | None:
    """One TransactWriteItems; None when it was applied, else why each action was canceled (its code)."""
    try:
        request("transact_write_items", TransactItems=actions)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "TransactionCanceledException":
            raise
        return [reason.get("Code", "None") for reason in error.response.get("CancellationReasons", [])]
    return None


class Unprocessed(Exception):
    """DynamoDB left part of a batch undone after every attempt (the caller's change fails and is retried)."""


UNPROCESSED_ATTEMPTS: Final = 5  # calls for what BatchGetItem / BatchWriteItem left unprocessed
UNPROCESSED_PAUSE_SECONDS: Final = 0.05  # doubled after each such call


def batch_write(table: str, requests: list[dict[str, Any]]) -> None:
    """One BatchWriteItem of at most 25 requests, and again for what it left unprocessed, a few times."""
    pending: dict[str, Any] = {table: requests}
    for attempt in range(UNPROCESSED_ATTEMPTS):
        if attempt:
            time.sleep(UNPROCESSED_PAUSE_SECONDS * 2 ** (attempt - 1))
        pending = request("batch_write_item", RequestItems=pending).get("UnprocessedItems") or {}
        if not pending:
            return
    raise Unprocessed("BatchWriteItem left items unprocessed")


def batch_get(wanted: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """BatchGetItem of at most 100 keys (over any tables), again for what it left unprocessed; the items
    found, by table."""
    found: dict[str, list[dict[str, Any]]] = {table: [] for table in wanted}
    for attempt in range(UNPROCESSED_ATTEMPTS):
        if attempt:
            time.sleep(UNPROCESSED_PAUSE_SECONDS * 2 ** (attempt - 1))
        answer = request("batch_get_item", RequestItems=wanted)
        for table, items in answer.get("Responses", {}).items():
            found[table].extend(items)
        wanted = answer.get("UnprocessedKeys") or {}
        if not wanted:
            return found
    raise Unprocessed("BatchGetItem left keys unprocessed")
