"""What a change of the table means for its followers (docs/api.md, "Change events").

One DynamoDB stream record (as Lambda delivers it) is read into a `Change`: the record before and after it
(with the store's own conversion, without the item's internal attributes), who wrote it and when. The
history (`history.recording`) numbers the change; then it becomes its events: a creation or a new status
is "Operation Status Changed", any other change of the record "Operation Updated", an expiry "Operation
Expired" (also published, first, for a life that a PUT over the expired item ended). A deletion by hand
(by anyone but DynamoDB's TTL) ends the history's life but publishes nothing. An identical replay (the
same version) yields nothing. The detail is the record's summary (`summary.summarize`, the one
derivation), the status before the change, the record's version, and the change's sequence, recorded time
and principal; never a body.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from operations_api import store
from operations_api.listing.index import EXPIRES_ATTRIBUTE, epoch_seconds
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


@dataclass(frozen=True)
class Change:
    """One stream record, read. `new` is None for a deletion: an expiry (TTL's) or, `deleted_by_hand`,
    anyone else's; `old` is None for a creation.
    `old_expired`: the old image's retention had ended when the PUT was accepted (by the service's clock),
    so it created the operation anew."""

    operation_id: str
    stream_sequence: str
    old: store.StoredOperation | None
    new: store.StoredOperation | None
    old_expired: bool
    time: float | None
    recorded_time: str | None  # the PUT's acceptance time, or when DynamoDB deleted the item
    principal: str | None
    new_expires_at: int | None = None  # the new version's expiry (epoch seconds), under a retention period
    deleted_by_hand: bool = False

    @property
    def starts_life(self) -> bool:
        return self.new is not None and (self.old is None or self.old_expired)

    @property
    def is_replay(self) -> bool:
        """The same version as before: an identical replay, which adds no entry and publishes nothing."""
        return (
            self.new is not None
            and self.old is not None
            and not self.old_expired
            and self.old.version == self.new.version
        )


def read_change(record: dict[str, Any]) -> Change:
    """The change one stream record (NEW_AND_OLD_IMAGES, in Lambda's event format) makes."""
    change = record["dynamodb"]
    time = change.get("ApproximateCreationDateTime")
    stream_time = store.recorded_time(time) if time is not None else None
    old_image, new_image = change.get("OldImage"), change.get("NewImage")
    new = store.from_item(new_image) if new_image is not None else None
    if new_image is None:
        recorded_time, principal = stream_time, None
    else:
        recorded_time = _text(new_image, store.RECORDED_TIME_ATTRIBUTE) or stream_time
        principal = _text(new_image, store.PRINCIPAL_ATTRIBUTE)
    return Change(
        operation_id=change["Keys"]["operation_id"]["S"],
        stream_sequence=change["SequenceNumber"],
        old=store.from_item(old_image) if old_image is not None else None,
        new=new,
        old_expired=_created_anew(old_image, new_image, time),
        time=time,
        recorded_time=recorded_time,
        principal=principal,
        new_expires_at=_expiry(new_image),
        deleted_by_hand=record["eventName"] == "REMOVE" and not is_ttl_deletion(record),
    )


def _expiry(image: dict[str, Any] | None) -> int | None:
    expiry = (image or {}).get(EXPIRES_ATTRIBUTE, {}).get("N")
    return int(expiry) if expiry is not None else None


def _text(image: dict[str, Any], attribute: str) -> str | None:
    value: str | None = image.get(attribute, {}).get("S")
    return value


def _created_anew(
    old_image: dict[str, Any] | None, new_image: dict[str, Any] | None, stream_time: float | None
) -> bool:
    """Whether a PUT created the record anew over an expired item, as the PUT decided it: at its acceptance
    second by the service's clock (put_operation compares the expiry with it). The stream's time is
    DynamoDB's, later and rounded: near an expiry it can fall on the other side. Only an item written
    without the PUT's time (by hand) is judged by the stream's."""
    if old_image is None or new_image is None:
        return False
    accepted = _text(new_image, store.RECORDED_TIME_ATTRIBUTE)
    return has_expired(old_image, epoch_seconds(accepted) if accepted is not None else stream_time)


def has_expired(image: dict[str, Any], time: float | None) -> bool:
    """Whether the item had expired at `time` (DynamoDB deletes expired items days later)."""
    return time is not None and store.item_expired(image, time)


def is_ttl_deletion(record: dict[str, Any]) -> bool:
    identity = record.get("userIdentity") or {}
    return all(identity.get(key) == value for key, value in TTL_DELETER.items())


def events_of(
    change: Change, sequence: int | None, expired_sequence: int | None = None, expired_time: str | None = None
) -> list[ChangeEvent]:
    """A change's events as the history numbered them, in the order they are published: the end of the
    life it closed (`expired_sequence`), then the write itself (`sequence`; None for an expiry alone)."""
    events = []
    if expired_sequence is not None:
        assert change.old is not None
        events.append(expiry_event(change, change.old, expired_sequence, expired_time))
    if sequence is not None:
        events.append(write_event(change, sequence))
    return events


def write_event(change: Change, sequence: int) -> ChangeEvent:
    """The event of an accepted write that the history numbered `sequence`."""
    assert change.new is not None
    previous_status = None if change.starts_life or change.old is None else change.old.document["status"]
    same_status = previous_status == change.new.document["status"]
    detail_type = UPDATED if same_status else STATUS_CHANGED
    numbers = {"sequence": sequence, "recorded_time": change.recorded_time, "principal": change.principal}
    return ChangeEvent(detail_type, detail(change.new, previous_status, numbers), change.time)


def expiry_event(
    change: Change, expired: store.StoredOperation, sequence: int, recorded_time: str | None
) -> ChangeEvent:
    """The event of a life that ended by expiry: the record as it last was, the sequence after its last."""
    numbers = {"sequence": sequence, "recorded_time": recorded_time, "principal": None}
    status = expired.document["status"]
    return ChangeEvent(EXPIRED, detail(expired, status, numbers), change.time)


def detail(
    stored: store.StoredOperation, previous_status: str | None, numbers: dict[str, Any]
) -> dict[str, Any]:
    return {
        **summarize(stored.document),
        "previous_status": previous_status,
        "version": stored.version,
        **numbers,
    }
