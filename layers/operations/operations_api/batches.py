"""The loop's requests of many items at once (the history's and the fleet's, `history.recording`,
`fleet.recording`): BatchGetItem and BatchWriteItem with their retries of what DynamoDB left unprocessed,
TransactWriteItems with why it was canceled, the in-place retry of a transaction that met only concurrent
writers (docs/design.md, "The fleet's read models"), and the back-fills' version check. Through
`store.request`, so with the store's fault mapping."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any, Final, TypeVar

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


NO_REASON: Final = "None"  # an action that did not cancel the transaction
CONFLICT: Final = "TransactionConflict"  # another transaction was writing the item at the same moment
CONDITION_FAILED: Final = "ConditionalCheckFailed"
CONTENDED_ATTEMPTS: Final = 4  # tries of a change whose transaction meets concurrent writers
CONTENDED_PAUSE_SECONDS: Final = 0.025  # the longest first pause, doubled after each try; jittered in full

Result = TypeVar("Result")


class Contended(Exception):
    """A transaction was canceled only by concurrent writers: nothing was written, and building it again
    from a fresh read may succeed."""


def contended(
    actions: list[dict[str, Any]], reasons: list[str], shared: Callable[[dict[str, Any]], bool]
) -> bool:
    """Whether every action that canceled the transaction met a concurrent writer: a conflict with another
    transaction, or a failed condition on an item that `shared` says someone else may write meanwhile."""
    causes = [
        (action, reason) for action, reason in zip(actions, reasons, strict=False) if reason != NO_REASON
    ]
    return bool(causes) and all(
        reason == CONFLICT or (reason == CONDITION_FAILED and shared(action)) for action, reason in causes
    )


def retried(attempt: Callable[[], Result]) -> tuple[Result, int]:
    """`attempt`'s result, calling it again (after a jittered pause) while it raises Contended, a few
    times; and how many times it was called again. Each call must read afresh what it writes from."""
    retries = 0
    while True:
        try:
            return attempt(), retries
        except Contended:
            retries += 1
            if retries == CONTENDED_ATTEMPTS:
                raise
        time.sleep(random.uniform(0, CONTENDED_PAUSE_SECONDS * 2 ** (retries - 1)))  # noqa: S311


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
