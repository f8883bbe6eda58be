"""What a change of the table means for its followers (docs/api.md, "Change events").

One DynamoDB stream record (as Lambda delivers it) becomes at most one change event: a creation or a new
status is "Operation Status Changed", any other change of the record "Operation Updated", a deletion by
DynamoDB's TTL "Operation Expired". An identical replay (the record unchanged) and a delete by anyone else
yield nothing. The detail is the record's summary (`summary.summarize`, the one derivation), the status
before the change and the record's version; never a body. Images are read with the store's own
conversion, without the item's internal attributes (of which only `_version` and the expiry are read).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from operations_api import store
from operations_api.record.summary import summarize

SOURCE: Final = "operations-api"
STATUS_CHANGED: Final = "Operation Status Changed"
UPDATED: Final = "Operation Updated"
EXPIRED: Final = "Operation Expired"
DETAIL_TYPES: Final = (STATUS_CHANGED, UPDATED, EXPIRED)
# Who a TTL deletion's stream record names (DynamoDB's documentation, "Time to Live: streams").
TTL_DELETER: Final = {"type": "Service", "principalId": "dynamodb.amazonaws.com"}


@dataclass(frozen=True)
class ChangeEvent:
    detail_type: str
    detail: dict[str, Any]
    time: float | None  # when the change was made (the stream record's approximate time, epoch seconds)


def change_event(record: dict[str, Any]) -> ChangeEvent | None:
    """The event one stream record (NEW_AND_OLD_IMAGES, in Lambda's event format) yields, if any."""
    change = record["dynamodb"]
    time = change.get("ApproximateCreationDateTime")
    if record["eventName"] == "REMOVE":
        if not is_ttl_deletion(record):
            return None
        old = store.from_item(change["OldImage"])
        return ChangeEvent(EXPIRED, detail(old, previous_status=old.document["status"]), time)
    new = store.from_item(change["NewImage"])
    if "OldImage" not in change or has_expired(change["OldImage"], time):
        # an expired record is gone for every reader: a PUT over it creates the operation anew
        return ChangeEvent(STATUS_CHANGED, detail(new, previous_status=None), time)
    old = store.from_item(change["OldImage"])
    if old.document == new.document:
        return None  # an identical replay: accepted, and nothing changed
    previous_status = old.document["status"]
    detail_type = UPDATED if previous_status == new.document["status"] else STATUS_CHANGED
    return ChangeEvent(detail_type, detail(new, previous_status=previous_status), time)


def has_expired(image: dict[str, Any], time: float | None) -> bool:
    """Whether the item had expired when the change was made (DynamoDB deletes expired items days later)."""
    return time is not None and store.item_expired(image, time)


def is_ttl_deletion(record: dict[str, Any]) -> bool:
    identity = record.get("userIdentity") or {}
    return all(identity.get(key) == value for key, value in TTL_DELETER.items())


def detail(stored: store.StoredOperation, *, previous_status: str | None) -> dict[str, Any]:
    return {**summarize(stored.document), "previous_status": previous_status, "version": stored.version}
