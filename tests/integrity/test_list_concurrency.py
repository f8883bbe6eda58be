"""Walking the list while others write (docs/api.md, "Listing operations"), on dynalite: every operation
that was not written during the walk appears exactly once, in order; the ones written meanwhile may be
missed or seen twice, as the contract allows, and nothing fails."""

from __future__ import annotations

import random
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Final

from operations_api import store
from operations_api.listing import query as listing
from operations_api.record.rules import STATUSES
from operations_api.store import VersionGuard
from tests.support.dynamodb import DynamoTable
from tests.support.listing import newest_first, query_string
from tests.support.records import minimal_record

STABLE: Final = 160
WRITERS: Final = 4
PAGE_SIZE: Final = 7


def at(second: int) -> str:
    return f"20261122_{second // 3600:02d}{second // 60 % 60:02d}{second % 60:02d}"


def record(operation_id: str, second: int, status: str) -> dict[str, Any]:
    return minimal_record(
        operation_id=operation_id, status=status, occurred_time=at(0), last_update_time=at(second)
    )


def test_pages_walked_while_others_write_give_every_untouched_operation_once(
    service_on_dynalite: DynamoTable,
) -> None:
    chance = random.Random(13)  # noqa: S311 (test data, not secrets)
    stable = [
        record(f"stable-{n:03d}", chance.randrange(1, 600), chance.choice(STATUSES)) for n in range(STABLE)
    ]
    for each in stable:
        store.put_operation(each, "v", VersionGuard())
    stop = threading.Event()
    written: list[int] = []

    def churn(writer: int) -> None:
        """New operations and updates of them, at times among the stable ones' and after them, so that
        the shards' items shift under the walk."""
        own = random.Random(writer)  # noqa: S311 (test data, not secrets)
        second = 1
        while not stop.is_set():
            second += 1
            operation_id = f"churn-{writer}-{own.randrange(40)}"
            try:
                store.put_operation(
                    record(operation_id, second + own.randrange(600), "executing"), "v", VersionGuard()
                )
                written.append(1)
            except store.ConditionFailed:
                pass  # an older report than the stored one: refused, as it must be

    walked: list[dict[str, Any]] = []
    with ThreadPoolExecutor(WRITERS) as writers:
        futures = [writers.submit(churn, writer) for writer in range(WRITERS)]
        try:
            token: str | None = None
            while True:
                answer = listing.list_operations(query_string(page_size=PAGE_SIZE, page_token=token)).answer
                assert token is None or answer["operations"], "a page promised is never empty"
                walked.extend(answer["operations"])
                token = answer.get("next_page_token")
                if token is None:
                    break
                assert len(answer["operations"]) == PAGE_SIZE
        finally:
            stop.set()
        for future in futures:
            future.result()

    assert len(written) > 20, "the writers wrote during the walk"
    seen = [summary for summary in walked if summary["operation_id"].startswith("stable-")]
    ids = [summary["operation_id"] for summary in seen]
    assert sorted(ids) == sorted(each["operation_id"] for each in stable), "each exactly once"
    expected = [summary["operation_id"] for summary in newest_first([dict(each) for each in stable])]
    assert ids == expected, "in the list's order"
