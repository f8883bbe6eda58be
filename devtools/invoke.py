"""`make invoke FN=<LogicalId> EVENT=events/<file>.json`: what `sam local invoke` does, without Docker.

Runs the BUILT artifact (.aws-sam/build, or BUILD_DIR) in a fresh process: the function's folder is the
task root (and the working directory), the layer's python/ folder stands where /opt/python would be, and
boto3 is the runtime's own (devtools.runtime_packages). The process is a Python of the template's runtime
version when the machine has one (python3.X on PATH, or pyenv's), else this one, and it says which; a layer
whose compiled extensions are for another Python, machine or OS cannot run here, and it says so instead
of failing on an ImportError. DynamoDB is DYNAMODB_ENDPOINT_URL if set, else moto's server for the
duration, with the template's tables (and EventBridge, for the stream consumer: the events it published are
printed afterwards). The handler's result is printed on stdout as JSON; logs go to stderr.
"""

from __future__ import annotations

import json
import os
import platform
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from devtools import local_events
from devtools.lambda_runtime import (
    LOCAL_ACCOUNT,
    LOCAL_REGION,
    function_environment,
    local_client_timeouts,
    local_table_name,
    start_dynamodb,
)
from devtools.precompile import find_python
from devtools.runtime_packages import runtime_packages
from devtools.template import ROOT, Function, load_template

MACHINES: Final = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "aarch64", "arm64": "aarch64"}
ARCH_OF_MACHINE: Final = {"x86_64": "x86_64", "aarch64": "arm64"}
EXTENSION_TAG: Final = re.compile(r"\.cpython-(?P<major>\d)(?P<minor>\d+)-(?P<machine>[a-z0-9_]+)-linux")
RUNNER: Final = """
import importlib, json, sys, time, types, uuid
result_stream, sys.stdout = sys.stdout, sys.stderr  # the handler's logs go to stderr, its result to stdout
task_root, module_name, handler_name, event_path, function_name, memory_mb, timeout_s, arn = sys.argv[1:]
sys.path.insert(0, task_root)
deadline = time.monotonic() + int(timeout_s)
context = types.SimpleNamespace(
    function_name=function_name, memory_limit_in_mb=int(memory_mb), invoked_function_arn=arn,
    aws_request_id=str(uuid.uuid4()),
    get_remaining_time_in_millis=lambda: max(0, int((deadline - time.monotonic()) * 1000)),
)
with open(event_path, encoding="utf-8") as event_file:
    event = json.load(event_file)
result = getattr(importlib.import_module(module_name), handler_name)(event, context)
result_stream.write(json.dumps(result, indent=2) + "\\n")
"""


class InvokeError(Exception):
    """Something the user must fix first; the message says what."""


@dataclass(frozen=True)
class BuiltFunction:
    function: Function
    task_root: Path
    layer_paths: list[Path]  # each layer's python/ folder, where /opt/python would be


@dataclass(frozen=True)
class Interpreter:
    python: str
    extra_paths: list[Path]  # the runtime's own packages (boto3), where /var/runtime would be
    description: str


def build_dir() -> Path:
    """Absolute: the function runs with its own folder as the working directory, where a relative
    BUILD_DIR (`make invoke` passes .aws-sam/invoke-build) would name nothing."""
    return Path(os.environ.get("BUILD_DIR") or ROOT / ".aws-sam" / "build").absolute()


def built_function(logical_id: str) -> BuiltFunction:
    template = load_template()
    function = template.functions.get(logical_id)
    if function is None:
        raise InvokeError(f"no function {logical_id!r} in template.yaml: {', '.join(template.functions)}")
    built = build_dir()
    task_root = built / logical_id
    layer_paths = [built / layer_id / "python" for layer_id in function.layer_ids]
    for folder in (task_root, *layer_paths):
        if not folder.is_dir():
            raise InvokeError(f"{folder} does not exist: run `make build` first")
    return BuiltFunction(function, task_root, layer_paths)


def compiled_extensions(layer_paths: list[Path]) -> list[Path]:
    """The layers' compiled extension modules (in a package, or at the top)."""
    return [path for folder in layer_paths for pattern in ("*.so", "*/*.so") for path in folder.glob(pattern)]


def check_extensions_fit_this_machine(extensions: list[Path]) -> None:
    """A layer built for another architecture or OS cannot be imported here: say so, and how to fix it."""
    machine = MACHINES.get(platform.machine().lower(), platform.machine())
    for extension in extensions:
        tag = EXTENSION_TAG.search(extension.name)
        if tag is None:
            continue
        if sys.platform != "linux":
            raise InvokeError(f"the build is for Linux ({extension.name}); run `make invoke` on Linux")
        if tag["machine"] != machine:
            arch = ARCH_OF_MACHINE.get(machine, machine)
            raise InvokeError(
                f"the build is for {tag['machine']} ({extension.name}), this machine is {machine}: "
                f"run `make build ARCH={arch}` to build for this machine, then invoke again"
            )


def extensions_python_version(extensions: list[Path]) -> str | None:
    """The CPython version that the layer's compiled extensions were built for, if any."""
    for extension in extensions:
        if tag := EXTENSION_TAG.search(extension.name):
            return f"{tag['major']}.{tag['minor']}"
    return None


def choose_interpreter(runtime_version: str, needed_version: str | None) -> Interpreter:
    """A Python of the runtime's version if there is one here, else this one if the layer allows it."""
    python = find_python(runtime_version)
    if python is not None:
        description = f"Python {runtime_version} ({python}), as the runtime"
        return Interpreter(python, [runtime_packages(runtime_version)], description)
    this_version = "{}.{}".format(*sys.version_info[:2])
    if needed_version not in (None, this_version):
        raise InvokeError(
            f"the layer's compiled extensions are for CPython {needed_version} and there is no "
            f"python{needed_version} here (on PATH or in pyenv): install one, then invoke again"
        )
    description = f"Python {this_version} ({sys.executable}): no python{runtime_version} on this machine"
    return Interpreter(sys.executable, [], description)


def lambda_environment(built: BuiltFunction, interpreter: Interpreter, table_name: str) -> dict[str, str]:
    """This process's environment (credentials, region, DynamoDB endpoint) with what Lambda sets."""
    function = built.function
    return {
        **os.environ,
        **function_environment(function, table_name),
        **local_client_timeouts(),
        "AWS_LAMBDA_FUNCTION_NAME": function.logical_id,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(function.memory_size),
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{load_template().runtime}",
        "LAMBDA_TASK_ROOT": str(built.task_root),
        "PYTHONPATH": os.pathsep.join(str(path) for path in [*built.layer_paths, *interpreter.extra_paths]),
    }


def run_handler(built: BuiltFunction, interpreter: Interpreter, event_path: Path, table_name: str) -> int:
    function = built.function
    region = os.environ.get("AWS_REGION", LOCAL_REGION)
    arn = f"arn:aws:lambda:{region}:{LOCAL_ACCOUNT}:function:{function.logical_id}"
    command = [
        interpreter.python, "-s", "-c", RUNNER, str(built.task_root), function.module_name,
        function.function_name, str(event_path.resolve()), function.logical_id, str(function.memory_size),
        str(function.timeout), arn,
    ]  # fmt: skip
    environment = lambda_environment(built, interpreter, table_name)
    completed = subprocess.run(
        command, cwd=built.task_root, env=environment, check=False, timeout=function.timeout + 60
    )
    return completed.returncode


def invoke(logical_id: str, event_path: Path) -> int:
    built = built_function(logical_id)
    extensions = compiled_extensions(built.layer_paths)
    check_extensions_fit_this_machine(extensions)
    runtime_version = load_template().runtime.removeprefix("python")
    interpreter = choose_interpreter(runtime_version, extensions_python_version(extensions))
    print(f"invoke: {logical_id} from {built.task_root}, under {interpreter.description}", file=sys.stderr)
    dynamodb = start_dynamodb(local_table_name())
    try:
        with local_events.shown_after_invoke(logical_id, dynamodb.endpoint_url):
            return run_handler(built, interpreter, event_path, dynamodb.table_name)
    finally:
        dynamodb.stop()


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m devtools.invoke <LogicalId> <events/file.json>", file=sys.stderr)
        return 2
    try:
        json.loads(Path(argv[1]).read_text(encoding="utf-8"))
        return invoke(argv[0], Path(argv[1]))
    except (InvokeError, OSError, json.JSONDecodeError) as error:
        print(f"invoke: {error}", file=sys.stderr)
        return 2
    except subprocess.TimeoutExpired as error:
        print(f"invoke: the function ran past {error.timeout:.0f} s and was stopped", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
