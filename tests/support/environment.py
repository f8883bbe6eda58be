"""Where things are, and the environment every test runs in (tests/conftest.py applies it)."""

from __future__ import annotations

import os
from pathlib import Path

from devtools.lambda_runtime import table_variables

ROOT = Path(__file__).resolve().parents[2]
EVENTS = ROOT / "events"
TABLE_NAME = "operations-test"

# The caller's own environment, before TEST_ENVIRONMENT replaces its AWS credentials and region: the
# end-to-end suite (tests/e2e) reads a deployed stack and signs its requests with them.
CALLER_ENVIRONMENT = dict(os.environ)

TEST_ENVIRONMENT = {
    **table_variables(TABLE_NAME),  # TABLE_NAME, HISTORY_TABLE_NAME...: the tables the `table` fixture makes
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "POWERTOOLS_SERVICE_NAME": "operations-api",
    "POWERTOOLS_METRICS_NAMESPACE": "operations-api",
}


def closed_store_environment(*python_path: Path) -> dict[str, str]:
    """A fresh process's environment whose DynamoDB is a closed port: a request goes all the way through
    botocore and ends in a 503 at once (one attempt), with no server needed."""
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(str(path) for path in python_path),
        "TABLE_NAME": "operations",
        "DYNAMODB_ENDPOINT_URL": "http://127.0.0.1:9",
        "AWS_CLIENT_MAX_ATTEMPTS": "1",
        "AWS_ACCESS_KEY_ID": "probe",
        "AWS_SECRET_ACCESS_KEY": "probe",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
