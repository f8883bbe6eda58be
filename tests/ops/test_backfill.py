"""ops/backfill.py: records written before the list existed are found once it has run, a new
shard count or retention period re-indexes (never reviving an expired record), a record a PUT changes
meanwhile is left as the PUT wrote it."""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from boto3.dynamodb.types import TypeSerializer

from devtools.template import ROOT, load_template
from operations_api import store
from operations_api.listing import index as list_index
from operations_api.store import VersionGuard
from ops import backfill
from tests.build.test_doc_commands import run_as_written
from tests.http.test_doc_examples import examples
from tests.support.environment import TABLE_NAME
from tests.support.fleet import cluster_items, put_items
from tests.support.listing import service_settings, walk
from tests.support.records import full_record, minimal_record
from tests.unit.test_list_store import call_listing

_SERIALIZER = TypeSerializer()  # a value as a DynamoDB attribute, as boto3 writes it

# The commands' clients, on moto's server, wait for its answer as long as a loaded machine needs. With the
# functions' budget (1.5 s a read), botocore retries a transaction whose answer was slow; DynamoDB applies
# it once (its ClientRequestToken, the same on each try), but moto ignores the token and cancels the retry
# on the head the first try wrote: the back-fill then counts that record "left", not "given".
PATIENT_CLIENTS = {"AWS_CLIENT_CONNECT_TIMEOUT": "60", "AWS_CLIENT_READ_TIMEOUT": "120"}


def written_before_the_list(table: Any, record: dict[str, Any], version: str = "v1") -> None:
    """An item as the store wrote it before the list: the record and its version, nothing else."""
    item = {key: _SERIALIZER.serialize(value) for key, value in record.items()}
    table.put_item(TableName=TABLE_NAME, Item={**item, "_version": {"S": version}})


def listed(**filters: Any) -> list[str]:
    return [summary["operation_id"] for summary in walk(call_listing, **filters)]


def records() -> list[dict[str, Any]]:
    return [
        minimal_record(operation_id=f"old-{index}", last_update_time=f"20261122_06424{index}")
        for index in range(5)
    ] + [full_record()]


def test_records_written_before_the_list_are_found_after_the_backfill(table: Any) -> None:
    for record in records():
        written_before_the_list(table, record)
    assert listed() == []
    assert backfill.main(["--table", TABLE_NAME, "--region", "us-east-1"]) == 0
    assert listed() == [full_record()["operation_id"], *[f"old-{index}" for index in range(4, -1, -1)]]
    assert listed(status="failed") == [full_record()["operation_id"]]
    stored = store.get_operation("old-1")
    assert stored is not None
    assert stored.document == records()[1]
    assert stored.version == "v1"


def test_a_second_run_changes_nothing(table: Any) -> None:
    for record in records():
        written_before_the_list(table, record)
    first = backfill.backfill(table, TABLE_NAME, shards=4, retention_days=0)
    again = backfill.backfill(table, TABLE_NAME, shards=4, retention_days=0)
    assert (first.updated, again.updated, again.unchanged) == (6, 0, 6)


def test_a_dry_run_writes_nothing(table: Any) -> None:
    written_before_the_list(table, minimal_record())
    assert backfill.backfill(table, TABLE_NAME, 4, 0, dry_run=True).updated == 1
    assert listed() == []


def test_a_new_shard_count_re_indexes(table: Any) -> None:
    with service_settings(LIST_SHARDS="7"):
        for index in range(20):
            store.put_operation(minimal_record(operation_id=f"op-{index:02d}"), "v", VersionGuard())
    assert len(listed()) < 20, "with 4 shards, the items written in shards 4 to 6 are not where it looks"
    tally = backfill.backfill(table, TABLE_NAME, shards=4, retention_days=0)
    assert tally.updated > 0
    assert listed(page_size=3) == [f"op-{index:02d}" for index in range(20)]


def test_a_retention_period_set_later_expires_what_finished_long_ago(table: Any) -> None:
    done = minimal_record(
        status="canceled", last_update_time="20200101_000000", occurred_time="20200101_000000"
    )
    written_before_the_list(table, done)
    written_before_the_list(table, minimal_record(operation_id="running"))
    backfill.backfill(table, TABLE_NAME, shards=4, retention_days=30)
    item = table.get_item(TableName=TABLE_NAME, Key={"operation_id": {"S": "op-1"}})["Item"]
    assert item[list_index.EXPIRES_ATTRIBUTE] == {
        "N": str(list_index.epoch_seconds("20200101_000000") + 30 * 86_400)
    }
    assert listed() == ["running"]
    assert store.get_operation("op-1") is None
    # Keeping everything forever from now on does not revive what has expired: it is gone for every reader
    # from the moment it expired (docs/api.md, "Retention"), and DynamoDB's TTL deletes it in time.
    tally = backfill.backfill(table, TABLE_NAME, shards=4, retention_days=0)
    assert tally.expired == 1
    assert (
        list_index.EXPIRES_ATTRIBUTE
        in table.get_item(TableName=TABLE_NAME, Key={"operation_id": {"S": "op-1"}})["Item"]
    )
    assert listed() == ["running"]
    assert store.get_operation("op-1") is None


def test_a_record_a_put_changed_meanwhile_is_left_as_the_put_wrote_it(table: Any) -> None:
    written_before_the_list(table, minimal_record(), version="v1")
    (read,) = table.scan(TableName=TABLE_NAME)["Items"]
    newer = minimal_record(last_update_time="20261122_070000", status="unexecuted")
    store.put_operation(newer, "v2", VersionGuard())  # a PUT between the backfill's read and its write
    update = backfill.index_update(read, shards=4, retention_days=0)
    assert update is not None
    assert backfill.apply_update(table, TABLE_NAME, read, update) is False
    assert listed() == ["op-1"]
    assert walk(call_listing)[0]["status"] == "unexecuted"


def test_bad_arguments_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        backfill.main(["--table", "t", "--shards", "0"])
    assert "--shards" in capsys.readouterr().err


def test_records_indexed_by_status_only_gain_the_index_of_every_status(table: Any) -> None:
    record = minimal_record(operation_id="by-status-only")
    item = {key: _SERIALIZER.serialize(value) for key, value in record.items()}
    internal = list_index.attributes(record, 4, 0)
    del internal[list_index.ALL_SHARD_ATTRIBUTE]  # as the first release of the list wrote it
    internal_items = {key: _SERIALIZER.serialize(value) for key, value in internal.items()}
    table.put_item(TableName=TABLE_NAME, Item={**item, **internal_items, "_version": {"S": "v1"}})
    assert listed(status=record["status"]) == ["by-status-only"]
    assert listed() == []
    assert backfill.backfill(table, TABLE_NAME, shards=4, retention_days=0).updated == 1
    assert listed() == ["by-status-only"]


# --- docs/operate.md's commands, as an operator types them -------------------------------------------


def documented_commands(option: str = "--shards") -> list[str]:
    """The `make backfill` lines of the block that uses `option` (the re-index's, or the history's
    `--history-table`); the lines before them read the tables' names from CloudFormation."""
    (example,) = [
        e for e in examples(ROOT / "docs" / "operate.md") if "make backfill" in e.text and option in e.text
    ]
    return [line for line in example.text.splitlines() if line.startswith("make backfill")]


@pytest.fixture
def served_table() -> Iterator[tuple[Any, str]]:
    """A table made from template.yaml in moto's server, on a port of its own: its client and endpoint."""
    import botocore.session
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        # moto keeps what its servers stored in the process: each test's server starts empty
        urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")).close()
        client = botocore.session.get_session().create_client(
            "dynamodb", region_name="us-east-1", endpoint_url=endpoint
        )
        client.create_table(**load_template().create_table_request(TABLE_NAME))
        yield client, endpoint
    finally:
        server.stop()


def test_the_documented_commands_count_then_re_index_as_written(served_table: tuple[Any, str]) -> None:
    """With the cluster index as the earlier layout left it: full_record's items keyed by ListShards 2 and
    carrying the list's expiry."""
    client, endpoint = served_table
    fleet = f"{TABLE_NAME}-fleet"
    client.create_table(**load_template().create_table_request(fleet, "FleetTable"))
    for record in records():
        written_before_the_list(client, record)
    earlier = cluster_items(full_record(), 2, retention_days=1)
    put_items(client, earlier, fleet)
    dry_run, real_run = documented_commands()
    answers = [
        run_as_written(
            command,
            TABLE=TABLE_NAME,
            FLEET=fleet,
            AWS_ENDPOINT_URL_DYNAMODB=endpoint,  # where the credentials' account would have the table
            AWS_REGION="us-east-1",
            **PATIENT_CLIENTS,
        )
        for command in (dry_run, real_run)
    ]
    assert [answer.returncode for answer in answers] == [0, 0], [answer.stderr[-2000:] for answer in answers]
    said = [answer.stdout.splitlines()[-2:] for answer in answers]  # after the command make echoes
    assert said[0][0].startswith(f"dry run: the cluster index: {len(earlier)} items read, "), said
    assert said[0][1].startswith("dry run: 6 items read: 6 re-indexed, 0 already right"), said
    assert said[1][0].startswith(f"the cluster index: {len(earlier)} items read, "), said
    assert said[1][1].startswith("6 items read: 6 re-indexed, 0 already right"), said
    again = backfill.backfill(client, TABLE_NAME, shards=4, retention_days=0, dry_run=True)
    assert (again.updated, again.unchanged) == (0, 6)
    stored = client.scan(TableName=fleet)["Items"]
    assert sorted(map(str, stored)) == sorted(map(str, cluster_items(full_record()))), "this layout's"


def test_the_documented_history_backfill_counts_then_writes_each_sequence_1_as_written(
    served_table: tuple[Any, str],
) -> None:
    client, endpoint = served_table
    history, fleet = f"{TABLE_NAME}-history", f"{TABLE_NAME}-fleet"
    client.create_table(**load_template().create_table_request(history, "HistoryTable"))
    client.create_table(**load_template().create_table_request(fleet, "FleetTable"))
    for record in records():
        written_before_the_list(client, record)
    dry_run, real_run = documented_commands("--history-table")
    answers = [
        run_as_written(
            command,
            TABLE=TABLE_NAME,
            HISTORY=history,
            FLEET=fleet,
            AWS_ENDPOINT_URL_DYNAMODB=endpoint,
            AWS_REGION="us-east-1",
            **PATIENT_CLIENTS,
        )
        for command in (dry_run, real_run, real_run)
    ]
    assert [answer.returncode for answer in answers] == [0, 0, 0], [
        answer.stderr[-2000:] for answer in answers
    ]
    said = [answer.stdout.splitlines()[-1] for answer in answers]
    assert said[0].startswith("dry run: 6 records read: 6 given their sequence 1, 0 left"), said
    assert said[1].startswith("6 records read: 6 given their sequence 1, 0 left"), said
    assert said[2].startswith("6 records read: 0 given their sequence 1, 6 left"), said
    assert [line.split("; the fleet: ")[1] for line in said] == [
        "6 counted, 6 indexed",
        "6 counted, 6 indexed",
        "0 counted, 0 indexed",
    ], "each operation counted and indexed once"
    heads = client.scan(
        TableName=history,
        FilterExpression="#p = :head",
        ExpressionAttributeNames={"#p": "position"},
        ExpressionAttributeValues={":head": {"S": "head"}},
    )
    assert sorted(item["operation_id"]["S"] for item in heads["Items"]) == sorted(
        r["operation_id"] for r in records()
    )
