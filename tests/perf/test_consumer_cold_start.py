"""The stream consumer's cold start imports only what a batch needs: no boto3, nothing of the HTTP edge.
A list of modules, not a timing (make bench measures it: docs/performance.md, "Change events")."""

from __future__ import annotations

from tests.perf.probe import run_probe

NEVER_IN_THE_CONSUMER = [
    "boto3",  # the EventBridge client is botocore's, as the DynamoDB one (operations_api.clients)
    "s3transfer",
    "pydantic",
    "pydantic_core",
    "aws_lambda_powertools.event_handler",  # the consumer is no HTTP function
    "operations_api.api",
    "operations_api.record.validation",
    "operations_api.record.models",
    "aws_xray_sdk",
    "yaml",
    "moto",
    "devtools",
]

# After the import (tests/perf/probe.py): one batch, which fails at the closed bus.
ONE_BATCH = """
try:
    app.lambda_handler(event, Context())
    facts["outcome"] = "answered"
except Exception as error:
    facts["outcome"] = type(error).__name__
real.write(json.dumps({"modules": sorted(sys.modules), **facts}))
"""


def test_a_batch_imports_nothing_it_does_not_need_and_the_collector_waits_for_the_imports() -> None:
    probe = run_probe(
        "publish_events",
        "dynamodb_stream_insert",
        ONE_BATCH,
        EVENTS_ENDPOINT_URL="http://127.0.0.1:9",
        EVENT_BUS_NAME="probe",
    )
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
