"""The history's routes over real HTTP against the local server (`make run`), and docs/api.md's History
examples run as written against it.

The history is written by the local server's stream loop (devtools/local_events.py), a moment after each PUT:
the tests wait until it holds the versions they PUT (tests/support/history.py, history_recorded).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import boto3

from devtools.lambda_runtime import local_table_name, local_table_names
from devtools.template import ROOT
from operations_api.history import layout
from tests.http.test_doc_examples import examples, failure, run_example
from tests.support.cli import run_opsctl
from tests.support.history import history_recorded, versions_of
from tests.support.http import call


def put(local_api: str, record: dict[str, Any]) -> None:
    url = f"{local_api}/v1/operations/{record['operation_id']}"
    answer = call(url, "PUT", json.dumps(record), Content_Type="application/json")
    assert answer.status == 200, answer.body


def history_table() -> tuple[Any, str]:
    """A client of the local server's DynamoDB and the name of its history table."""
    client = boto3.client("dynamodb", endpoint_url=os.environ["DYNAMODB_ENDPOINT_URL"])
    return client, local_table_names(local_table_name())["HistoryTable"]


def recorded(operation_id: str, versions: list[dict[str, Any]]) -> None:
    """Waits until the loop has recorded these versions, PUT already (tests/support/history.py)."""
    history_recorded(*history_table(), operation_id, versions)


def rewrite_principal(operation_id: str, sequence: int, principal: str) -> None:
    """One stored entry altered after the fact: its blob decoded, its principal changed, encoded again."""
    client, table_name = history_table()
    head_key = {layout.PARTITION_KEY: {"S": operation_id}, layout.SORT_KEY: {"S": layout.HEAD}}
    life = client.get_item(TableName=table_name, Key=head_key, ConsistentRead=True)["Item"]["life"]["S"]
    key = {
        layout.PARTITION_KEY: {"S": operation_id},
        layout.SORT_KEY: {"S": layout.chunk_position(life, sequence, 0)},
    }
    item = client.get_item(TableName=table_name, Key=key, ConsistentRead=True)["Item"]
    assert item["chunks"]["N"] == "1", "a small record's entry is one chunk"
    entry, snapshot = layout.decode_blob([bytes(item["blob"]["B"])])
    assert entry["sequence"] == sequence
    assert entry["principal"] != principal
    (blob,) = layout.encode_blob({**entry, "principal": principal}, snapshot)
    client.put_item(TableName=table_name, Item={**item, "blob": {"B": blob}})


def test_a_history_is_paged_and_each_version_read_over_http(local_api: str) -> None:
    versions = versions_of("http-history", 5)
    for record in versions:
        put(local_api, record)
    recorded("http-history", versions)
    walked, query = [], "page_size=2"
    while True:
        answer = call(f"{local_api}/v1/operations/http-history/history?{query}")
        assert (answer.status, answer.headers["Content-Type"]) == (200, "application/json")
        page = answer.json()
        walked += page["entries"]
        if "next_page_token" not in page:
            break
        query = f"page_size=2&page_token={page['next_page_token']}"
    assert [entry["sequence"] for entry in walked] == [1, 2, 3, 4, 5]
    for sequence, record in enumerate(versions, start=1):
        answer = call(f"{local_api}/v1/operations/http-history/history/{sequence}")
        assert answer.status == 200
        assert answer.json() == record
        assert answer.headers["ETag"] == f'"{walked[sequence - 1]["version"]}"'


def test_bad_input_over_http_is_a_problem_naming_it(local_api: str) -> None:
    versions = versions_of("http-history-bad", 2)
    for record in versions:
        put(local_api, record)
    recorded("http-history-bad", versions)
    answers = {
        "history?page_size=0&sort=asc": (400, {"page_size", "sort"}),
        "history?page_token=1.AAAA": (400, {"page_token"}),
        "history/zero": (400, {"sequence"}),
    }
    for path, (status, parameters) in answers.items():
        answer = call(f"{local_api}/v1/operations/http-history-bad/{path}")
        assert answer.status == status, path
        assert answer.headers["Content-Type"] == "application/problem+json"
        assert {fault["parameter"] for fault in answer.json()["errors"]} == parameters
    assert call(f"{local_api}/v1/operations/no-such-op/history").json()["code"] == "OPERATION_NOT_FOUND"


def test_the_contracts_history_examples_run_as_written(local_api: str, tmp_path: Path) -> None:
    document = ROOT / "docs" / "api.md"
    writes, *reads = [example for example in examples(document) if "op-h1" in example.text]
    assert len(reads) == 2
    assert failure(writes, run_example(writes, local_api, tmp_path)) is None
    versions = [json.loads((tmp_path / f"h-{n}.json").read_text(encoding="utf-8")) for n in (1, 2, 3)]
    recorded("op-h1", versions)
    outputs = []
    for example in reads:
        answer = run_example(example, local_api, tmp_path)
        assert failure(example, answer) is None, failure(example, answer)
        outputs.append(answer.stdout)
    assert '"parameter": "sequence"' in outputs[0]
    assert "and 3 digests check" in outputs[1]


def test_verify_names_the_stored_entry_altered_after_the_fact(local_api: str) -> None:
    versions = versions_of("http-history-altered", 3)
    for record in versions:
        put(local_api, record)
    recorded("http-history-altered", versions)
    before = run_opsctl("history", "http-history-altered", "--verify", OPERATIONS_API_URL=local_api)
    assert before.returncode == 0, before.stderr
    assert before.stdout.startswith("verified: 3 entries; the last is the current record")
    rewrite_principal("http-history-altered", 2, "arn:aws:iam::123456789012:user/someone-else")
    after = run_opsctl("history", "http-history-altered", "--verify", OPERATIONS_API_URL=local_api)
    assert (after.returncode, after.stdout) == (1, "")
    assert after.stderr.startswith(
        "the history of 'http-history-altered' does not verify: sequence 2: its digest 'sha256:"
    ), after.stderr
