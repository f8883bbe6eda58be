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


def invoke(function: str, event: str, build_dir: Path) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k not in ("DYNAMODB_ENDPOINT_URL", "TABLE_NAME")}
    environment.update(
        BUILD_DIR=str(build_dir), PYTHONPATH=f"{ROOT / 'layers' / 'operations'}{os.pathsep}{ROOT}"
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
