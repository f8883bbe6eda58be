"""The cold-start import set may not grow: what a request does not need is never imported.

A list of modules, not a timing: timings are noisy on shared machines (make bench measures them).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from devtools.template import ROOT

NEVER_AT_COLD_START = [
    "boto3",  # the store talks to botocore directly: boto3 and s3transfer cost ~100 ms of cold start
    "s3transfer",
    "boto3.dynamodb.types",
    "aws_lambda_powertools.event_handler.openapi.swagger_ui",  # Swagger: ~300 ms, generated offline instead
    "aws_xray_sdk",  # no tracer: Powertools' own tracing module is a few stubs without it
    "pydantic.v1",
    "email.mime",
    "yaml",
    "moto",
    "devtools",
]

PROBE = """
import io, json, sys
sys.stdout, real = io.StringIO(), sys.stdout
import app
real.write(json.dumps(sorted(sys.modules)))
"""


@pytest.mark.parametrize("function", ["put_operation", "get_operation"])
def test_importing_a_handler_imports_nothing_a_request_does_not_need(function: str) -> None:
    environment = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(
            [str(ROOT / "layers" / "operations"), str(ROOT / "functions" / function)]
        ),
    }
    answer = subprocess.run(
        [sys.executable, "-c", PROBE], cwd="/", env=environment, capture_output=True, text=True, check=True
    )
    imported = set(json.loads(answer.stdout))
    assert "operations_api.store" in imported, "the probe must see the handler's real imports"
    assert sorted(imported.intersection(NEVER_AT_COLD_START)) == []
