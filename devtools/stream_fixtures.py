"""The DynamoDB stream fixtures of events/ (`dynamodb_stream_*.json`): real records of moto's stream, made by
the PUT function's own writes of events/put_operation.json (signed: its IAM authorizer names the writer) at
fixed moments, so that each run writes the same files. `make stream-fixtures` rewrites them;
tests/unit/test_change_events.py checks that they are what this writes.

One operation's life: created executing (`insert`), failed (`status_change`), its rollbacks added
(`update`), the same PUT again (`replay`), then its item deleted by hand (`user_removal`) and, the same
deletion as DynamoDB's TTL makes it, with the `userIdentity` that moto never adds (`ttl_removal`).
"""

from __future__ import annotations

import copy
import json
import os
import sys
from pathlib import Path
from typing import Any, Final
from unittest import mock

from devtools.lambda_runtime import LOCAL_REGION, ensure_tables, table_variables
from devtools.local_events import StreamReader
from devtools.template import ROOT, load_template

EVENTS: Final = ROOT / "events"
TABLE_NAME: Final = "operations"
STREAM_ARN: Final = (
    f"arn:aws:dynamodb:{LOCAL_REGION}:123456789012:table/{TABLE_NAME}/stream/2026-11-22T06:40:00.000"
)
TTL_DELETER: Final = {"type": "Service", "principalId": "dynamodb.amazonaws.com"}
# When each write is accepted (epoch seconds): just after the report's own last_update_time.
ACCEPTED_AT: Final = {
    "insert": 1795329781,  # 20261122_064301
    "status_change": 1795329913,  # 20261122_064513
    "update": 1795329960,  # 20261122_064600
    "replay": 1795330020,  # 20261122_064700
    "user_removal": 1795330080,  # 20261122_064800
}
ORDER: Final = [*ACCEPTED_AT, "ttl_removal"]  # their stream order: sequence numbers 1 to 6


def put_event() -> dict[str, Any]:
    event: dict[str, Any] = json.loads((EVENTS / "put_operation.json").read_text(encoding="utf-8"))
    return event


def versions() -> dict[str, dict[str, Any]]:
    """The record of each PUT: the fixture's failed one last, its earlier reports before it."""
    failed = json.loads(put_event()["body"])
    without_rollbacks = {key: value for key, value in failed.items() if key != "rollbacks"}
    executing = {
        **{key: value for key, value in without_rollbacks.items() if key != "response"},
        "status": "executing",
        "sub_status": "creating networks",
        "last_update_time": "20261122_064300",
        "target_clusters": [
            {key: value for key, value in target.items() if key != "response"}
            for target in failed["target_clusters"]
        ],
    }
    return {"insert": executing, "status_change": without_rollbacks, "update": failed, "replay": failed}


def recorded() -> dict[str, dict[str, Any]]:
    """Each fixture's one stream record, as Lambda delivers it, made on moto."""
    from moto import mock_aws

    os.environ.update(
        {
            **table_variables(TABLE_NAME),
            "AWS_DEFAULT_REGION": LOCAL_REGION,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
        }
    )
    os.environ.pop("DYNAMODB_ENDPOINT_URL", None)
    with mock_aws():
        import boto3

        from devtools.local_api import LoadedFunction
        from operations_api import store

        client = boto3.client("dynamodb", region_name=LOCAL_REGION)
        ensure_tables(client, TABLE_NAME)
        reader = StreamReader(None, TABLE_NAME)
        put = LoadedFunction(load_template().functions["PutOperationFunction"])
        records: dict[str, dict[str, Any]] = {}
        for name, record in versions().items():
            event = put_event()
            event["body"] = json.dumps(record, indent=2, ensure_ascii=False)
            with mock.patch.object(store, "now_seconds", return_value=float(ACCEPTED_AT[name])):
                answer = put.invoke(event)
            if answer["statusCode"] != 200:
                raise RuntimeError(f"{name}: the PUT answered {answer['statusCode']}: {answer['body']}")
            (records[name],) = reader.read()
        client.delete_item(
            TableName=TABLE_NAME, Key={"operation_id": {"S": versions()["update"]["operation_id"]}}
        )
        (records["user_removal"],) = reader.read()
    records["ttl_removal"] = {**copy.deepcopy(records["user_removal"]), "userIdentity": TTL_DELETER}
    return {name: numbered(records[name], ORDER.index(name) + 1, name) for name in ORDER}


def numbered(record: dict[str, Any], position: int, name: str) -> dict[str, Any]:
    """The record with what moto draws at random or from its clock (ids, sequence numbers, times, a size
    that counts them) fixed: by its position, and a size counted as DynamoDB counts items."""
    from operations_api.store import item_size

    change = {
        **record["dynamodb"],
        "ApproximateCreationDateTime": ACCEPTED_AT.get(name, ACCEPTED_AT["user_removal"]),
        "SequenceNumber": f"{100000000000000000000 + position}",
    }
    parts = ("Keys", "NewImage", "OldImage")
    change["SizeBytes"] = sum(item_size(change.get(part, {})) for part in parts)
    return {
        **record,
        "eventID": f"c81e728d9d4c2f636f067f89cc14862{position - 1}",
        "eventVersion": "1.1",  # as DynamoDB delivers it; moto says 1.0
        "eventSourceARN": STREAM_ARN,
        "dynamodb": change,
    }


def fixture_text(record: dict[str, Any]) -> str:
    return json.dumps({"Records": [record]}, indent=2, ensure_ascii=False) + "\n"


def write(folder: Path) -> list[Path]:
    written = []
    for name, record in recorded().items():
        path = folder / f"dynamodb_stream_{name}.json"
        path.write_text(fixture_text(record), encoding="utf-8")
        written.append(path)
    return written


def main(argv: list[str]) -> int:
    folder = Path(argv[0]) if argv else EVENTS
    for path in write(folder):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
