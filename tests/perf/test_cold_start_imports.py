"""The cold-start import set may not grow, and what every request reuses is frozen out of the GC's way.

A list of modules, not a timing: timings are noisy on shared machines (make bench measures them).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

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

# A GET checks its one input with `operations_api.rules`: pydantic and the models are about a quarter of
# a cold start (docs/performance.md) that it does not need.
NEVER_AT_GET_COLD_START = [
    "pydantic",
    "pydantic_core",
    "operations_api.models",
    "aws_lambda_powertools.event_handler.openapi.params",
]

PROBE = """
import gc, io, json, sys, weakref
sys.stdout, real = io.StringIO(), sys.stdout
import app
paused_while_importing = not gc.isenabled()
class Context:
    function_name = "probe"; memory_limit_in_mb = 1024; aws_request_id = "probe"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:probe"
answer = app.lambda_handler(json.load(open(sys.argv[1])), Context())
frozen = gc.get_freeze_count()
resumed = gc.isenabled()
class Garbage: pass
cycle = Garbage(); cycle.itself = cycle; garbage = weakref.ref(cycle); del cycle
app.lambda_handler(json.load(open(sys.argv[1])), Context())
gc.collect()
real.write(json.dumps({"status": answer["statusCode"], "modules": sorted(sys.modules), "frozen": frozen,
    "paused_while_importing": paused_while_importing, "resumed": resumed,
    "later_garbage_collected": garbage() is None}))
"""


@pytest.mark.parametrize(
    ("function", "never"),
    [
        ("put_operation", NEVER_AT_COLD_START),
        ("get_operation", NEVER_AT_COLD_START + NEVER_AT_GET_COLD_START),
    ],
)
def test_importing_a_handler_imports_nothing_a_request_does_not_need(function: str, never: list[str]) -> None:
    imported = set(run_probe(function)["modules"])
    assert sorted(imported.intersection(never)) == []


def run_probe(function: str) -> dict[str, Any]:
    """Import the handler and serve its fixture event, the whole of a cold start, in a fresh process: the
    store is a closed port, so the request goes all the way through botocore and ends in a 503, with no
    server needed."""
    environment = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(
            [str(ROOT / "layers" / "operations"), str(ROOT / "functions" / function)]
        ),
        "TABLE_NAME": "operations",
        "DYNAMODB_ENDPOINT_URL": "http://127.0.0.1:9",
        "DYNAMODB_MAX_ATTEMPTS": "1",
        "AWS_ACCESS_KEY_ID": "probe",
        "AWS_SECRET_ACCESS_KEY": "probe",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    event = ROOT / "events" / f"{function}.json"
    answer = subprocess.run(
        [sys.executable, "-c", PROBE, str(event)], cwd="/", env=environment, capture_output=True, text=True
    )
    assert answer.returncode == 0, answer.stderr[-2000:]
    probe: dict[str, Any] = json.loads(answer.stdout)
    assert probe["status"] == 503, "the request must reach the store and find it closed"
    return probe


@pytest.mark.parametrize("function", ["put_operation", "get_operation"])
def test_the_garbage_collector_waits_for_the_first_request_then_skips_what_every_request_reuses(
    function: str,
) -> None:
    """No collection while the handler imports (3-5 % of a cold start); after the first request the
    libraries, the resolver and the client are frozen out of the collector's rescans (a full collection
    on a 400-cluster PUT drops from ~95 ms to ~5 ms), and it collects again (docs/performance.md)."""
    probe = run_probe(function)
    assert probe["paused_while_importing"], "the handler pauses the collector before its imports"
    assert probe["frozen"] > 50_000, "the libraries, the resolver and the client are frozen"
    assert probe["resumed"], "the first request turns the collector back on"
    assert probe["later_garbage_collected"], "what a later request leaves is still collected"
