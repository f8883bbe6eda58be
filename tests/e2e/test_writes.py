"""Writes and reads of a deployed API through the client, signed: what is stored is what is read, and every
refused write (412, 409, 413) leaves the stored record as it was (docs/api.md)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from operations_client import (
    ConflictError,
    NotFoundError,
    OperationsClient,
    PreconditionFailedError,
    ValidationError,
)
from tests.e2e.target import Target
from tests.support.records import full_record, record_at, utc_time

pytestmark = pytest.mark.e2e

LARGER_THAN_AN_ITEM = 410_000  # characters of a body: over DynamoDB's 400 KiB item (docs/deploy.md)


def test_a_put_is_read_back_exactly_with_its_etag(
    client: OperationsClient, new_id: str, now: datetime
) -> None:
    record = {**full_record(), "operation_id": new_id, "last_update_time": utc_time(now)}
    record["sub_status"] = "réseau créé: 2/3 clusters ✓"
    stored = client.put(new_id, record)
    assert stored.record == record
    assert stored.etag.startswith('"')
    read = client.get(new_id)
    assert (read.record, read.etag) == (record, stored.etag)


def test_a_stale_if_match_is_refused_with_412(client: OperationsClient, new_id: str, now: datetime) -> None:
    first = client.put(new_id, record_at(new_id, now - timedelta(seconds=2)))
    second = record_at(new_id, now - timedelta(seconds=1), sub_status="1/2")
    current = client.put(new_id, second, if_match=first.etag)
    with pytest.raises(PreconditionFailedError) as refused:
        client.put(new_id, record_at(new_id, now, sub_status="2/2"), if_match=first.etag)
    assert (refused.value.status, refused.value.code) == (412, "PRECONDITION_FAILED")
    assert (client.get(new_id).record, client.get(new_id).etag) == (second, current.etag)


def test_if_none_match_on_an_existing_id_is_refused_with_412(
    client: OperationsClient, new_id: str, now: datetime
) -> None:
    first = record_at(new_id, now - timedelta(seconds=1))
    client.put(new_id, first, if_none_match=True)
    with pytest.raises(PreconditionFailedError) as refused:
        client.put(new_id, record_at(new_id, now, sub_status="again"), if_none_match=True)
    assert refused.value.code == "PRECONDITION_FAILED"
    assert client.get(new_id).record == first


def test_an_older_report_is_refused_with_409(client: OperationsClient, new_id: str, now: datetime) -> None:
    newer = record_at(new_id, now)
    client.put(new_id, newer)
    with pytest.raises(ConflictError) as refused:
        client.put(new_id, record_at(new_id, now - timedelta(minutes=1), sub_status="late"))
    assert (refused.value.status, refused.value.code) == (409, "STALE_UPDATE")
    assert client.get(new_id).record == newer


def test_a_finished_operation_keeps_its_status_409(
    client: OperationsClient, new_id: str, now: datetime
) -> None:
    completed = record_at(new_id, now - timedelta(seconds=1), status="completed")
    client.put(new_id, completed)
    with pytest.raises(ConflictError) as refused:
        client.put(new_id, record_at(new_id, now, status="failed"))
    assert (refused.value.status, refused.value.code) == (409, "TERMINAL_STATUS")
    assert client.get(new_id).record == completed


def test_a_record_over_400_kb_is_refused_with_413_and_nothing_is_stored(
    client: OperationsClient, new_id: str, now: datetime
) -> None:
    request = {"uri": "/v1/networks", "method": "POST", "body": "x" * LARGER_THAN_AN_ITEM}
    with pytest.raises(ValidationError) as refused:
        client.put(new_id, record_at(new_id, now, request=request))
    assert (refused.value.status, refused.value.code) == (413, "RECORD_TOO_LARGE")
    with pytest.raises(NotFoundError):
        client.get(new_id)


def test_a_finished_record_past_its_retention_is_gone_and_a_put_creates_it_anew(
    client: OperationsClient, target: Target, new_id: str, now: datetime
) -> None:
    if not target.retention_days:
        pytest.skip(
            f"{target.source} keeps records forever (RetentionDays 0) or does not say: deploy with "
            "RetentionDays above 0 (with OPERATIONS_API_URL, give the stack's as RETENTION_DAYS)"
        )
    ended = now - timedelta(days=target.retention_days, minutes=5)
    expired = client.put(new_id, record_at(new_id, ended, status="completed"))
    with pytest.raises(NotFoundError) as gone:
        client.get(new_id)
    assert gone.value.code == "OPERATION_NOT_FOUND"
    listed = client.list(
        status="completed",
        updated_since=utc_time(ended),
        updated_before=utc_time(ended + timedelta(seconds=1)),
    )
    assert new_id not in [summary["operation_id"] for summary in listed]
    anew = record_at(new_id, now, status="executing")
    with pytest.raises(PreconditionFailedError):
        client.put(new_id, anew, if_match=expired.etag)
    client.put(new_id, anew, if_none_match=True)
    assert client.get(new_id).record == anew
