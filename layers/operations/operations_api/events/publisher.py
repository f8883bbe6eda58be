"""EventBridge: the change events put on the stack's bus, in as few PutEvents calls as its limits allow.

A call carries at most 10 entries and 256 KB (EventBridge's "PutEvents event entry size"). An entry that
EventBridge refuses (FailedEntryCount, an ErrorCode on the entry) is put again, a bounded number of times;
a call that fails whole (throttled, timed out, refused) is retried by botocore's standard mode. What is
still unpublished then is returned to the caller, which reports it (Lambda retries those stream records,
then hands them to the dead-letter queue): nothing is dropped silently. After a call fails whole, the
rest of the batch is not tried: it is reported unpublished at once, so a bus that is down costs one call's
retries, not ten. The stream loop sends each unpublished entry whole to the dead-letter queue
(`dead_letter`), from which an operator puts it on the bus again (docs/events.md).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Final

from botocore.exceptions import BotoCoreError, ClientError

from operations_api import clients
from operations_api.events.changes import SOURCE, ChangeEvent
from operations_api.settings import get_settings

if TYPE_CHECKING:
    from botocore.client import BaseClient

MAX_ENTRIES_PER_CALL: Final = 10
MAX_BYTES_PER_CALL: Final = 256 * 1024
TIME_BYTES: Final = 14  # what an entry's Time counts for, in EventBridge's size rule
ENTRY_ATTEMPTS: Final = 3  # puts of an entry that EventBridge refused, the first included
RETRY_PAUSES_SECONDS: Final = (0.1, 0.4)  # before the second and the third


@dataclass
class Published:
    """What a publish did: how many entries went, which did not (their indexes), and in how many calls."""

    published: int = 0
    unpublished: list[int] = field(default_factory=list)
    calls: int = 0
    errors: set[str] = field(default_factory=set)  # why a call failed whole
    refusals: set[str] = field(default_factory=set)  # the ErrorCodes of entries EventBridge refused


@lru_cache(maxsize=1)
def events_client() -> BaseClient:
    """One client per process, made on first use (so that moto's `mock_aws` can intercept it)."""
    return clients.create_client("events", get_settings().events_endpoint_url)


@lru_cache(maxsize=1)
def queue_client() -> BaseClient:
    """The dead-letter queue's client, made on first use (only when an event was refused)."""
    return clients.create_client("sqs", get_settings().events_endpoint_url)


def dead_letter(entries: list[dict[str, Any]]) -> list[int]:
    """Send each entry, whole (its PutEvents form), to the dead-letter queue; the indexes that could not be
    sent (no queue configured, or SQS refused): their changes must be retried, not dropped."""
    queue_url = get_settings().events_dead_letter_queue_url
    unsent = []
    for index, put in enumerate(entries):
        try:
            if not queue_url:
                raise RuntimeError("EVENTS_DEAD_LETTER_QUEUE_URL is not set")
            body = json.dumps(put, ensure_ascii=False, separators=(",", ":"))
            queue_client().send_message(QueueUrl=queue_url, MessageBody=body)
        except (ClientError, BotoCoreError, RuntimeError):
            unsent.append(index)
    return unsent


def entry(event: ChangeEvent) -> dict[str, Any]:
    """The PutEvents entry of a change event, on the bus of the settings."""
    bus = get_settings().event_bus_name
    if not bus:
        raise RuntimeError("EVENT_BUS_NAME is not set: it names the event bus of the change events")
    put: dict[str, Any] = {
        "EventBusName": bus,
        "Source": SOURCE,
        "DetailType": event.detail_type,
        "Detail": json.dumps(event.detail, ensure_ascii=False, separators=(",", ":")),
    }
    if event.time is not None:
        put["Time"] = event.time
    return put


def entry_size(put: dict[str, Any]) -> int:
    """An entry's size as EventBridge counts it against the 256 KB of a call."""
    texts = [put["Source"], put["DetailType"], put.get("Detail", ""), *put.get("Resources", ())]
    return (TIME_BYTES if "Time" in put else 0) + sum(len(text.encode("utf-8")) for text in texts)


def calls(entries: list[dict[str, Any]]) -> Iterator[list[int]]:
    """The entries' indexes, in order, grouped into calls within EventBridge's limits."""
    group: list[int] = []
    size = 0
    for index, put in enumerate(entries):
        grown = size + entry_size(put)
        if group and (len(group) == MAX_ENTRIES_PER_CALL or grown > MAX_BYTES_PER_CALL):
            yield group
            group, grown = [], entry_size(put)
        group.append(index)
        size = grown
    if group:
        yield group


def publish(entries: list[dict[str, Any]]) -> Published:
    """Put the entries on the bus; say which could not be published after the retries."""
    outcome = Published()
    for group in calls(entries):
        if outcome.errors:  # a call failed whole: the bus is unreachable or refusing, do not insist
            outcome.unpublished.extend(group)
            continue
        refused = _put_with_retries(entries, group, outcome)
        outcome.unpublished.extend(refused)
        outcome.published += len(group) - len(refused)
    return outcome


def _put_with_retries(entries: list[dict[str, Any]], group: list[int], outcome: Published) -> list[int]:
    """Put a group; put again what EventBridge refused. The indexes still refused, or the whole group if a
    call failed (noted in outcome.errors)."""
    pending = group
    for attempt in range(ENTRY_ATTEMPTS):
        if attempt:
            time.sleep(RETRY_PAUSES_SECONDS[attempt - 1])
        outcome.calls += 1
        try:
            answer = events_client().put_events(Entries=[entries[index] for index in pending])
        except ClientError as error:
            outcome.errors.add(error.response.get("Error", {}).get("Code") or type(error).__name__)
            return pending
        except BotoCoreError as error:  # timeouts, refused or reset connections, after botocore's retries
            outcome.errors.add(type(error).__name__)
            return pending
        if not answer.get("FailedEntryCount"):
            return []
        results = zip(pending, answer["Entries"], strict=True)
        refused = [(index, result["ErrorCode"]) for index, result in results if "ErrorCode" in result]
        outcome.refusals.update(code for _, code in refused)
        pending = [index for index, _ in refused]
    return pending
