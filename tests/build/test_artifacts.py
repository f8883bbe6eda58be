"""What `make build` produces: the layout Lambda expects, wheels for the template's runtime and
architecture, and a built artifact that really serves a PUT and a GET under the runtime's Python."""

from __future__ import annotations

import json
import os
import re
import subprocess
import textwrap
from pathlib import Path

import pytest

from devtools.precompile import find_python
from devtools.runtime_packages import runtime_packages
from devtools.template import ROOT, load_template
from operations_api import clients
from tests.support.events import INVALID_EVENT_POINTERS

BUILD_DIR = ROOT / ".aws-sam" / "build"
RUNTIME_VERSION = load_template().runtime.removeprefix("python")  # "3.13"
CPYTHON_TAG = "cpython-" + RUNTIME_VERSION.replace(".", "")
MACHINE = {"arm64": "aarch64", "x86_64": "x86_64"}

pytestmark = pytest.mark.build


def built(path: str) -> Path:
    if not BUILD_DIR.is_dir():
        pytest.fail(".aws-sam/build is missing: run `make build` (make test runs it before pytest)")
    return BUILD_DIR / path


def test_the_layer_holds_the_package_and_its_dependencies_under_python() -> None:
    layer = built("OperationsLayer/python")
    for package in (
        "operations_api",
        "operations_api/record/compiled.py",
        "aws_lambda_powertools",
        "typing_extensions.py",
    ):
        assert (layer / package).exists(), package
    assert not (layer / "operations_api" / "__pycache__" / "api.cpython-311.pyc").exists()


def test_the_layer_ships_neither_pydantic_nor_the_models_no_function_imports_them() -> None:
    layer = built("OperationsLayer/python")
    assert not (layer / "pydantic").exists()
    assert not (layer / "pydantic_core").exists()
    for development_only in ("models.py", "schema.py", "schema_checks.py"):  # they import pydantic(-core)
        assert not (layer / "operations_api" / "record" / development_only).exists(), development_only


def test_the_layer_ships_the_botocore_its_endpoint_data_was_cut_from_and_no_boto3() -> None:
    layer = built("OperationsLayer/python")
    assert not (layer / "boto3").exists(), "the functions use botocore alone"
    version = re.search(r"__version__ = '([^']+)'", (layer / "botocore" / "__init__.py").read_text())
    assert version is not None
    cuts = sorted(path.name for path in (layer / "operations_api" / "botocore_data").iterdir())
    assert cuts == [version.group(1)], "the functions would read botocore's whole endpoint data"
    services = sorted(path.name for path in (layer / "botocore" / "data").iterdir() if path.is_dir())
    assert services == sorted(clients.SERVICES), "the service data of the clients the functions make, only"


def test_the_layer_is_pure_python_one_build_serves_either_architecture() -> None:
    assert sorted(built("OperationsLayer/python").rglob("*.so")) == []


def test_each_function_holds_its_handler() -> None:
    for function in load_template().functions.values():
        assert (built(function.logical_id) / f"{function.module_name}.py").is_file()


def test_bytecode_for_the_runtime_is_shipped_where_its_python_exists() -> None:
    if find_python(RUNTIME_VERSION) is None:
        pytest.skip(f"no Python {RUNTIME_VERSION} on this machine: the build ships no bytecode")
    compiled = built("OperationsLayer/python/operations_api/record/__pycache__")
    assert (compiled / f"compiled.{CPYTHON_TAG}.pyc").is_file()
    powertools = built("OperationsLayer/python/aws_lambda_powertools/__pycache__")
    assert (powertools / f"__init__.{CPYTHON_TAG}.pyc").is_file()


# --- the built artifact, run by the runtime's Python --------------------------------------------

SMOKE = textwrap.dedent(
    """
    import importlib.util, json, sys
    function_dir, event_path = sys.argv[1], sys.argv[2]
    sys.path.insert(0, function_dir)
    import app
    class Context:
        function_name = "smoke"; memory_limit_in_mb = 512; aws_request_id = "smoke-1"
        invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:smoke"
    result = app.lambda_handler(json.load(open(event_path)), Context())
    print(json.dumps({"status": result["statusCode"], "body": json.loads(result["body"])}))
    """
)


def run_built(build_dir: Path, function: str, event: str, endpoint: str) -> dict[str, object]:
    python = find_python(RUNTIME_VERSION)
    assert python is not None
    environment = {
        "PATH": os.environ["PATH"],
        # the layer where /opt/python would be, then the runtime's own boto3 (as in /var/runtime)
        "PYTHONPATH": os.pathsep.join(
            [str(build_dir / "OperationsLayer" / "python"), str(runtime_packages(RUNTIME_VERSION))]
        ),
        "PYTHONDONTWRITEBYTECODE": "1",
        "TABLE_NAME": "smoke-operations",
        "DYNAMODB_ENDPOINT_URL": endpoint,
        "AWS_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "smoke",
        "AWS_SECRET_ACCESS_KEY": "smoke",
        "POWERTOOLS_SERVICE_NAME": "operations-api",
    }
    answer = subprocess.run(
        [python, "-s", "-c", SMOKE, str(build_dir / function), str(ROOT / "events" / event)],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    result: dict[str, object] = json.loads(answer.stdout.strip().splitlines()[-1])
    return result


def test_the_built_artifact_serves_a_put_and_a_get_under_the_runtimes_python(
    native_build: Path, dynamodb_endpoint: str
) -> None:
    record = json.loads(json.loads((ROOT / "events" / "put_operation.json").read_text())["body"])
    put = run_built(native_build, "PutOperationFunction", "put_operation.json", dynamodb_endpoint)
    get = run_built(native_build, "GetOperationFunction", "get_operation.json", dynamodb_endpoint)
    assert put == {"status": 200, "body": record}
    assert get == {"status": 200, "body": record}


def test_the_built_artifact_refuses_an_invalid_record_as_the_source_does(
    native_build: Path, dynamodb_endpoint: str
) -> None:
    """The refusal path too runs without pydantic or pydantic-core: the compiled validator's faults become
    the same problem."""
    refused = run_built(native_build, "PutOperationFunction", "put_operation_invalid.json", dynamodb_endpoint)
    body = refused["body"]
    assert refused["status"] == 400
    assert isinstance(body, dict)
    assert body["code"] == "VALIDATION_ERROR"
    assert {entry["pointer"] for entry in body["errors"]} == INVALID_EVENT_POINTERS
