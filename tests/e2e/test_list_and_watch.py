"""Finding operations (the list, page by page) and following one while its worker writes (docs/api.md,
"Listing operations"; docs/client.md, wait and follow). A deployed table holds other records too: each
test looks for this run's own ids, and polls for them, as a list reads indexes DynamoDB updates later."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

import pytest

from operations_client import OperationsClient, StoredRecord
from tests.support.e2e import PATIENCE_SECONDS, eventually
from tests.support.records import record_at, utc_time

pytestmark = pytest.mark.e2e

PAGE_SIZE = 3
RECORDS = 7  # three pages of PAGE_SIZE


def test_a_new_record_is_found_by_its_status(client: OperationsClient, new_id: str, now: datetime) -> None:
    record = record_at(new_id, now, status="unexecuted", sub_status="queued")
    client.put(new_id, record)

    def listed(status: str) -> list[dict[str, Any]]:
        found = client.list(status=status, updated_since=utc_time(now))
        return [summary for summary in found if summary["operation_id"] == new_id]

    assert eventually(lambda: listed("unexecuted"), f"{new_id} listed as unexecuted") == [
        {
            "operation_id": new_id,
            "occurred_time": record["occurred_time"],
            "last_update_time": record["last_update_time"],
            "status": "unexecuted",
            "sub_status": "queued",
            "request": {"uri": "/v1/networks", "method": "POST"},
            "target_clusters": {"total": 0, "succeeded": 0, "failed": 0, "pending": 0},
        }
    ]
    assert listed("executing") == [], "another status's list does not have it"


def test_the_pages_hold_every_record_once_newest_first(
    client: OperationsClient, new_id: str, now: datetime
) -> None:
    start = now - timedelta(minutes=10)  # a window that only this test writes in, and not the others
    ids = [f"{new_id}-{n}" for n in range(RECORDS)]
    for n, operation_id in enumerate(ids):
        client.put(operation_id, record_at(operation_id, start + timedelta(seconds=n)))
    end = start + timedelta(seconds=RECORDS)

    def pages_with_ours() -> list[list[dict[str, Any]]]:
        pages = list(pages_of(client, updated_since=utc_time(start), updated_before=utc_time(end)))
        return pages if len(ours(pages)) == RECORDS else []

    def ours(pages: list[list[dict[str, Any]]]) -> list[str]:
        return [s["operation_id"] for page in pages for s in page if s["operation_id"].startswith(new_id)]

    pages = eventually(pages_with_ours, f"the {RECORDS} records listed")
    assert ours(pages) == ids[::-1]
    assert len(pages) >= -(-RECORDS // PAGE_SIZE), "the list came in pages of at most PAGE_SIZE"
    assert all(len(page) <= PAGE_SIZE for page in pages)


def pages_of(
    client: OperationsClient, updated_since: str, updated_before: str
) -> Iterator[list[dict[str, Any]]]:
    """Each page of the executing operations, following next_page_token with the same filters."""
    token: str | None = None
    while True:
        page = client.list_page(
            status="executing",
            updated_since=updated_since,
            updated_before=updated_before,
            page_size=PAGE_SIZE,
            page_token=token,
        )
        yield page.operations
        if page.next_page_token is None:
            return
        token = page.next_page_token


def test_following_an_operation_sees_each_version_until_its_worker_completes_it(
    client: OperationsClient, new_id: str, now: datetime
) -> None:
    versions = [
        record_at(new_id, now - timedelta(seconds=2), sub_status="starting"),
        record_at(new_id, now - timedelta(seconds=1), sub_status="1/2 clusters"),
        record_at(new_id, now, status="completed", sub_status="2/2 clusters"),
    ]
    client.put(new_id, versions[0])
    seen: list[StoredRecord] = []
    seen_more = threading.Condition()

    def seen_at_least(count: int) -> None:
        with seen_more:
            seen_more.wait_for(lambda: len(seen) >= count, timeout=PATIENCE_SECONDS)

    def worker() -> None:
        """Writes each next version once the follower has seen the one before: none can be missed."""
        for count, version in enumerate(versions[1:], start=1):
            seen_at_least(count)
            client.put(new_id, version)

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="e2e-worker") as pool:
        writing = pool.submit(worker)
        for version in client.follow(new_id, timeout=PATIENCE_SECONDS, interval=0.2):
            with seen_more:
                seen.append(version)
                seen_more.notify_all()
        writing.result(timeout=PATIENCE_SECONDS)  # the worker's own error, if it had one
    assert [version.record for version in seen] == versions
    assert len({version.etag for version in seen}) == len(versions)
