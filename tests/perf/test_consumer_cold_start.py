"""The stream consumer's cold start imports only what a batch needs: no boto3, nothing of the HTTP edge.
A list of modules, not a timing (make bench measures it: docs/performance.md, "Change events")."""

from __future__ import annotations

import json
import subprocess
import sys

from devtools.template import ROOT
from tests.conftest import closed_store_environment

NEVER_IN_THE_CONSUMER = [
    "boto3",  # the EventBridge client is botocore's, as the DynamoDB one (operations_api.clients)
    "s3transfer",
    "pydantic",
    "pydantic_core",
    "aws_lambda_powertools.event_handler",  # the consumer is no HTTP function
    "operations_api.api",
    "operations_api.record",
    "operations_api.models",
    "aws_xray_sdk",
    "yaml",
    "moto",
    "devtools",
]

PROBE = """
import gc, io, json, sys
sys.stdout, real = io.StringIO(), sys.stdout
def collections(): return sum(generation["collections"] for generation in gc.get_stats())
before_import = collections()
import app
facts = {"collections_while_importing": collections() - before_import,
    "collecting_after_import": gc.isenabled()}
class Context:
    function_name = "probe"; memory_limit_in_mb = 1024; aws_request_id = "probe"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:probe"
try:
    app.lambda_handler(json.load(open(sys.argv[1])), Context())
    facts["outcome"] = "answered"
except Exception as error:
    facts["outcome"] = type(error).__name__
real.write(json.dumps({"modules": sorted(sys.modules), **facts}))
"""


def test_a_batch_imports_nothing_it_does_not_need_and_the_collector_waits_for_the_imports() -> None:
    environment = {
        **closed_store_environment(ROOT / "layers" / "operations", ROOT / "functions" / "publish_events"),
        "EVENTS_ENDPOINT_URL": "http://127.0.0.1:9",
        "EVENT_BUS_NAME": "probe",
    }
    event = ROOT / "events" / "dynamodb_stream_insert.json"
    answer = subprocess.run(
        [sys.executable, "-c", PROBE, str(event)], cwd="/", env=environment, capture_output=True, text=True
    )
    assert answer.returncode == 0, answer.stderr[-2000:]
    probe = json.loads(answer.stdout)
    assert probe["outcome"] == "BatchProcessingError", "the batch must reach the bus and find it closed"
    imported = set(probe["modules"])
    assert (
        sorted(
            name
            for name in imported
            for never in NEVER_IN_THE_CONSUMER
            if name == never or name.startswith(f"{never}.")
        )
        == []
    )
    # as the API handlers: only what compiling app.py from source may set off before its first line runs
    assert probe["collections_while_importing"] < 5
    assert probe["collecting_after_import"] is True
