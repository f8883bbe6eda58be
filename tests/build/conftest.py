"""A build for this machine's architecture and a DynamoDB to run it against, shared by the build tests."""

from __future__ import annotations

import platform
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from devtools.precompile import find_python
from devtools.template import ROOT, load_template

RUNTIME_VERSION = load_template().runtime.removeprefix("python")


@pytest.fixture(scope="session")
def native_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An artifact built for this machine's architecture (the default build may be arm64)."""
    if find_python(RUNTIME_VERSION) is None:
        pytest.skip(f"no Python {RUNTIME_VERSION} on this machine to run the built artifact")
    architecture = {"x86_64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}[platform.machine()]
    build_dir = tmp_path_factory.mktemp("native-build")
    subprocess.run(
        ["make", "--no-print-directory", "build", f"ARCH={architecture}", f"BUILD_DIR={build_dir}"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=600,
    )
    return build_dir


@pytest.fixture(scope="session")
def dynamodb_endpoint() -> Iterator[str]:
    import boto3
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    client = boto3.client("dynamodb", endpoint_url=endpoint, region_name="us-east-1")
    client.create_table(**load_template().create_table_request("smoke-operations"))
    yield endpoint
    server.stop()
