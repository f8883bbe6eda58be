"""OperationsClient against the local server: what a worker and a script see (docs/client.md)."""

from __future__ import annotations

import json

import pytest

from operations_client import (
    ConflictError,
    NotFoundError,
    OperationsClient,
    PreconditionFailedError,
    ValidationError,
    WaitTimeout,
)
from operations_client import _client as client_module
from tests.support.cli import PATIENCE, Polls, finish_later
from tests.support.records import full_record, record_for


def test_a_put_record_reads_back_exactly_with_its_etag(client: OperationsClient, new_id: str) -> None:
    record = {**full_record(), "operation_id": new_id}
    stored = client.put(new_id, record)
    read = client.get(new_id)
    assert read.record == record == stored.record
    assert read.etag == stored.etag
    assert read.etag.startswith('"')
    assert read.etag.endswith('"')
    assert json.loads(read.raw) == record


def test_an_unknown_operation_is_a_not_found_error_with_the_problem(client: OperationsClient) -> None:
    with pytest.raises(NotFoundError) as caught:
        client.get("no-such-operation")
    assert caught.value.status == 404
    assert caught.value.code == "OPERATION_NOT_FOUND"
    assert caught.value.problem["instance"] == "/v1/operations/no-such-operation"
    assert "no-such-operation" in caught.value.detail


def test_an_invalid_record_is_a_validation_error_naming_each_fault(
    client: OperationsClient, new_id: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        client.put(new_id, record_for(new_id, status="finished", colour="red"))
    assert caught.value.status == 400
    assert {error["pointer"] for error in caught.value.errors} == {"/status", "/colour"}
    with pytest.raises(NotFoundError):
        client.get(new_id)


def test_a_write_that_goes_back_is_a_conflict(client: OperationsClient, new_id: str) -> None:
    client.put(new_id, record_for(new_id, last_update_time="20261122_070000"))
    with pytest.raises(ConflictError) as caught:
        client.put(new_id, record_for(new_id, last_update_time="20261122_064230"))
    assert caught.value.code == "STALE_UPDATE"


def test_preconditions_apply_to_the_version_named(client: OperationsClient, new_id: str) -> None:
    first = client.put(new_id, record_for(new_id), if_none_match=True)
    with pytest.raises(PreconditionFailedError):
        client.put(new_id, record_for(new_id), if_none_match=True)
    second = client.put(new_id, record_for(new_id, sub_status="copying"), if_match=first.etag)
    with pytest.raises(PreconditionFailedError) as caught:
        client.put(new_id, record_for(new_id, sub_status="late"), if_match=first.etag)
    assert caught.value.status == 412
    assert client.get(new_id).etag == second.etag


def test_an_id_is_sent_as_one_path_segment(client: OperationsClient) -> None:
    with pytest.raises(ValidationError) as caught:
        client.get("a/b")
    assert caught.value.errors[0].get("parameter") == "operation_id"


def test_an_endpoint_that_is_not_an_http_url_is_refused_at_once() -> None:
    with pytest.raises(ValueError, match="http"):
        OperationsClient("127.0.0.1:3000")


# --- wait, while another thread moves the operation ----------------------------------------------------


@pytest.fixture
def executing(client: OperationsClient, new_id: str) -> str:
    client.put(new_id, record_for(new_id))
    return new_id


@pytest.mark.parametrize("status", ["completed", "failed", "canceled"])
def test_wait_returns_the_terminal_record(
    client: OperationsClient, executing: str, status: str, polls: Polls
) -> None:
    worker = finish_later(client, executing, status, polls)
    finished = client.wait(executing, timeout=PATIENCE, interval=0.05)
    worker.join()
    assert finished.record["status"] == status
    assert finished.etag == client.get(executing).etag


def test_follow_yields_each_version_once_until_the_end(
    client: OperationsClient, executing: str, polls: Polls
) -> None:
    worker = finish_later(client, executing, "completed", polls)
    versions = list(client.follow(executing, timeout=PATIENCE, interval=0.05))
    worker.join()
    assert [v.record.get("sub_status") for v in versions] == [None, "1/2", None]
    assert len({v.etag for v in versions}) == 3
    assert versions[-1].record["status"] == "completed"


def test_wait_on_a_finished_operation_answers_at_once(
    client: OperationsClient, new_id: str, sleeps: list[float]
) -> None:
    client.put(new_id, {**full_record(), "operation_id": new_id})
    assert client.wait(new_id, timeout=0).record["status"] == "failed"
    assert sleeps == []


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """The client's clock: each look at it is one second after the last (no test waits for real)."""
    ticks = iter(range(0, 10_000))
    monkeypatch.setattr(client_module, "monotonic", lambda: float(next(ticks)))


def test_wait_times_out_with_the_last_record_seen(
    client: OperationsClient, executing: str, sleeps: list[float], clock: None
) -> None:
    with pytest.raises(WaitTimeout) as caught:
        client.wait(executing, timeout=5, interval=0.1)
    assert caught.value.code == "WAIT_TIMEOUT"
    assert caught.value.last is not None
    assert caught.value.last.record["status"] == "executing"
    assert sleeps, "it polled more than once before giving up"


def test_wait_backs_off_while_nothing_changes(
    client: OperationsClient, executing: str, sleeps: list[float], clock: None
) -> None:
    with pytest.raises(WaitTimeout):
        client.wait(executing, timeout=40, interval=1.0)
    assert all(0.5 <= delay <= 8.0 for delay in sleeps)
    assert max(sleeps[:2]) <= 2.0 < max(sleeps[-4:]), "the interval grows, capped at 8 times the first"


def test_wait_on_an_unknown_operation_raises_not_found(client: OperationsClient) -> None:
    with pytest.raises(NotFoundError):
        client.wait("never-created", timeout=5)
