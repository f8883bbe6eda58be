"""`make invoke FN=<LogicalId> EVENT=events/<file>.json`: what `sam local invoke` does, without Docker.

Runs the BUILT artifact (.aws-sam/build, or BUILD_DIR) in a fresh process: the function's folder is the
task root, the layer's python/ folder stands where /opt/python would be, and boto3 is the runtime's own
(devtools.runtime_packages). It uses a Python of the runtime's version when the machine has one, else this
one, and says which. DynamoDB is DYNAMODB_ENDPOINT_URL if set, else moto's server for the duration, with
the template's table. The handler's result is printed on stdout as JSON; its logs go to stderr.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from pathlib import Path

from devtools.local_server import start_dynamodb
from devtools.precompile import find_python
from devtools.runtime_packages import runtime_packages
from devtools.template import ROOT, load_template

MACHINES = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "aarch64", "arm64": "aarch64"}
RUNNER = """
import json, sys
result_stream, sys.stdout = sys.stdout, sys.stderr  # the handler's logs go to stderr, its result to stdout
sys.path.insert(0, sys.argv[1])
module = __import__(sys.argv[2])
class Context:
    function_name = sys.argv[3]; memory_limit_in_mb = int(sys.argv[4]); aws_request_id = "make-invoke"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:" + sys.argv[3]
    def get_remaining_time_in_millis(self): return 10000
result = getattr(module, sys.argv[5])(json.load(open(sys.argv[6])), Context())
result_stream.write(json.dumps(result, indent=2) + "\\n")
"""


class InvokeError(Exception):
    """Something the user must fix first; the message says what."""


def build_dir() -> Path:
    return Path(os.environ.get("BUILD_DIR") or ROOT / ".aws-sam" / "build")


def check_architecture(layer_python: Path) -> None:
    """A layer built for another architecture cannot be imported here; say so instead of a trace."""
    machine = MACHINES.get(platform.machine(), platform.machine())
    for extension in layer_python.glob("pydantic_core/_pydantic_core.*.so"):
        if machine not in extension.name:
            raise InvokeError(
                f"the build is for another architecture than this {machine} machine ({extension.name}): "
                "run `make build ARCH=x86_64` (or ARCH=arm64) for this machine, then invoke again"
            )


def invoke(logical_id: str, event_path: Path) -> int:
    template = load_template()
    function = template.functions.get(logical_id)
    if function is None:
        raise InvokeError(f"no function {logical_id!r} in template.yaml: {', '.join(template.functions)}")
    built = build_dir()
    if not (built / logical_id).is_dir():
        raise InvokeError(f"{built / logical_id} does not exist: run `make build` first")
    layers = [built / layer / "python" for layer in function.layer_ids]
    for layer_python in layers:
        check_architecture(layer_python)
    version = template.runtime.removeprefix("python")
    python = find_python(version)
    if python is None:
        print(f"invoke: no Python {version} here; running under {sys.version.split()[0]}", file=sys.stderr)
        python, extra = sys.executable, []
    else:
        print(f"invoke: running under Python {version} ({python})", file=sys.stderr)
        extra = [runtime_packages(version)]
    table_name = os.environ.get("TABLE_NAME") or "operations"
    endpoint, stop = start_dynamodb(table_name)
    try:
        environment = {
            **os.environ,
            **{key: str(value) for key, value in function.environment.items() if not isinstance(value, dict)},
            "TABLE_NAME": table_name,
            "DYNAMODB_ENDPOINT_URL": endpoint,
            "PYTHONPATH": os.pathsep.join(str(path) for path in [*layers, *extra]),
        }
        command = [
            python, "-s", "-c", RUNNER, str(built / logical_id), function.module_name, logical_id,
            str(function.memory_size), function.function_name, str(event_path),
        ]  # fmt: skip
        return subprocess.run(command, env=environment, check=False, timeout=function.timeout + 60).returncode
    finally:
        stop()


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


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
