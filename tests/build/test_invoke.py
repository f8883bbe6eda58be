"""`make invoke`: the built artifact on an event file, in a fresh process, without Docker."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from devtools.template import ROOT

pytestmark = pytest.mark.build


def invoke(function: str, event: str, build_dir: Path, **dynamodb: str) -> subprocess.CompletedProcess[str]:
    """`make invoke` on the given build; `dynamodb` (DYNAMODB_ENDPOINT_URL, TABLE_NAME) shares a DynamoDB."""
    environment = {k: v for k, v in os.environ.items() if k not in ("DYNAMODB_ENDPOINT_URL", "TABLE_NAME")}
    environment.update(
        BUILD_DIR=str(build_dir), PYTHONPATH=f"{ROOT / 'layers' / 'operations'}{os.pathsep}{ROOT}", **dynamodb
    )
    command = [sys.executable, "-m", "devtools.invoke", function, f"events/{event}"]
    return subprocess.run(command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=300)


def test_invoke_prints_the_handlers_result_and_logs_apart(native_build: Path) -> None:
    answer = invoke("GetOperationFunction", "get_operation_not_found.json", native_build)
    assert answer.returncode == 0, answer.stderr
    result = json.loads(answer.stdout)
    assert result["statusCode"] == 404
    assert json.loads(result["body"])["code"] == "OPERATION_NOT_FOUND"
    assert '"message":"request"' in answer.stderr


def test_invokes_sharing_a_dynamodb_see_each_others_records(
    native_build: Path, dynamodb_endpoint: str
) -> None:
    """Each invoke starts a fresh table of its own, so the GET fixture alone answers 404; given the
    DynamoDB of a running `make run` (its banner prints DYNAMODB_ENDPOINT_URL), the PUT fixture's record
    is there for the GET fixture to read."""
    shared = {"DYNAMODB_ENDPOINT_URL": dynamodb_endpoint, "TABLE_NAME": "smoke-operations"}
    put = invoke("PutOperationFunction", "put_operation.json", native_build, **shared)
    assert put.returncode == 0, put.stderr
    got = invoke("GetOperationFunction", "get_operation.json", native_build, **shared)
    assert got.returncode == 0, got.stderr
    assert json.loads(got.stdout)["statusCode"] == 200
    assert json.loads(json.loads(got.stdout)["body"]) == json.loads(json.loads(put.stdout)["body"])


@pytest.mark.parametrize(
    ("fixture", "published"),
    [
        ("dynamodb_stream_status_change.json", ["Operation Status Changed"]),
        ("dynamodb_stream_replay.json", []),
    ],
)
def test_invoke_runs_the_built_stream_consumer_and_shows_what_it_published(
    native_build: Path, fixture: str, published: list[str]
) -> None:
    answer = invoke("PublishEventsFunction", fixture, native_build)
    assert answer.returncode == 0, answer.stderr
    assert json.loads(answer.stdout) == {"batchItemFailures": []}
    assert f"invoke: {len(published)} change events published" in answer.stderr
    assert [line for line in answer.stderr.splitlines() if '"detail-type"' in line] == [
        f'  "detail-type": "{detail_type}",' for detail_type in published
    ]
