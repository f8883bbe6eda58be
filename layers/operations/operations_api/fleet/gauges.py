"""The counts as gauges (metrics.OPERATIONS_IN_PROGRESS, OPERATIONS_FAILED_THIS_HOUR), published by the
stream loop after a batch that recorded a change, at most once a minute per process.

From the loop, not from the counts function: the loop runs whenever the counts change, the counts function
only when someone asks, so its gauges would have gaps exactly when nobody looks. The read is the counts'
own (one Query per counts shard, from the current hour on: every in-progress item and the current hour's),
so its cost is bounded by the shard count, once a minute, never by the number of operations.
"""

from __future__ import annotations

import time
from typing import Any, Final

from operations_api import metrics, store
from operations_api.fleet import layout
from operations_api.fleet.recording import table

EVERY_SECONDS: Final = 60.0
_last_published: list[float] = []  # when this process last published them (monotonic seconds)


def publish_if_due(now: float | None = None) -> bool:
    """Read the counts and publish the two gauges, unless this process did less than a minute ago."""
    moment = time.monotonic() if now is None else now
    if _last_published and moment - _last_published[-1] < EVERY_SECONDS:
        return False
    in_progress, failed = current_counts(store.now_seconds())
    metrics.count(metrics.OPERATIONS_IN_PROGRESS, in_progress)
    metrics.count(metrics.OPERATIONS_FAILED_THIS_HOUR, failed)
    _last_published[:] = [moment]
    return True


def forget() -> None:
    """As in a new process: the next batch that records a change publishes them."""
    _last_published.clear()


def current_counts(now: float) -> tuple[int, int]:
    """Operations in progress now, and failed in the current hour (UTC)."""
    hour = time.strftime("%Y%m%d%H", time.gmtime(now))
    in_progress = failed = 0
    for shard in range(layout.COUNT_SHARDS):
        for item in _shard_from(shard, layout.FINISHED_PREFIX + hour):
            sort_key, count = item[layout.SORT_KEY]["S"], int(item[layout.COUNT_ATTRIBUTE]["N"])
            if sort_key.startswith(layout.IN_PROGRESS_PREFIX):
                in_progress += count
            elif sort_key == layout.finished_key(hour, "failed"):
                failed += count
    return in_progress, failed


def _shard_from(shard: int, first_key: str) -> list[dict[str, Any]]:
    request: dict[str, Any] = {
        "TableName": table(),
        "KeyConditionExpression": "#pk = :pk AND #sk >= :first",
        "ExpressionAttributeNames": {"#pk": layout.PARTITION_KEY, "#sk": layout.SORT_KEY},
        "ExpressionAttributeValues": {
            ":pk": {"S": layout.counts_partition(shard)},
            ":first": {"S": first_key},
        },
    }
    items: list[dict[str, Any]] = []
    while True:
        answer = store.query(request)
        items.extend(answer.get("Items", []))
        if "LastEvaluatedKey" not in answer:
            return items
        request["ExclusiveStartKey"] = answer["LastEvaluatedKey"]
