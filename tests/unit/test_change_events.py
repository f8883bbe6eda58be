"""What each stream record means (docs/api.md, "Change events"), on the fixtures of events/, which are
real records of moto's stream (the TTL one with the userIdentity DynamoDB adds)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from operations_api import store
from operations_api.events import changes as change_events
from operations_api.events.changes import (
    EXPIRED,
    STATUS_CHANGED,
    UPDATED,
    ChangeEvent,
    events_of,
    read_change,
)
from operations_api.listing.index import epoch_seconds
from tests.support.events import load_event

SEQUENCE = 7  # what the history gives the change (events.stream asks history.recording)
PRINCIPAL = "arn:aws:iam::123456789012:user/deployer"  # events/put_operation.json's IAM authorizer


def change_event(record: dict[str, Any]) -> ChangeEvent | None:
    """The one event a record yields, numbered SEQUENCE by the history; None when it yields none."""
    change = read_change(record)
    if change.is_replay or change.deleted_by_hand:  # the history numbers neither: no event
        return None
    if change.new is None:
        (event,) = events_of(change, None, SEQUENCE, change.recorded_time)
    else:
        (event,) = events_of(change, SEQUENCE)
    return event


def fixture_record(name: str) -> dict[str, Any]:
    records: list[dict[str, Any]] = load_event(f"dynamodb_stream_{name}")["Records"]
    (record,) = records
    return record


@pytest.mark.parametrize(
    ("fixture", "detail_type", "status", "previous_status"),
    [
        ("insert", STATUS_CHANGED, "executing", None),
        ("status_change", STATUS_CHANGED, "failed", "executing"),
        ("update", UPDATED, "failed", "failed"),
        ("ttl_removal", EXPIRED, "failed", "failed"),
    ],
)
def test_each_change_has_its_detail_type(
    fixture: str, detail_type: str, status: str, previous_status: str | None
) -> None:
    record = fixture_record(fixture)
    event = change_event(record)
    assert event is not None
    assert (event.detail_type, event.detail["status"], event.detail["previous_status"]) == (
        detail_type,
        status,
        previous_status,
    )
    image = record["dynamodb"].get("NewImage") or record["dynamodb"]["OldImage"]
    assert event.detail["version"] == image["_version"]["S"]
    assert event.time == record["dynamodb"]["ApproximateCreationDateTime"]


@pytest.mark.parametrize("fixture", ["replay", "user_removal"])
def test_a_replay_and_a_delete_by_anyone_but_ttl_yield_nothing(fixture: str) -> None:
    assert change_event(fixture_record(fixture)) is None


def test_the_detail_is_the_summary_and_never_a_body() -> None:
    event = change_event(fixture_record("update"))
    assert event is not None
    assert set(event.detail) == {
        "operation_id",
        "status",
        "occurred_time",
        "last_update_time",
        "request",
        "response_status_code",
        "target_clusters",
        "previous_status",
        "version",
        "sequence",
        "recorded_time",
        "principal",
    }
    assert (event.detail["sequence"], event.detail["principal"]) == (SEQUENCE, PRINCIPAL)
    assert event.detail["recorded_time"] == "20261122_064600"
    assert event.detail["request"] == {"method": "POST", "uri": "/v1/clusters/networks"}


def test_a_ttl_deletion_is_told_by_the_service_that_made_it() -> None:
    record = fixture_record("ttl_removal")
    assert change_events.is_ttl_deletion(record)
    assert not read_change(record).deleted_by_hand
    someone = copy.deepcopy(record)
    someone["userIdentity"] = {"type": "Service", "principalId": "backup.amazonaws.com"}
    assert not change_events.is_ttl_deletion(someone)
    assert read_change(someone).deleted_by_hand, "the history ends its life (history/recording.py)"
    assert change_event(someone) is None


def test_a_record_that_cannot_be_read_raises_so_that_it_fails_alone() -> None:
    record = fixture_record("insert")
    record["dynamodb"]["NewImage"]["status"] = {"B": "AAEC"}
    with pytest.raises(TypeError):
        change_event(record)


def test_a_put_over_an_expired_record_not_yet_deleted_is_a_creation() -> None:
    record = fixture_record("update")
    change = record["dynamodb"]
    change["OldImage"]["_expires_at"] = {"N": str(int(change["ApproximateCreationDateTime"]) - 1)}
    event = change_event(record)
    assert event is not None
    assert (event.detail_type, event.detail["previous_status"]) == (STATUS_CHANGED, None)
    change["OldImage"]["_expires_at"] = {"N": str(int(change["ApproximateCreationDateTime"]) + 3600)}
    event = change_event(record)
    assert event is not None
    assert (event.detail_type, event.detail["previous_status"]) == (UPDATED, "failed"), "not expired yet"


def test_whether_a_put_created_the_record_anew_is_what_the_put_decided_by_the_services_clock() -> None:
    """The PUT decides, at its acceptance time (`_recorded_time`), whether the old item had expired
    (store.put_operation); the stream's time is DynamoDB's, taken later and rounded, and may fall on the
    other side of the expiry. Only an item written without `_recorded_time` is judged by the stream's."""
    record = fixture_record("update")
    change = record["dynamodb"]
    accepted = epoch_seconds(change["NewImage"]["_recorded_time"]["S"])
    change["ApproximateCreationDateTime"] = accepted + 1  # streamed in the next second
    change["OldImage"]["_expires_at"] = {"N": str(accepted + 1)}  # live when accepted, expired when streamed
    assert not read_change(record).starts_life
    assert _detail_type(record) == (UPDATED, "failed")
    change["ApproximateCreationDateTime"] = accepted - 1  # DynamoDB's clock a second behind the service's
    change["OldImage"]["_expires_at"] = {"N": str(accepted)}  # expired in the very second it was accepted
    assert read_change(record).starts_life
    assert _detail_type(record) == (STATUS_CHANGED, None)
    del change["NewImage"]["_recorded_time"]  # written without it (by hand): the stream's time decides
    assert not read_change(record).starts_life


def _detail_type(record: dict[str, Any]) -> tuple[str, str | None]:
    event = change_event(record)
    assert event is not None
    return event.detail_type, event.detail["previous_status"]


def test_the_puts_principal_and_time_ride_on_the_new_image_and_a_put_over_an_expired_one_ends_its_life() -> (
    None
):
    record = fixture_record("update")
    change = record["dynamodb"]
    change["NewImage"]["_principal"] = {"S": "arn:aws:iam::123456789012:user/alice"}
    change["NewImage"]["_recorded_time"] = {"S": "20261203_101500"}
    change["OldImage"]["_expires_at"] = {"N": str(int(change["ApproximateCreationDateTime"]) - 1)}
    read = read_change(record)
    assert (read.principal, read.recorded_time, read.starts_life) == (
        "arn:aws:iam::123456789012:user/alice",
        "20261203_101500",
        True,
    )
    expired, created = events_of(read, 1, expired_sequence=4, expired_time="20261203_101500")
    assert (expired.detail_type, expired.detail["sequence"], expired.detail["principal"]) == (
        EXPIRED,
        4,
        None,
    )
    assert (created.detail_type, created.detail["sequence"], created.detail["previous_status"]) == (
        STATUS_CHANGED,
        1,
        None,
    )
    assert created.detail["principal"] == "arn:aws:iam::123456789012:user/alice"


def test_an_expiry_is_recorded_at_the_time_dynamodb_deleted_the_item() -> None:
    record = fixture_record("ttl_removal")
    read = read_change(record)
    assert read.new is None
    assert read.recorded_time == store.recorded_time(record["dynamodb"]["ApproximateCreationDateTime"])
