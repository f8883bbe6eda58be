"""The build `make invoke` runs (for this machine's architecture), made once per session, and a DynamoDB
to run it against, shared by the build tests."""

from __future__ import annotations

import fcntl
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from devtools.lambda_runtime import ensure_tables
from devtools.precompile import find_python
from devtools.template import ROOT
from tests.support.build import BUILD_SECONDS, INVOKE_BUILD, RUNTIME_VERSION, as_a_user_runs_make


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


@pytest.fixture(scope="module")
def dynamodb_endpoint() -> Iterator[str]:
    """moto's server, in this process, for one module's tests: moto keeps every table of the process in one
    place, which another module's `mock_aws` or moto reset would empty if the server outlived the module."""
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
