"""The build `make invoke` runs (for this machine's architecture), made once per session, and a DynamoDB
to run it against, shared by the build tests."""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from devtools.lambda_runtime import ensure_tables
from devtools.precompile import find_python
from devtools.template import ROOT, load_template

RUNTIME_VERSION = load_template().runtime.removeprefix("python")
INVOKE_BUILD = ROOT / ".aws-sam" / "invoke-build"  # the Makefile's INVOKE_BUILD_DIR
BUILD_SECONDS = 900  # an outer bound only: a cold build on a loaded machine takes a minute or two


def as_a_user_runs_make() -> dict[str, str]:
    """This environment without what an enclosing `make test` or a test sets: the Makefile's own
    defaults and paths apply, as in a terminal."""
    inherited = ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "BUILD_DIR", "INVOKE_BUILD_DIR", "FN", "EVENT")
    dynamodb = ("DYNAMODB_ENDPOINT_URL", "TABLE_NAME")
    return {key: value for key, value in os.environ.items() if key not in (*inherited, *dynamodb)}


def handler_result(answer: subprocess.CompletedProcess[str]) -> Any:
    """What `make invoke` printed as the handler's result: the JSON document that ends its output, after
    whatever make printed first (a rebuild's commands hold braces too)."""
    assert answer.returncode == 0, answer.stdout[-4000:] + answer.stderr[-4000:]
    lines = answer.stdout.splitlines()
    start = max(index for index, line in enumerate(lines) if line in ("{", "["))
    return json.loads("\n".join(lines[start:]))


@pytest.fixture(scope="session")
def native_build() -> Path:
    """The artifact `make invoke` builds for this machine (the deployed build may be arm64), made or
    refreshed by the Makefile's own rule; a lock keeps parallel sessions from building it at once."""
    if find_python(RUNTIME_VERSION) is None:
        pytest.skip(f"no Python {RUNTIME_VERSION} on this machine to run the built artifact")
    INVOKE_BUILD.parent.mkdir(exist_ok=True)
    with (INVOKE_BUILD.parent / "invoke-build.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        subprocess.run(
            ["make", "--no-print-directory", ".aws-sam/invoke-build/.stamp"],
            cwd=ROOT,
            env=as_a_user_runs_make(),
            check=True,
            capture_output=True,
            timeout=BUILD_SECONDS,
        )
    return INVOKE_BUILD


@pytest.fixture(scope="session")
def dynamodb_endpoint() -> Iterator[str]:
    import boto3
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    client = boto3.client("dynamodb", endpoint_url=endpoint, region_name="us-east-1")
    ensure_tables(client, "smoke-operations")
    yield endpoint
    server.stop()
