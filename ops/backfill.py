"""Give every item of a table the list index's attributes, as the PUT writes them today; with
`--fleet-table`, first make the cluster index the live records' (`ops.cluster_reindex`); with
`--history-table`, give every operation without a history its sequence 1 instead (`ops.history_backfill`).

An operator's tool, run from the repository against a deployed table; it never ships to Lambda. When to
run it, and the command: docs/operate.md, "Re-indexing the list" and "Back-filling the history".

It reads the table with a Scan (a one-off administrative pass; the API itself never scans), and for each
item whose attributes differ, writes only those attributes with an UpdateItem conditioned on the item's
version: a record that a PUT changes meanwhile already carries fresh attributes, and is left alone. Safe to
run again and to interrupt: it skips what is done.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import botocore.session
from boto3.dynamodb.types import TypeSerializer
from botocore.exceptions import ClientError

from devtools.template import load_template
from operations_api import settings, store
from operations_api.listing import index as list_index
from operations_api.listing.index import EXPIRES_ATTRIBUTE
from operations_api.store import VERSION_ATTRIBUTE
from ops.cluster_reindex import ClusterTally, reindex_clusters
from ops.history_backfill import backfill_history, summary_line

_SERIALIZER = TypeSerializer()  # a value as a DynamoDB attribute, as boto3 writes it

INDEX_ATTRIBUTES = (
    list_index.SHARD_ATTRIBUTE,
    list_index.ALL_SHARD_ATTRIBUTE,
    list_index.ORDER_ATTRIBUTE,
    list_index.SUMMARY_ATTRIBUTE,
    EXPIRES_ATTRIBUTE,
)


@dataclass
class Tally:
    scanned: int = 0
    updated: int = 0
    unchanged: int = 0
    changed_meanwhile: int = 0
    expired: int = 0

    def line(self) -> str:
        return (
            f"{self.scanned} items read: {self.updated} re-indexed, {self.unchanged} already right, "
            f"{self.changed_meanwhile} changed by a PUT meanwhile (left as that PUT wrote them), "
            f"{self.expired} expired (left for DynamoDB's TTL to delete: re-indexing must not revive them)"
        )


def backfill(client: Any, table: str, shards: int, retention_days: int, *, dry_run: bool = False) -> Tally:
    tally = Tally()
    for item in scan_items(client, table):
        tally.scanned += 1
        if store.item_expired(item, store.now_seconds()):
            tally.expired += 1
            continue
        update = index_update(item, shards, retention_days)
        if update is None:
            tally.unchanged += 1
        elif dry_run or apply_update(client, table, item, update):
            tally.updated += 1
        else:
            tally.changed_meanwhile += 1
    return tally


def index_update(item: dict[str, Any], shards: int, retention_days: int) -> dict[str, Any] | None:
    """The UpdateItem expression parts that bring this item's index attributes up to date, or None."""
    record = store.from_item(item).document
    wanted = {
        key: _SERIALIZER.serialize(value)
        for key, value in list_index.attributes(record, shards, retention_days).items()
    }
    current = {key: item[key] for key in INDEX_ATTRIBUTES if key in item}
    if current == wanted:
        return None
    names = {f"#a{index}": name for index, name in enumerate(INDEX_ATTRIBUTES)}
    placeholders = {name: placeholder for placeholder, name in names.items()}
    values = {f":v{index}": wanted[name] for index, name in enumerate(INDEX_ATTRIBUTES) if name in wanted}
    sets = [
        f"{placeholders[name]} = :v{index}" for index, name in enumerate(INDEX_ATTRIBUTES) if name in wanted
    ]
    removes = [placeholders[name] for name in INDEX_ATTRIBUTES if name not in wanted]
    expression = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else "")
    used = {placeholder: name for placeholder, name in names.items() if placeholder in expression}
    return {
        "UpdateExpression": expression,
        "ExpressionAttributeNames": used,
        "ExpressionAttributeValues": values,
    }


def apply_update(client: Any, table: str, item: dict[str, Any], update: dict[str, Any]) -> bool:
    """Write the attributes if the item is still the version that was read; False if a PUT came first."""
    names = {**update["ExpressionAttributeNames"], "#version": VERSION_ATTRIBUTE}
    values = dict(update["ExpressionAttributeValues"])
    if VERSION_ATTRIBUTE in item:
        values[":version"] = item[VERSION_ATTRIBUTE]
        condition = "#version = :version"
    else:
        condition = "attribute_exists(operation_id) AND attribute_not_exists(#version)"
    try:
        client.update_item(
            TableName=table,
            Key={"operation_id": item["operation_id"]},
            UpdateExpression=update["UpdateExpression"],
            ConditionExpression=condition,
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
        )
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
            return False
        raise
    return True


def scan_items(client: Any, table: str) -> Iterator[dict[str, Any]]:
    for page in client.get_paginator("scan").paginate(TableName=table, ConsistentRead=True):
        yield from page.get("Items", [])


def main(argv: Sequence[str] | None = None) -> int:
    template = load_template()
    parser = argparse.ArgumentParser(prog="make backfill ARGS=...", description=__doc__.split("\n")[0])
    parser.add_argument("--table", required=True, help="the table's name (the stack's TableName output)")
    parser.add_argument(
        "--shards",
        type=int,
        default=int(template.parameter_default("ListShards")),
        help="the stack's ListShards (default: the template's)",
    )
    parser.add_argument(
        "--retention-days",
        type=int,
        default=int(template.parameter_default("RetentionDays")),
        help="the stack's RetentionDays (default: the template's)",
    )
    parser.add_argument("--endpoint-url", help="a local DynamoDB (dynalite, DynamoDB Local, moto)")
    parser.add_argument("--region", help="the table's region (default: your AWS configuration's)")
    parser.add_argument("--dry-run", action="store_true", help="count what would change; write nothing")
    parser.add_argument(
        "--history-table",
        help="back-fill the history instead: this table (the stack's HistoryTableName output)",
    )
    parser.add_argument(
        "--fleet-table",
        help="re-index the cluster index too: this table (FleetTableName); with --history-table, count "
        "and index the operations the fleet does not hold yet",
    )
    arguments = parser.parse_args(argv)
    if arguments.shards < 1 or arguments.retention_days < 0:
        parser.error("--shards must be at least 1 and --retention-days at least 0")
    client = botocore.session.get_session().create_client(
        "dynamodb", region_name=arguments.region, endpoint_url=arguments.endpoint_url
    )
    if arguments.history_table:
        return _backfill_history(client, arguments)
    prefix = "dry run: " if arguments.dry_run else ""
    if arguments.fleet_table:
        _use_tables(client, arguments)
        clusters = ClusterTally()
        reindex_clusters(arguments.fleet_table, clusters, dry_run=arguments.dry_run)
        print(prefix + clusters.line())
    tally = backfill(
        client, arguments.table, arguments.shards, arguments.retention_days, dry_run=arguments.dry_run
    )
    print(prefix + tally.line())
    return 0


def _use_tables(client: Any, arguments: argparse.Namespace) -> None:
    """Configure the service's own store and loop code as a function is (its environment variables), for
    the tables and endpoint given."""
    os.environ["TABLE_NAME"] = arguments.table
    for variable, table in (
        ("HISTORY_TABLE_NAME", arguments.history_table),
        ("FLEET_TABLE_NAME", arguments.fleet_table),
    ):
        if table:
            os.environ[variable] = table
    if arguments.endpoint_url:
        os.environ["DYNAMODB_ENDPOINT_URL"] = arguments.endpoint_url
    region = arguments.region or client.meta.region_name
    if region:
        os.environ["AWS_REGION"] = region
    settings.get_settings.cache_clear()
    store.dynamodb_client.cache_clear()


def _backfill_history(client: Any, arguments: argparse.Namespace) -> int:
    """The history's back-fill, through the service's own store and loop code."""
    _use_tables(client, arguments)
    items = scan_items(client, arguments.table)
    counts = backfill_history(
        items, arguments.table, dry_run=arguments.dry_run, with_fleet=bool(arguments.fleet_table)
    )
    print(("dry run: " if arguments.dry_run else "") + summary_line(counts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
