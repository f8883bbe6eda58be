"""`?cluster=` hides expired operations on dynalite as on moto (tests/handlers/test_cluster_list.py): its
items carry no expiry, so the Query's filter reads the summary's status and last_update_time against the
current RetentionDays (listing/shards.py, `_live_filter`), a nested path DynamoDB and dynalite both read."""

from __future__ import annotations

from typing import Any
from unittest import mock

import pytest

from devtools.lambda_runtime import local_table_names
from operations_api import store
from operations_api.listing import query as listing
from tests.support.dynamodb import DynamoTable, UseEndpoint
from tests.support.fleet import FLEET_NOW, cluster_items, put_items
from tests.support.listing import service_settings
from tests.support.records import cluster, record_for


def finished(operation_id: str, time: str) -> dict[str, Any]:
    record = record_for(operation_id, last_update_time=time, occurred_time="20261001_000000", status="failed")
    return {**record, "response": {"status_code": 500, "body": ""}, "target_clusters": [cluster("a", 500)]}


@pytest.mark.parametrize(
    ("retention_days", "live"), [("1", ["recent", "second-after", "running"]), ("0", None)]
)
def test_the_cluster_list_hides_what_the_current_retention_has_passed(
    dynalite_table: DynamoTable, use_endpoint: UseEndpoint, retention_days: str, live: list[str] | None
) -> None:
    records = [
        finished("long-ago", "20261120_000000"),
        finished("recent", "20261122_000000"),
        finished("at-now", "20261121_064514"),  # expires exactly at FLEET_NOW under one day
        finished("second-after", "20261121_064515"),
        {
            **record_for("running", last_update_time="20261001_000000"),
            "target_clusters": [cluster("a", None)],
        },
    ]
    fleet_table = local_table_names(dynalite_table.name)["FleetTable"]
    put_items(dynalite_table.client, [item for r in records for item in cluster_items(r)], fleet_table)
    use_endpoint(dynalite_table.endpoint_url, dynalite_table.name)
    with (
        service_settings(FLEET_TABLE_NAME=fleet_table, RETENTION_DAYS=retention_days),
        mock.patch.object(store, "now_seconds", return_value=float(FLEET_NOW)),
    ):
        for query in ("cluster=a", "cluster=a&status=failed"):
            answer = listing.list_operations(query).answer
            ids = [summary["operation_id"] for summary in answer["operations"]]
            everything = ["recent", "second-after", "at-now", "long-ago", "running"]
            expected = [i for i in (live or everything) if "status" not in query or i != "running"]
            assert ids == expected, query
