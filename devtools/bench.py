"""`make bench`: cold start, warm latency, memory, size and cost, measured side by side against the floor.

The floor is what the contract cannot do without: a bare boto3 process (or handler) making the same single
DynamoDB call. Every figure is measured in one run, against the same local DynamoDB (dynalite where npm
has installed it, else moto's server), and written to docs/performance.md with a chart. Not a test: it
gates nothing; machines are shared and noisy, so it reports ratios of interleaved measurements.
"""

from __future__ import annotations

import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, redirect_stdout
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from devtools import dynalite
from devtools.item_size import stored_item_size
from devtools.precompile import find_python
from devtools.runtime_packages import runtime_packages
from devtools.template import ROOT, load_template

DOCS = ROOT / "docs"
TABLE = "bench-operations"
PAIRS = 15
WARM_ITERATIONS = 300
CLUSTER_COUNTS = (1, 50, 400)
EVENTS = ROOT / "events"
RUNTIME = load_template().runtime.removeprefix("python")

HANDLER_SCRIPT = """
import io, json, os, sys, time
started = time.perf_counter()
real_stdout, sys.stdout = sys.stdout, io.StringIO()   # the handler's logs are not what we measure
sys.path.insert(0, sys.argv[1])
import gc
if sys.argv[4:] == ["collector-on"]:   # the optimisation's before: the handler's gc.disable() does nothing
    gc.disable = lambda: None
def collections(): return sum(generation["collections"] for generation in gc.get_stats())
before_import = collections()
import app
collections_while_importing = collections() - before_import
class Context:
    function_name = "bench"; memory_limit_in_mb = 512; aws_request_id = "bench"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:bench"
result = app.lambda_handler(json.load(open(sys.argv[2])), Context())
first = time.perf_counter() - started
for _ in range(int(sys.argv[3])):
    app.lambda_handler(json.load(open(sys.argv[2])), Context())
real_stdout.write(json.dumps({"status": result["statusCode"], "first_ms": first * 1000,
    "modules": len(sys.modules), "collections_while_importing": collections_while_importing,
    "powertools": sorted(name for name in sys.modules if name.startswith("aws_lambda_powertools")),
    # VmHWM, not ru_maxrss: on Linux ru_maxrss keeps the forking parent's peak across exec
    "max_rss_kb": int(next(l for l in open("/proc/self/status") if l.startswith("VmHWM")).split()[1])}))
real_stdout.flush()
os._exit(0)   # a Lambda process never shuts its interpreter down on a request: neither does this one
"""

FLOOR_SCRIPT = """
import json, os, sys, time
started = time.perf_counter()
for module in sys.argv[2:]:   # the decomposition: the floor, plus libraries imported (or code run) first
    exec(module.removeprefix("exec:")) if module.startswith("exec:") else __import__(module)
import boto3
client = boto3.client("dynamodb")
request = json.load(open(sys.argv[1]))
answer = getattr(client, request["operation"])(**request["arguments"])
first = time.perf_counter() - started
sys.stdout.write(json.dumps({"status": answer["ResponseMetadata"]["HTTPStatusCode"], "first_ms": first * 1000,
    "modules": len(sys.modules)}))
sys.stdout.flush()
os._exit(0)   # as the handler's process: no interpreter shutdown in the measure
"""


# The floor's call made as the store makes it, through botocore without boto3, after importing the
# modules named after the request file: what the handlers' libraries cost by themselves. Like a handler,
# it collects no garbage while it imports, then freezes what the imports made.
BOTOCORE_FLOOR_SCRIPT = FLOOR_SCRIPT.replace(
    "started = time.perf_counter()\n", "started = time.perf_counter()\nimport gc; gc.disable()\n"
).replace(
    'import boto3\nclient = boto3.client("dynamodb")',
    "import botocore.session\ngc.freeze(); gc.enable()\n"
    'client = botocore.session.get_session().create_client("dynamodb")',
)
assert BOTOCORE_FLOOR_SCRIPT.count("botocore.session") == 2, "the botocore floor replaces the boto3 client"


@dataclass
class Environment:
    """How to start a fresh process: which Python, and what stands on its path."""

    name: str
    python: str
    layer_paths: list[Path]
    function_root: Path


@contextmanager
def local_dynamodb(server: str = "dynalite") -> Iterator[tuple[str, str]]:
    """dynalite when asked for and installed (an independent implementation), else moto's threaded
    server (it answers requests concurrently); with the table."""
    if server == "dynalite" and dynalite.missing_reason() is None:
        with dynalite.running(TABLE) as running:
            yield running.endpoint_url, "dynalite 4.0.0"
        return
    from moto.server import ThreadedMotoServer

    moto_server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto_server.start()
    host, port = moto_server.get_host_and_port()
    try:
        import boto3

        endpoint = f"http://{host}:{port}"
        boto3.client("dynamodb", endpoint_url=endpoint).create_table(
            **load_template().create_table_request(TABLE)
        )
        yield endpoint, "moto's threaded server"
    finally:
        moto_server.stop()


def record_with(clusters: int) -> dict[str, Any]:
    """The full fixture record, with `clusters` target clusters."""
    record: dict[str, Any] = json.loads(json.loads((EVENTS / "put_operation.json").read_text())["body"])
    template = record["target_clusters"][0]
    record["target_clusters"] = [
        {**template, "cluster_id": f"cluster-{index:04d}"} for index in range(clusters)
    ]
    record["operation_id"] = f"bench-{clusters}"
    return record


def event_for(method: str, record: dict[str, Any]) -> dict[str, Any]:
    name = "put_operation.json" if method == "PUT" else "get_operation.json"
    event: dict[str, Any] = json.loads((EVENTS / name).read_text())
    path = f"/v1/operations/{record['operation_id']}"
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    event["pathParameters"] = {"operation_id": record["operation_id"]}
    if method == "PUT":
        event["body"] = json.dumps(record)
    return event


def floor_request(method: str, record: dict[str, Any]) -> dict[str, Any]:
    from boto3.dynamodb.types import TypeSerializer

    key = {"operation_id": {"S": record["operation_id"]}}
    if method == "GET":
        return {
            "operation": "get_item",
            "arguments": {"TableName": TABLE, "Key": key, "ConsistentRead": True},
        }
    item = {name: TypeSerializer().serialize(value) for name, value in record.items()}
    return {"operation": "put_item", "arguments": {"TableName": TABLE, "Item": item}}


# --- cold start --------------------------------------------------------------------------------------


def fresh_environment(path: list[Path], endpoint: str) -> dict[str, str]:
    return {
        "PATH": os.environ["PATH"],
        "PYTHONPATH": os.pathsep.join(str(entry) for entry in path),
        "PYTHONDONTWRITEBYTECODE": "1",
        "TABLE_NAME": TABLE,
        "DYNAMODB_ENDPOINT_URL": endpoint,
        "AWS_ENDPOINT_URL_DYNAMODB": endpoint,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "POWERTOOLS_SERVICE_NAME": "operations-api",
    }


def run_fresh(python: str, args: list[str], path: list[Path], endpoint: str) -> tuple[float, dict[str, Any]]:
    environment = fresh_environment(path, endpoint)
    started = time.perf_counter()
    answer = subprocess.run(
        [python, "-s", *args], env=environment, capture_output=True, text=True, check=False
    )
    wall = (time.perf_counter() - started) * 1000
    if answer.returncode != 0:
        raise RuntimeError(f"{python} {args[:2]} failed: {answer.stderr[-2000:]}")
    return wall, json.loads(answer.stdout)


def instructions(python: str, args: list[str], path: list[Path], endpoint: str) -> int | None:
    """The instructions a fresh process executes, counted by valgrind (callgrind): the same count run
    after run, whatever else the machine does, where wall time on a shared machine drifts by ±15 %."""
    if shutil.which("valgrind") is None:
        return None
    answer = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", python, "-s", *args],
        env=fresh_environment(path, endpoint),
        capture_output=True,
        text=True,
        check=False,
    )
    collected = [line for line in answer.stderr.splitlines() if "Collected :" in line]
    if answer.returncode != 0 or not collected:
        raise RuntimeError(f"valgrind {args[:2]} failed: {answer.stderr[-2000:]}")
    return int(collected[-1].rsplit(":", 1)[1].strip())


def first_request_args(environment: Environment, method: str, files: Path, *options: str) -> list[str]:
    """A fresh process's arguments: import the route's handler, serve its first request (one cluster)."""
    function = "PutOperationFunction" if method == "PUT" else "GetOperationFunction"
    event_file = files / f"{method}-event.json"
    event_file.write_text(json.dumps(event_for(method, record_with(1))))
    return ["-c", HANDLER_SCRIPT, str(environment.function_root / function), str(event_file), "0", *options]


def cold_start(environment: Environment, method: str, endpoint: str, files: Path) -> dict[str, Any]:
    """Interleaved pairs of fresh processes: the handler's first request, then the floor's one call."""
    floor_file = files / f"{method}-floor.json"
    floor_file.write_text(json.dumps(floor_request(method, record_with(1))))
    handler_args = first_request_args(environment, method, files)
    floor_args = ["-c", FLOOR_SCRIPT, str(floor_file)]
    floor_path = [path for path in environment.layer_paths if "lambda-runtime" in str(path)]
    ratios: list[float] = []
    handlers: list[float] = []
    floors: list[float] = []
    facts: dict[str, Any] = {}
    for _ in range(PAIRS):
        handler_ms, facts = run_fresh(environment.python, handler_args, environment.layer_paths, endpoint)
        floor_ms, _ = run_fresh(environment.python, floor_args, floor_path, endpoint)
        assert facts["status"] == 200, facts
        ratios.append(handler_ms / floor_ms)
        handlers.append(handler_ms)
        floors.append(floor_ms)
    counted = {}  # counted once: the count does not vary from run to run
    handler_count = instructions(environment.python, handler_args, environment.layer_paths, endpoint)
    floor_count = instructions(environment.python, floor_args, floor_path, endpoint)
    if handler_count is not None and floor_count is not None:
        counted = {"handler_instructions": handler_count, "floor_instructions": floor_count}
    return {
        "environment": environment.name,
        "method": method,
        "handler_ms": statistics.median(handlers),
        "floor_ms": statistics.median(floors),
        "ratio": statistics.median(ratios),
        "ratio_quartiles": statistics.quantiles(ratios, n=4)[::2],
        "modules": facts["modules"],
        **counted,
    }


def development_bytecode(environment: Environment, endpoint: str, files: Path) -> int | None:
    """What compiling this project's source costs a development cold start: the PUT's instructions with a
    precompiled copy of its modules (the tree itself stays clean), to set against the development row's."""
    copy = files / "development-precompiled"
    shutil.copytree(ROOT / "layers" / "operations" / "operations_api", copy / "layer" / "operations_api")
    for function in load_template().functions.values():
        shutil.copytree(function.code_dir, copy / "functions" / function.logical_id)
    subprocess.run(
        [environment.python, "-m", "compileall", "-q", "--invalidation-mode", "unchecked-hash", str(copy)],
        check=True,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": ""},
    )
    precompiled = Environment(
        environment.name,
        environment.python,
        [copy / "layer", *environment.layer_paths[1:]],
        copy / "functions",
    )
    return instructions(
        precompiled.python, first_request_args(precompiled, "PUT", files), precompiled.layer_paths, endpoint
    )


def collector_pause(environment: Environment, endpoint: str, files: Path) -> list[dict[str, Any]]:
    """The garbage collector's pause at cold start (functions/*/app.py), measured: the handler as shipped
    against the same handler whose gc.disable() does nothing, interleaved, and in instructions."""
    rows = []
    for method in ("PUT", "GET"):
        paused = first_request_args(environment, method, files)
        collecting = first_request_args(environment, method, files, "collector-on")
        ratios = []
        for _ in range(PAIRS):
            paused_ms, _ = run_fresh(environment.python, paused, environment.layer_paths, endpoint)
            collecting_ms, _ = run_fresh(environment.python, collecting, environment.layer_paths, endpoint)
            ratios.append(paused_ms / collecting_ms)
        rows.append(
            {
                "method": method,
                "ratio": statistics.median(ratios),
                "ratio_quartiles": statistics.quantiles(ratios, n=4)[::2],
                "paused_instructions": instructions(
                    environment.python, paused, environment.layer_paths, endpoint
                ),
                "collecting_instructions": instructions(
                    environment.python, collecting, environment.layer_paths, endpoint
                ),
            }
        )
    return rows


POWERTOOLS_PACKAGE_SCRIPT = """
import json, sys
import aws_lambda_powertools.event_handler
print(json.dumps(sorted(name for name in sys.modules if name.startswith("aws_lambda_powertools"))))
"""


def powertools_modules(environment: Environment, endpoint: str, files: Path) -> dict[str, Any]:
    """The Powertools modules each handler's cold start loads, against those that importing the event
    handler package brings by itself (its `__init__`s import every resolver, Logger, Metrics and Tracer):
    what is left is what the handler asked for."""
    package = set(
        json.loads(
            subprocess.run(
                [environment.python, "-s", "-c", POWERTOOLS_PACKAGE_SCRIPT],
                env=fresh_environment(environment.layer_paths, endpoint),
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        )
    )
    found: dict[str, Any] = {"package": len(package)}
    for method in ("PUT", "GET"):
        _, facts = run_fresh(
            environment.python,
            first_request_args(environment, method, files),
            environment.layer_paths,
            endpoint,
        )
        loaded = set(facts["powertools"])
        found[method] = {
            "loaded": len(loaded),
            "with_the_package": len(loaded & package),
            "beyond_the_package": sorted(loaded - package),
        }
    return found


# CPython's parser and compiler. With bytecode shipped, a cold start only runs them on source text made
# at run time: forward references (typing compiles each string annotation it wraps), and the methods
# that dataclasses and namedtuples generate.
PARSER_AND_COMPILER = ("_PyPegen_run_parser_from_string", "_PyAST_Compile")


def compiling_instructions(annotated: str) -> int:
    """The instructions spent in the parser and the compiler, from `callgrind_annotate --inclusive=yes`
    (the largest inclusive count each function has: inlined header code gives some several lines)."""
    found = dict.fromkeys(PARSER_AND_COMPILER, 0)
    for line in annotated.splitlines():
        count, _, rest = line.strip().partition(" ")
        name = rest.split(":", 1)[-1].split(" ")[0]
        if name in found and count.replace(",", "").isdigit():
            found[name] = max(found[name], int(count.replace(",", "")))
    return sum(found.values())


def compiled_at_run_time(python: str, args: list[str], path: list[Path], endpoint: str) -> int | None:
    """What a fresh process spends parsing and compiling source text (callgrind, per function)."""
    if shutil.which("valgrind") is None or shutil.which("callgrind_annotate") is None:
        return None
    with tempfile.TemporaryDirectory(prefix="bench-callgrind-") as scratch:
        out = Path(scratch) / "callgrind.out"
        subprocess.run(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", python, "-s", *args],
            env=fresh_environment(path, endpoint),
            capture_output=True,
            check=True,
        )
        annotated = subprocess.run(
            ["callgrind_annotate", "--inclusive=yes", "--threshold=100", str(out)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    return compiling_instructions(annotated)


# Who makes the source text a cold start compiles: the process counts each call of compile(), exec() or
# eval() on a string, by kind (the function that made the text) and by the module it was made for (the
# first caller outside the module that generates it: typing, dataclasses, collections).
COMPILE_PROBE = """
import builtins, collections, json, sys
made = collections.defaultdict(collections.Counter)
KINDS = {"ForwardRef.__init__": "forward references", "namedtuple": "namedtuples",
         "_FuncBuilder.add_fns_to_class": "dataclasses", "_create_fn": "dataclasses"}  # 3.13; 3.12 and older
GENERATORS = ("typing.py", "typing_extensions.py", "dataclasses.py", "collections/__init__.py")
def counting(real):
    def call(source, *args, **kwargs):
        if isinstance(source, (str, bytes)):
            caller = sys._getframe(1)
            kind = KINDS.get(caller.f_code.co_qualname, "other")
            while caller.f_back is not None and caller.f_code.co_filename.endswith(GENERATORS):
                caller = caller.f_back
            made[kind][caller.f_globals.get("__name__", "?")] += 1
        return real(source, *args, **kwargs)
    return call
for name in ("compile", "exec", "eval"):
    setattr(builtins, name, counting(getattr(builtins, name)))
real_stdout, sys.stdout = sys.stdout, __import__("io").StringIO()
"""

COMPILE_PROBE_SCRIPT = {
    "handler": COMPILE_PROBE
    + """
sys.path.insert(0, sys.argv[1])
import app
class Context:
    function_name = "bench"; memory_limit_in_mb = 512; aws_request_id = "bench"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:bench"
status = app.lambda_handler(json.load(open(sys.argv[2])), Context())["statusCode"]
real_stdout.write(json.dumps({"status": status, "made": made}))
real_stdout.flush()
""",
    "floor": COMPILE_PROBE
    + """
import boto3
request = json.load(open(sys.argv[1]))
answer = getattr(boto3.client("dynamodb"), request["operation"])(**request["arguments"])
status = answer["ResponseMetadata"]["HTTPStatusCode"]
real_stdout.write(json.dumps({"status": status, "made": made}))
real_stdout.flush()
""",
}


def source_compilation(environment: Environment, endpoint: str, files: Path) -> list[dict[str, Any]]:
    """Each cold start's instructions in CPython's parser and compiler, against the floor's, and who
    wrote the source text they compiled."""
    floor_file = files / "GET-floor.json"
    floor_file.write_text(json.dumps(floor_request("GET", record_with(1))))
    floor_path = [path for path in environment.layer_paths if "lambda-runtime" in str(path)]
    processes = {"floor": (["-c", FLOOR_SCRIPT, str(floor_file)], floor_path)}
    for method in ("PUT", "GET"):
        processes[method] = (first_request_args(environment, method, files), environment.layer_paths)
    rows = []
    for name, (args, path) in processes.items():
        probe = COMPILE_PROBE_SCRIPT["floor" if name == "floor" else "handler"]
        _, counted = run_fresh(environment.python, ["-c", probe, *args[2:4]], path, endpoint)
        assert counted["status"] == 200, counted
        rows.append(
            {
                "process": name,
                "instructions": compiled_at_run_time(environment.python, args, path, endpoint),
                "made": counted["made"],
            }
        )
    return rows


LIBRARIES_ALONE: tuple[tuple[str, list[str]], ...] = (
    ("no library: the call alone, through botocore", []),
    (
        "pydantic-core alone, the validator pydantic is built on (its schema types, its compiled core)",
        ["pydantic_core"],
    ),
    (
        "the record's validator: pydantic-core with the schema generated from the models (what validating a PUT body needs)",
        ["operations_api.record"],
    ),
    (
        "Powertools' Logger and HTTP API resolver, without validation (what the GET needs)",
        ["aws_lambda_powertools.logging", "aws_lambda_powertools.event_handler.api_gateway"],
    ),
    (
        "both (what the PUT needs), and none of this project's code but the validator",
        [
            "operations_api.record",
            "aws_lambda_powertools.logging",
            "aws_lambda_powertools.event_handler.api_gateway",
        ],
    ),
)


def libraries_alone(environment: Environment, endpoint: str, files: Path) -> list[dict[str, Any]]:
    """The floor's call made through botocore (as the store makes it) with the handlers' libraries
    imported first, against the floor: the least any handler built on those libraries can cost."""
    floor_file = files / "GET-floor.json"
    floor_file.write_text(json.dumps(floor_request("GET", record_with(1))))
    bare = ["-c", FLOOR_SCRIPT, str(floor_file)]
    bare_path = [path for path in environment.layer_paths if "lambda-runtime" in str(path)]
    bare_count = instructions(environment.python, bare, bare_path, endpoint)
    rows = []
    for name, modules in LIBRARIES_ALONE:
        loaded = ["-c", BOTOCORE_FLOOR_SCRIPT, str(floor_file), *modules]
        ratios = []
        for _ in range(PAIRS):
            with_libraries, _ = run_fresh(environment.python, loaded, environment.layer_paths, endpoint)
            floor_ms, _ = run_fresh(environment.python, bare, bare_path, endpoint)
            ratios.append(with_libraries / floor_ms)
        count = instructions(environment.python, loaded, environment.layer_paths, endpoint)
        rows.append(
            {
                "name": name,
                "modules": modules,
                "ratio": statistics.median(ratios),
                "ratio_quartiles": statistics.quantiles(ratios, n=4)[::2],
                "instructions_ratio": count / bare_count if count and bare_count else None,
            }
        )
    return rows


def environments(work: Path) -> list[Environment]:
    """The development environment, and the built artifact under the runtime's Python with and without
    bytecode (built for this machine's architecture; bytecode does not depend on it)."""
    source = Environment(
        "development (.venv, source)", sys.executable, [ROOT / "layers" / "operations"], ROOT / "functions"
    )
    found = [_with_function_dirs(source)]
    python = find_python(RUNTIME)
    if python is None:
        print(f"bench: no Python {RUNTIME} here: the built artifact is not measured", file=sys.stderr)
        return found
    build = work / "build"
    machine = {"x86_64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}[platform.machine()]
    subprocess.run(["make", "-s", "build", f"ARCH={machine}", f"BUILD_DIR={build}"], cwd=ROOT, check=True)
    runtime = runtime_packages(RUNTIME)
    subprocess.run(
        [python, "-m", "compileall", "-q", "--invalidation-mode", "unchecked-hash", str(runtime)], check=True
    )
    bare = work / "build-without-bytecode"
    shutil.copytree(build, bare, ignore=shutil.ignore_patterns("__pycache__"))
    for name, root in (
        (f"built artifact, Python {RUNTIME}, with bytecode", build),
        (f"built artifact, Python {RUNTIME}, no bytecode", bare),
    ):
        found.append(Environment(name, python, [root / "OperationsLayer" / "python", runtime], root))
    return found


def _with_function_dirs(environment: Environment) -> Environment:
    """The source layout names function folders after the route; the build after the logical id."""
    links = Path(tempfile.mkdtemp(prefix="bench-functions-"))
    for function in load_template().functions.values():
        (links / function.logical_id).symlink_to(function.code_dir)
    environment.function_root = links
    import boto3

    environment.layer_paths = [*environment.layer_paths, Path(boto3.__file__).parent.parent]
    return environment


# --- warm --------------------------------------------------------------------------------------------


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, math.ceil(fraction * len(ordered)) - 1)]


def timed(call: Callable[[], Any], iterations: int) -> list[float]:
    samples = []
    for _ in range(iterations):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def warm(endpoint: str) -> list[dict[str, Any]]:
    """Per-request latency through the handlers in this process (their logs formatted as on Lambda, then
    thrown away), against a floor handler that makes the same DynamoDB call without validation."""
    with open(os.devnull, "w", encoding="utf-8") as devnull, redirect_stdout(devnull):
        return _warm(endpoint)


def _warm(endpoint: str) -> list[dict[str, Any]]:
    """Per-request latency through the handlers in this process, against a floor handler that makes the
    same DynamoDB call without validation; and where a PUT's time goes."""
    import boto3

    from operations_api import settings, store
    from tests.conftest import FakeLambdaContext, load_function

    os.environ.update(TABLE_NAME=TABLE, DYNAMODB_ENDPOINT_URL=endpoint, AWS_ACCESS_KEY_ID="bench")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    settings.get_settings.cache_clear()
    store.dynamodb_client.cache_clear()
    handlers = {"PUT": load_function("put_operation"), "GET": load_function("get_operation")}
    floor_client = boto3.client("dynamodb", endpoint_url=endpoint)
    # how many requests the handler sent, and the last one; keeping all 300 copies of a 64 KiB item would
    # give the garbage collector a heap to rescan that a Lambda process never holds (a 280 ms p99 here)
    sent: dict[str, Any] = {"count": 0, "last": {}, "capacity": None}

    def capture(params: dict[str, Any], **_: Any) -> None:
        sent["count"] += 1
        sent["last"] = dict(params)

    def capacity(parsed: dict[str, Any], **_: Any) -> None:  # what ReturnConsumedCapacity brought back
        sent["capacity"] = parsed.get("ConsumedCapacity", {}).get("CapacityUnits")

    store.dynamodb_client().meta.events.register("provide-client-params.dynamodb.*", capture)
    store.dynamodb_client().meta.events.register("after-call.dynamodb.*", capacity)
    rows = []
    for clusters in CLUSTER_COUNTS:
        record = record_with(clusters)
        for method in ("PUT", "GET"):
            event = event_for(method, record)
            handler = handlers[method].lambda_handler
            sent.update(count=0, capacity=None)
            handler_samples = timed(partial(handler, event, FakeLambdaContext()), WARM_ITERATIONS)
            requests_per_call = sent["count"] / WARM_ITERATIONS
            reported_capacity = sent["capacity"]
            # the floor sends exactly the request the service sent (same condition, same options)
            request = {"operation": "put_item" if method == "PUT" else "get_item", "arguments": sent["last"]}
            floor_samples = timed(partial(_floor_call, floor_client, request), WARM_ITERATIONS)
            rows.append(
                {
                    "method": method,
                    "clusters": clusters,
                    "item_bytes": stored_item_size(record),
                    "handler_p50": percentile(handler_samples, 0.5),
                    "handler_p99": percentile(handler_samples, 0.99),
                    "floor_p50": percentile(floor_samples, 0.5),
                    "floor_p99": percentile(floor_samples, 0.99),
                    "requests_per_call": requests_per_call,
                    "capacity_units": _capacity(method, record, reported_capacity),
                    "parts": _parts(event) if method == "PUT" else _get_parts(record["operation_id"]),
                }
            )
    return rows


def _floor_call(client: Any, request: dict[str, Any]) -> str:
    from boto3.dynamodb.types import TypeDeserializer

    answer = getattr(client, request["operation"])(**request["arguments"])
    item = answer.get("Item", {})
    return json.dumps(
        {name: TypeDeserializer().deserialize(value) for name, value in item.items()}, default=str
    )


def _capacity(method: str, record: dict[str, Any], reported: float | None) -> dict[str, Any]:
    """What the backend reported for the handler's last request (ReturnConsumedCapacity), and DynamoDB's
    documented rule from the item's size: one unit per KiB written, per 4 KiB read strongly consistently."""
    size = stored_item_size(record)
    rule = math.ceil(size / 1024) if method == "PUT" else math.ceil(size / 4096)
    return {"by_rule": rule, "reported": reported}


def _parts(event: dict[str, Any]) -> dict[str, float]:
    """A PUT's three steps, each timed alone: the body into a validated record, the record into DynamoDB
    attributes and its version, the PutItem."""
    from operations_api import jsonbody, record, service, store

    body = event["body"]
    document = record.validate(jsonbody.loads_object(body))
    version = service.version_of(document)
    return {
        "parse_and_validate": statistics.median(
            timed(lambda: record.validate(jsonbody.loads_object(body)), 100)
        ),
        "serialise": statistics.median(
            timed(
                lambda: (
                    {k: store._to_attribute(v) for k, v in document.items()},
                    service.version_of(document),
                ),
                100,
            )
        ),
        "dynamodb_put": statistics.median(
            timed(lambda: store.put_operation(document, version, store.VersionGuard()), 100)
        ),
    }


def _get_parts(operation_id: str) -> dict[str, float]:
    """A GET's three steps, each timed alone: the GetItem, the attributes into a record, the JSON body."""
    from operations_api import store

    request = {"TableName": TABLE, "Key": {"operation_id": {"S": operation_id}}, "ConsistentRead": True}
    item = store.dynamodb_client().get_item(**request)["Item"]
    document = store.from_item(item).document
    return {
        "dynamodb_get": statistics.median(timed(lambda: store.dynamodb_client().get_item(**request), 100)),
        "from_attributes": statistics.median(timed(lambda: store.from_item(item), 100)),
        "serialise": statistics.median(
            timed(lambda: json.dumps(document, ensure_ascii=False, separators=(",", ":")), 100)
        ),
    }


BOTO3_COST_SCRIPT = """
import io, json, sys, time
sys.stdout, real = io.StringIO(), sys.stdout
sys.path.insert(0, sys.argv[1])
import app
started = time.perf_counter()
import boto3.dynamodb.types
real.write(json.dumps({"boto3_ms": (time.perf_counter() - started) * 1000}))
"""


def boto3_cost(environment: Environment, endpoint: str) -> float:
    """What importing boto3's attribute converters would add after the handler's own imports: the saving
    of the store's hand-written conversion."""
    function_dir = str(environment.function_root / "GetOperationFunction")
    samples: list[float] = [
        run_fresh(
            environment.python, ["-c", BOTO3_COST_SCRIPT, function_dir], environment.layer_paths, endpoint
        )[1]["boto3_ms"]
        for _ in range(7)
    ]
    return statistics.median(samples)


# --- memory, size ------------------------------------------------------------------------------------


def memory(environment: Environment, endpoint: str, files: Path) -> list[dict[str, Any]]:
    """Peak RSS of a fresh process that serves a first request and 20 more, per function."""
    rows = []
    for method, function in (("PUT", "PutOperationFunction"), ("GET", "GetOperationFunction")):
        event_file = files / f"{method}-memory-event.json"
        event_file.write_text(json.dumps(event_for(method, record_with(50))))
        args = ["-c", HANDLER_SCRIPT, str(environment.function_root / function), str(event_file), "20"]
        _, facts = run_fresh(environment.python, args, environment.layer_paths, endpoint)
        rows.append(
            {"function": function, "max_rss_mb": facts["max_rss_kb"] / 1024, "modules": facts["modules"]}
        )
    return rows


def layer_size(layer: Path, work: Path) -> dict[str, float]:
    archive = work / "layer.zip"
    unzipped = 0
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
        for path in sorted(layer.rglob("*")):
            if path.is_file():
                unzipped += path.stat().st_size
                bundle.write(path, path.relative_to(layer.parent))
    return {"unzipped_mb": unzipped / 1e6, "zipped_mb": archive.stat().st_size / 1e6}


# --- report ------------------------------------------------------------------------------------------


def machine(envs: list[Environment]) -> str:
    """This machine and the Pythons measured, as the report names them."""
    cpu = "unknown CPU"
    with open("/proc/cpuinfo", encoding="utf-8") as info:
        for line in info:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return (
        f"{cpu}, {os.cpu_count()} cores, {platform.machine()}, {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()} (development), {_runtime_python(envs)}; "
        f"measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
    )


def _development_note(facts: dict[str, Any]) -> list[str]:
    """Why the development rows differ from the built artifact's, measured where valgrind counts."""
    source = next(
        (
            row.get("handler_instructions")
            for row in facts["cold"]
            if row["environment"].startswith("development") and row["method"] == "PUT"
        ),
        None,
    )
    precompiled = facts.get("development_bytecode")
    measured = (
        f": with them precompiled, the PUT's {source / 1e6:,.0f} M instructions would be {precompiled / 1e6:,.0f} M"
        if isinstance(source, int) and isinstance(precompiled, int)
        else ""
    )
    python = facts.get("development_python", "of the `.venv`")
    return [
        "",
        f"The development rows are not what Lambda runs: Python {python}, and this project's modules compiled",
        f"from source at every start, as no bytecode is written (PYTHONDONTWRITEBYTECODE){measured}.",
        "The targets are for the built artifact with bytecode, the shape Lambda runs.",
    ]


def _runtime_python(envs: list[Environment]) -> str:
    if len(envs) < 2:
        return f"no Python {RUNTIME} here (the built artifact is not measured)"
    answer = subprocess.run(
        [envs[1].python, "-c", "import platform; print(platform.python_version())"],
        capture_output=True,
        text=True,
        check=True,
    )
    return f"Python {answer.stdout.strip()} (built artifact)"


def chart(rows: list[dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=False)
    for axis, method in zip(axes, ("GET", "PUT"), strict=True):
        mine = [row for row in rows if row["method"] == method]
        sizes = [row["item_bytes"] / 1024 for row in mine]
        axis.plot(sizes, [row["handler_p50"] for row in mine], "o-", label="handler p50")
        axis.plot(sizes, [row["handler_p99"] for row in mine], "o--", label="handler p99")
        axis.plot(sizes, [row["floor_p50"] for row in mine], "s-", label="floor p50")
        axis.plot(sizes, [row["floor_p99"] for row in mine], "s--", label="floor p99")
        axis.set_title(f"warm {method}: latency by record size")
        axis.set_xlabel("stored item (KiB): 1, 50, 400 target clusters")
        axis.set_ylabel("ms per request")
        axis.grid(alpha=0.3)
        axis.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=110)


def verdict(value: float, target: float) -> str:
    return (
        f"**pass** ({value:.2f}x ≤ {target}x)"
        if value <= target
        else f"**miss** by {value - target:.2f}x ({value:.2f}x > {target}x)"
    )


def report(facts: dict[str, Any]) -> str:
    cold, rows, memory_rows, size = facts["cold"], facts["warm"], facts["memory"], facts["layer"]
    lines = [
        "# Performance",
        "",
        "Generated by `make bench` (devtools/bench.py) in one run; every ratio compares measurements",
        "interleaved in that run. Figures from a shared 2-core machine: read the ratios, not the milliseconds.",
        "",
        f"- Machine: {facts.get('machine', 'not recorded')}",
        f"- DynamoDB: {facts['backend']} on loopback, the same for the service and the floor",
        "",
        "## Cold start",
        "",
        "A fresh process imports the handler and serves its first request; the floor is a fresh process that",
        f"imports boto3, makes a client and sends the same single DynamoDB call. {PAIRS} interleaved pairs,",
        "median of the per-pair ratios, and their quartiles (wall time of the whole process, from interpreter",
        "start to the first answer; both then exit at once, as a Lambda process never shuts its interpreter",
        "down on a request). Wall time on this shared machine drifts by ±15 % and more between runs, so the",
        "table also gives the instructions each process executed (valgrind), which do not drift.",
        "",
        "| environment | route | handler (ms) | floor (ms) | ratio (quartiles) | instructions: handler / floor (ratio) | modules after the first request |",
        "|---|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {row['environment']} | {row['method']} | {row['handler_ms']:.0f} | {row['floor_ms']:.0f} | "
        f"{_ratio(row)} | {_instructions(row)} | {row['modules']} |"
        for row in cold
    ]
    lines += _development_note(facts)
    lines += _libraries_alone(facts)
    lines += [
        "",
        "## Warm requests",
        "",
        f"Through the handler in one process, {WARM_ITERATIONS} requests per row, against a floor handler",
        "sending exactly the DynamoDB request the service sent (same condition and options) from a bare boto3",
        "client, with no validation, and turning the answer into JSON with boto3's TypeDeserializer.",
        "",
        "| route | clusters | item (KiB) | handler p50 / p99 (ms) | floor p50 / p99 (ms) | p50 ratio | DynamoDB requests per call | capacity units: reported (ReturnConsumedCapacity) / DynamoDB's rule |",
        "|---|---|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {row['method']} | {row['clusters']} | {row['item_bytes'] / 1024:.1f} | {row['handler_p50']:.2f} / "
        f"{row['handler_p99']:.2f} | {row['floor_p50']:.2f} / {row['floor_p99']:.2f} | "
        f"{row['handler_p50'] / row['floor_p50']:.2f} | {row['requests_per_call']:.0f} | "
        f"{_units(row['capacity_units']['reported'])} / {row['capacity_units']['by_rule']} "
        f"{'WCU' if row['method'] == 'PUT' else 'RCU (strongly consistent)'} |"
        for row in rows
    ]
    lines += [
        "",
        "![latency by record size](latency-by-record-size.png)",
        "",
        "Where a PUT's time goes (median ms):",
        "",
    ]
    lines += [
        "| clusters | parse + validate | serialise (attributes + version) | DynamoDB PutItem |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| {row['clusters']} | {row['parts']['parse_and_validate']:.2f} | {row['parts']['serialise']:.2f} | "
        f"{row['parts']['dynamodb_put']:.2f} |"
        for row in rows
        if row["method"] == "PUT"
    ]
    lines += [
        "",
        "Where a GET's time goes (median ms):",
        "",
        "| clusters | DynamoDB GetItem | attributes into the record | serialise (JSON body) |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| {row['clusters']} | {row['parts']['dynamodb_get']:.2f} | {row['parts']['from_attributes']:.2f} | "
        f"{row['parts']['serialise']:.2f} |"
        for row in rows
        if row["method"] == "GET" and "dynamodb_get" in row["parts"]
    ]
    lines += ["", "## Memory and size", "", "| function | peak RSS (MB) | modules |", "|---|---|---|"]
    lines += [f"| {row['function']} | {row['max_rss_mb']:.1f} | {row['modules']} |" for row in memory_rows]
    lines += [
        "",
        f"Built layer ({facts['layer_arch']}): {size['unzipped_mb']:.1f} MB unzipped, {size['zipped_mb']:.1f} MB zipped.",
        "",
        "## Targets",
        "",
    ]
    lines += _targets(facts)
    return "\n".join(lines) + "\n"


def _ratio(row: dict[str, Any]) -> str:
    low, high = row.get("ratio_quartiles", (row["ratio"], row["ratio"]))
    return f"{row['ratio']:.2f} ({low:.2f}-{high:.2f})"


def _instructions(row: dict[str, Any]) -> str:
    if "handler_instructions" not in row:
        return "-"
    handler, floor = row["handler_instructions"], row["floor_instructions"]
    return f"{handler / 1e6:,.0f} M / {floor / 1e6:,.0f} M ({handler / floor:.2f})"


def _libraries_alone(facts: dict[str, Any]) -> list[str]:
    rows = facts.get("libraries_alone")
    if not rows:
        return []
    lines = [
        "",
        "### What the libraries cost by themselves",
        "",
        "The floor's call made as the store makes it (botocore, no boto3, the garbage collector paused as the",
        f"handlers pause it), after importing the handlers' libraries, against the floor ({PAIRS} interleaved",
        "pairs, built artifact with bytecode): the least any handler built on those libraries can cost, with",
        "none of this project's code.",
        "",
        "| the call through botocore, after importing | ratio (wall, quartiles) | ratio (instructions) |",
        "|---|---|---|",
    ]
    lines += [
        f"| {row['name']}{': `' + '`, `'.join(map(_shown, row['modules'])) + '`' if row['modules'] else ''} | {_ratio(row)} | "
        + (f"{row['instructions_ratio']:.2f} |" if row["instructions_ratio"] else "- |")
        for row in rows
    ]
    return lines


def _shown(module: str) -> str:
    """A module's name, or the code a row runs instead (on one line, for a table cell)."""
    return module.removeprefix("exec:").replace("\n    ", " ").replace("\n", "; ")


def _units(reported: float | None) -> str:
    return "-" if reported is None else f"{reported:g}"


def _targets(facts: dict[str, Any]) -> list[str]:
    cold, rows = facts["cold"], facts["warm"]
    by = {(row["method"], row["clusters"]): row for row in rows}
    lines = [
        f"- Cold start ≤ 1.3x the floor, {row['environment']}, {row['method']}: {verdict(row['ratio'], 1.3)}"
        + (
            f"; in instructions {row['handler_instructions'] / row['floor_instructions']:.2f}x"
            if "handler_instructions" in row
            else ""
        )
        for row in cold
    ]
    for clusters in CLUSTER_COUNTS:
        row = by[("GET", clusters)]
        lines.append(
            f"- Warm GET ≤ 1.5x, {clusters} clusters: {verdict(row['handler_p50'] / row['floor_p50'], 1.5)}"
        )
    put = by[("PUT", 400)]
    lines.append(
        f"- Warm PUT of a 400-cluster record ≤ 2x: {verdict(put['handler_p50'] / put['floor_p50'], 2.0)}"
    )
    lines += [
        _linearity(method, [by[(method, clusters)] for clusters in CLUSTER_COUNTS])
        for method in ("GET", "PUT")
    ]
    lines.append(_capacity_target(facts))
    peak = max(row["max_rss_mb"] for row in facts["memory"])
    lines.append(
        f"- Peak memory fits a 128 MB function: {'**pass**' if peak < 128 else '**miss**'} ({peak:.0f} MB)"
    )
    lines.append(
        "- DynamoDB requests per API call = 1: "
        + ("**pass**" if all(row["requests_per_call"] == 1 for row in rows) else "**miss**")
    )
    return lines


# What the handler itself does with a record, as "where the time goes" splits it (the rest is DynamoDB's)
OWN_WORK = {"PUT": ("parse_and_validate", "serialise"), "GET": ("from_attributes", "serialise")}
LINEAR_GROWTH_LIMIT = 2.0


def per_kib(sizes: list[float], times: list[float]) -> list[float]:
    """What each further KiB costs, from one size to the next: constant when time grows linearly."""
    steps = zip(zip(sizes, times, strict=True), zip(sizes[1:], times[1:], strict=True), strict=False)
    return [(time - before) / (size - smaller) for (smaller, before), (size, time) in steps]


def quadratic_growth(sizes: list[float]) -> float:
    """How much the cost of a KiB would grow from the first step to the last if time grew with the square
    of the size: a straight line's is 1, so the limit between them tells the two apart."""
    return (sizes[-1] + sizes[-2]) / (sizes[1] + sizes[0])


def linear_verdict(sizes: list[float], times: list[float], own: list[float]) -> tuple[bool, str]:
    """Whether time grows linearly with size, and the figures that say so. Least squares cannot tell: at
    these sizes a square still fits a line with R² 0.99. Two tests instead: a further KiB of the whole
    request costs at most LINEAR_GROWTH_LIMIT times as much at the larger sizes as at the smaller (a
    square: ~8x), and so does a KiB of this project's own work (`own`, per KiB at each size), between the
    two larger sizes (the smallest is mostly fixed cost). A time that did not grow cannot be judged."""
    steps = per_kib(sizes, times)
    own_growth = own[-1] / own[-2]
    if min(steps) <= 0:
        return (
            False,
            f"time did not grow from one size to the next ({', '.join(f'{step:.3f}' for step in steps)} ms per KiB)",
        )
    growth = steps[-1] / steps[0]
    text = (
        f"a further KiB costs {steps[0]:.3f} ms from {sizes[0]:.1f} to {sizes[1]:.1f} KiB and {steps[-1]:.3f} ms "
        f"from {sizes[1]:.1f} to {sizes[2]:.1f} KiB ({growth:.2f}x; a square would be {quadratic_growth(sizes):.1f}x); "
        f"this project's own work costs {' → '.join(f'{cost:.3f}' for cost in own)} ms per KiB of the record "
        f"({own_growth:.2f}x between the two larger sizes; a square would be {sizes[-1] / sizes[-2]:.1f}x)"
    )
    return growth <= LINEAR_GROWTH_LIMIT and own_growth <= LINEAR_GROWTH_LIMIT, text


def _linearity(method: str, sized: list[dict[str, Any]]) -> str:
    kib = [row["item_bytes"] / 1024 for row in sized]
    own = [
        sum(row["parts"][part] for part in OWN_WORK[method]) / size
        for row, size in zip(sized, kib, strict=True)
    ]
    linear, figures = linear_verdict(kib, [row["handler_p50"] for row in sized], own)
    floor = per_kib(kib, [row["floor_p50"] for row in sized])
    return (
        f"- {method} time grows linearly with the item's size (a KiB costs at most {LINEAR_GROWTH_LIMIT:g}x "
        f"as much at the larger sizes as at the smaller): {'**pass**' if linear else '**miss**'}; {figures}. The same "
        f"DynamoDB call alone: {floor[0]:.3f} → {floor[-1]:.3f} ms per KiB. Own work: "
        f"{' + '.join(OWN_WORK[method]).replace('_', ' ')}."
    )


def _capacity_target(facts: dict[str, Any]) -> str:
    """The capacity the backend reported for the handler's requests, against DynamoDB's documented rule."""
    rows = facts["warm"]
    matches = all(row["capacity_units"]["reported"] == row["capacity_units"]["by_rule"] for row in rows)
    by_method = {
        method: " → ".join(
            f"{_units(row['capacity_units']['reported'])} ({row['capacity_units']['by_rule']})"
            for row in rows
            if row["method"] == method
        )
        for method in ("PUT", "GET")
    }
    return (
        f"- Capacity grows linearly with the item's size, as the backend ({facts['backend']}) reports it "
        f"(ReturnConsumedCapacity) and as DynamoDB's documented rule gives it, in brackets (one unit per KiB "
        f"written, per 4 KiB read strongly consistently): {'**pass**' if matches else '**miss**'}; PUT "
        f"{by_method['PUT']} WCU, GET {by_method['GET']} RCU. The rule is linear in the item's size; that "
        "the report matches it shows the service asks for the capacity and stores items of the size "
        "reckoned here (DynamoDB itself is not reachable from this machine)."
    )


# The PUT's move from pydantic (through Powertools' validation) to pydantic-core with the generated schema,
# measured while making it (built artifact, Python 3.13, bytecode; callgrind counts do not drift between
# runs, and the wall ratios come from 15 interleaved rounds of the old handler, the new one and the floor).
PUT_BEFORE_INSTRUCTIONS = 1_518e6
PUT_AFTER_INSTRUCTIONS = 1_246e6
PUT_FLOOR_INSTRUCTIONS = 1_050e6
PUT_BEFORE_INSTRUCTIONS_RATIO = PUT_BEFORE_INSTRUCTIONS / PUT_FLOOR_INSTRUCTIONS
PUT_AFTER_INSTRUCTIONS_RATIO = PUT_AFTER_INSTRUCTIONS / PUT_FLOOR_INSTRUCTIONS
PUT_BEFORE_WALL_RATIO = 1.42
PUT_AFTER_WALL_RATIO = 1.17
LAYER_WITH_PYDANTIC_MB = (15.5, 5.7)  # unzipped, zipped (arm64): the run before it left the layer

README = ROOT / "README.md"
SUMMARY_START = "<!-- make bench writes from here: the summary of docs/performance.json -->"
SUMMARY_END = "<!-- to here -->"


def _met(value: float, target: float) -> str:
    return "**met**" if value <= target else f"**missed** by {value - target:.2f}x"


def readme_summary(facts: dict[str, Any]) -> str:
    """The README's performance table and what it means, from the same figures as docs/performance.md."""
    built = {row["method"]: row for row in facts["cold"] if "with bytecode" in row["environment"]}
    bare = {row["method"]: row for row in facts["cold"] if "no bytecode" in row["environment"]}
    alone = {row["name"].split(" (")[0].split(",")[0]: row for row in facts["libraries_alone"]}
    by = {(row["method"], row["clusters"]): row for row in facts["warm"]}
    get, put = built["GET"], built["PUT"]

    def instructions(row: dict[str, Any]) -> float:
        return float(row["handler_instructions"] / row["floor_instructions"])

    def cold(row: dict[str, Any]) -> str:
        low, high = row["ratio_quartiles"]
        return f"{row['ratio']:.2f}x wall ({low:.2f}-{high:.2f}), {instructions(row):.2f}x instructions"

    def library(name: str) -> str:
        return f"{alone[name]['ratio']:.2f}x wall, {alone[name]['instructions_ratio']:.2f}x instructions"

    def p50(method: str, clusters: int) -> float:
        row = by[(method, clusters)]
        return float(row["handler_p50"] / row["floor_p50"])

    def growth(method: str) -> tuple[float, float]:
        sized = [by[(method, clusters)] for clusters in CLUSTER_COUNTS]
        kib = [row["item_bytes"] / 1024 for row in sized]
        steps = per_kib(kib, [row["handler_p50"] for row in sized])
        own = [
            sum(row["parts"][part] for part in OWN_WORK[method]) / size
            for row, size in zip(sized, kib, strict=True)
        ]
        return steps[-1] / steps[0], own[-1] / own[-2]

    def units(method: str) -> str:
        return " → ".join(
            _units(row["capacity_units"]["reported"]) for row in facts["warm"] if row["method"] == method
        )

    kib = [by[("GET", clusters)]["item_bytes"] / 1024 for clusters in CLUSTER_COUNTS]
    memory = {row["function"]: row["max_rss_mb"] for row in facts["memory"]}
    pause = {row["method"]: row for row in facts["collector_pause"]}
    put_400 = by[("PUT", 400)]
    least = alone["both"]["instructions_ratio"]
    compiled = {row["process"]: row for row in facts["source_compilation"]}
    excess = (compiled["PUT"]["instructions"] - compiled["floor"]["instructions"]) / put["floor_instructions"]
    references = compiled["PUT"]["made"].get("forward references", {})
    saved = {
        method: 1 - pause[method]["paused_instructions"] / pause[method]["collecting_instructions"]
        for method in ("PUT", "GET")
    }
    rows = [
        (
            f"cold start vs a bare boto3 process making the same call (built artifact, Python {RUNTIME}, bytecode), GET",
            cold(get),
            f"≤ 1.3x: {_met(get['ratio'], 1.3)} (aim 1.1x: {'met' if get['ratio'] <= 1.1 else 'missed'})",
        ),
        (
            "the same, PUT",
            cold(put),
            f"≤ 1.3x: {_met(put['ratio'], 1.3)} ({instructions(put) - 1.3:.2f}x in instructions)"
            if put["ratio"] > 1.3
            else f"≤ 1.3x: {_met(put['ratio'], 1.3)}",
        ),
        (
            "the same call made as the store makes it (botocore), no library",
            library("no library: the call alone"),
            "",
        ),
        ("that, after importing pydantic-core alone", library("pydantic-core alone"), ""),
        (
            "that, after importing the PUT's libraries (pydantic-core with the generated schema, Powertools without validation), no other code of ours",
            library("both"),
            "the least a PUT on this stack can cost",
        ),
        (
            "the same without shipped bytecode",
            f"GET {bare['GET']['ratio']:.2f}x, PUT {bare['PUT']['ratio']:.2f}x",
            "shows what precompiling buys",
        ),
        (
            "warm GET, p50, vs a floor sending the same DynamoDB request",
            " / ".join(f"{p50('GET', clusters):.2f}x" for clusters in CLUSTER_COUNTS)
            + f" ({', '.join(map(str, CLUSTER_COUNTS[:-1]))}, {CLUSTER_COUNTS[-1]} clusters)",
            f"≤ 1.5x: {_met(max(p50('GET', clusters) for clusters in CLUSTER_COUNTS), 1.5)}",
        ),
        (
            "warm PUT of a 400-cluster record, p50 (p99)",
            f"{p50('PUT', 400):.2f}x ({put_400['handler_p99']:.0f} ms, the floor {put_400['floor_p99']:.0f} ms)",
            f"≤ 2x: {_met(p50('PUT', 400), 2.0)}",
        ),
        (
            "time by record size: what a further KiB costs at the larger sizes against the smaller",
            f"GET {growth('GET')[0]:.2f}x, PUT {growth('PUT')[0]:.2f}x (a square would be {quadratic_growth(kib):.1f}x); "
            f"this project's own work per KiB {growth('GET')[1]:.2f}x, {growth('PUT')[1]:.2f}x",
            "linear: "
            + ("**met**" if max(*growth("GET"), *growth("PUT")) <= LINEAR_GROWTH_LIMIT else "**missed**"),
        ),
        (
            f"capacity by record size, as {facts['backend'].split()[0]} reports it (ReturnConsumedCapacity)",
            f"{units('PUT')} WCU, {units('GET')} RCU"
            + (
                ", as DynamoDB's documented rule gives it"
                if all(
                    row["capacity_units"]["reported"] == row["capacity_units"]["by_rule"]
                    for row in facts["warm"]
                )
                else ""
            ),
            "linear: met"
            if all(
                row["capacity_units"]["reported"] == row["capacity_units"]["by_rule"] for row in facts["warm"]
            )
            else "linear: **missed**",
        ),
        (
            "DynamoDB requests per API call",
            f"{max(row['requests_per_call'] for row in facts['warm']):.0f}",
            "1: " + ("met" if all(row["requests_per_call"] == 1 for row in facts["warm"]) else "**missed**"),
        ),
        (
            "peak RSS per function",
            f"PUT {memory['PutOperationFunction']:.1f} MB, GET {memory['GetOperationFunction']:.1f} MB",
            "fits 128 MB: " + ("met" if max(memory.values()) < 128 else "**missed**"),
        ),
        (
            f"layer ({facts['layer_arch']})",
            f"{facts['layer']['unzipped_mb']:.1f} MB unzipped, {facts['layer']['zipped_mb']:.1f} MB zipped",
            "",
        ),
    ]
    table = ["| | measured | target |", "|---|---|---|", *(f"| {' | '.join(row)} |" for row in rows)]
    text = f"""From the committed run ({facts["machine"].split(",")[0].removeprefix("Machine: ")}, 2 shared cores, {facts["backend"].split()[0]} on loopback; wall-time
ratios with their quartiles over {PAIRS} interleaved pairs, and instruction ratios, which do not drift with
the machine's load). The floor is a plain boto3 process: it collects garbage as Python does by default.

{chr(10).join(table)}

Neither function imports pydantic, which was about a fifth of the PUT's cold start. The GET checks its only
input, the path id, with the contract's rule (`rules.py`). The PUT validates its body with pydantic-core
alone, running the schema that pydantic builds from the models, generated into `record_schema.py` (a test
keeps it in step, and every field rule is tested on both). That took the PUT from {PUT_BEFORE_INSTRUCTIONS_RATIO:.2f}x to
{PUT_AFTER_INSTRUCTIONS_RATIO:.2f}x the floor in instructions when it was made, and the layer no longer ships pydantic. The PUT's libraries
by themselves cost {least:.2f}x the floor in instructions ({alone["both"]["ratio"]:.2f}x wall); this project's own code adds ~{instructions(put) - least:.2f}x on top.
Of the PUT's excess over the floor, {excess:.2f}x is compiling source text its libraries make at run time
({sum(references.values())} forward references, {references.get("pydantic_core.core_schema", 0)} of them pydantic-core's typed dicts): without it the PUT would stand at
{instructions(put) - excess:.2f}x in instructions.
Each handler pauses the cyclic garbage collector while it imports
(-{saved["PUT"] * 100:.0f} % of the PUT's instructions, -{saved["GET"] * 100:.0f} % of the GET's; wall time {pause["PUT"]["ratio"]:.2f}x and {pause["GET"]["ratio"]:.2f}x), then freezes what the
imports made, and what its first request made, out of the collector's rescans (`gc.freeze`), which
keeps full collections from stalling large PUTs. Also shipped: bytecode in the layer (cold start
-{(1 - put["handler_ms"] / bare["PUT"]["handler_ms"]) * 100:.0f} % for the PUT, -{(1 - get["handler_ms"] / bare["GET"]["handler_ms"]) * 100:.0f} % for the GET in this run), no boto3 or s3transfer at all, Swagger
never enabled, and a test that keeps the cold-start import set from growing. The functions run with
1024 MB on arm64; docs/performance.md says why.
"""
    return f"{SUMMARY_START}\n{text}{SUMMARY_END}"


def summarisable(facts: dict[str, Any]) -> bool:
    """Whether the run measured all the summary needs: the built artifact under the runtime's Python, with
    valgrind (a run without them leaves the README's summary as it was)."""
    built = [row for row in facts["cold"] if "with bytecode" in row["environment"]]
    compiled = facts.get("source_compilation", [])
    return (
        len(built) == 2
        and all("handler_instructions" in row for row in built)
        and all(row["instructions_ratio"] for row in facts.get("libraries_alone", []))
        and len(compiled) == 3
        and all(row["instructions"] for row in compiled)
    )


def with_readme_summary(readme: str, facts: dict[str, Any]) -> str:
    """The README with its generated block replaced by the summary of `facts`, when the run measured it."""
    if not summarisable(facts):
        print(
            "bench: the README's summary needs the built artifact and valgrind: left as it was",
            file=sys.stderr,
        )
        return readme
    before, rest = readme.split(SUMMARY_START, 1)
    _, after = rest.split(SUMMARY_END, 1)
    return before + readme_summary(facts) + after


def render(facts: dict[str, Any]) -> str:
    """docs/performance.md, from the facts one run measured (docs/performance.json)."""
    return report(facts) + optimisations(facts) + choices(facts)


def write_report(facts: dict[str, Any]) -> None:
    chart(facts["warm"], DOCS / "latency-by-record-size.png")
    (DOCS / "performance.md").write_text(render(facts), encoding="utf-8")


def main() -> int:
    """Measure everything and write the report; `--report-only` re-renders it from docs/performance.json."""
    if sys.argv[1:] == ["--report-only"]:
        write_report(json.loads((DOCS / "performance.json").read_text(encoding="utf-8")))
        return 0
    DOCS.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bench-") as scratch, local_dynamodb() as (endpoint, backend):
        work = Path(scratch)
        envs = environments(work)
        cold = [
            cold_start(env, method, endpoint, work) for env in envs for method in ("PUT", "GET")
        ]  # PUT stores what GET reads
        rows = warm(endpoint)
        artifact = envs[1] if len(envs) > 1 else envs[0]
        memory_rows = memory(artifact, endpoint, work)
        alone = libraries_alone(artifact, endpoint, work)
        pause = collector_pause(artifact, endpoint, work)
        facts_powertools = powertools_modules(artifact, endpoint, work)
        compiling = source_compilation(artifact, endpoint, work)
        boto3_ms = boto3_cost(artifact, endpoint)
        layer = ROOT / ".aws-sam" / "build" / "OperationsLayer"
        arch = load_template().parameter_default("Architecture")
        facts = {"cold": cold, "warm": rows, "memory": memory_rows, "backend": backend, "layer_arch": arch}
        facts["machine"] = machine(envs)
        facts["development_python"] = platform.python_version()
        facts["development_bytecode"] = development_bytecode(envs[0], endpoint, work)
        facts["collector_pause"] = pause
        facts["powertools_modules"] = facts_powertools
        facts["source_compilation"] = compiling
        facts["boto3_ms"] = boto3_ms
        facts["libraries_alone"] = alone
        facts["layer"] = layer_size(layer / "python", work)
    write_report(facts)
    (DOCS / "performance.json").write_text(json.dumps(facts, indent=1, default=str) + "\n", encoding="utf-8")
    print((DOCS / "performance.md").read_text(encoding="utf-8"))
    return 0


def optimisations(facts: dict[str, Any]) -> str:
    cold = {(row["environment"], row["method"]): row for row in facts["cold"]}
    with_pyc = [row for key, row in cold.items() if "with bytecode" in key[0]]
    without = [row for key, row in cold.items() if "no bytecode" in key[0]]
    lines = ["", "## Optimisations, each measured", ""]
    for after, before in zip(with_pyc, without, strict=True):
        lines.append(
            f"- Bytecode shipped in the layer (compileall, unchecked-hash, by the runtime's Python), {after['method']}: "
            f"cold start {before['handler_ms']:.0f} ms → {after['handler_ms']:.0f} ms "
            f"({before['ratio']:.2f}x → {after['ratio']:.2f}x the floor)."
        )
    floors = {key[1]: row.get("floor_instructions") for key, row in cold.items() if "with bytecode" in key[0]}
    for row in facts.get("collector_pause", []):
        before, after = row["collecting_instructions"], row["paused_instructions"]
        floor = floors.get(row["method"])
        counted = (
            f"{before / 1e6:,.0f} M → {after / 1e6:,.0f} M instructions ({before / floor:.2f}x → "
            f"{after / floor:.2f}x the floor), "
            if before and after and floor
            else ""
        )
        lines.append(
            f"- No cyclic garbage collection while a handler imports (functions/*/app.py pauses it on its first line, "
            f"then freezes what the imports made and resumes it), {row['method']}: {counted}"
            f"wall time {_ratio(row)} of the same handler collecting as usual ({PAIRS} interleaved pairs)."
        )
    lines += [
        f"- The store talks to botocore, not boto3, and converts attributes itself: importing "
        f"`boto3.dynamodb.types` after the handler's own imports would add {facts['boto3_ms']:.0f} ms (measured in this run).",
        "- Swagger UI is never enabled in the deployed handlers (architecture.md measured ~300 ms); `openapi.json` is",
        "  generated offline. The store's client is made once, lazily; the PUT's validator is built at import.",
        "- The GET checks its path id with `operations_api.rules`, runs without Powertools' validation and never",
        "  imports pydantic. Measured while making the change, on the built artifact with bytecode and with",
        "  interpreter shutdown still in the measure: 1,686 M → 1,294 M instructions (1.45x → 1.12x the floor's",
        "  1,160 M); wall time 1.36x → 1.08x the floor in 15 interleaved pairs. Instruction counts do not vary",
        "  between runs (this run and the one before gave the same counts to 0.1 %), so they compare across runs.",
        "- The PUT validates its body with pydantic-core alone, running the schema pydantic builds from the",
        "  models, generated into `record_schema.py` (`make record-schema`; a test keeps it in step, and every",
        "  field rule is tested on both): no pydantic and no Powertools validation at cold start. Measured while",
        "  making the change, on the built artifact with bytecode: "
        f"{PUT_BEFORE_INSTRUCTIONS / 1e6:,.0f} M → {PUT_AFTER_INSTRUCTIONS / 1e6:,.0f} M instructions",
        f"  ({PUT_BEFORE_INSTRUCTIONS_RATIO:.2f}x → {PUT_AFTER_INSTRUCTIONS_RATIO:.2f}x the floor's {PUT_FLOOR_INSTRUCTIONS / 1e6:,.0f} M), 557 → 496 modules; "
        f"wall time {PUT_BEFORE_WALL_RATIO:.2f}x → {PUT_AFTER_WALL_RATIO:.2f}x",
        "  the floor in 15 interleaved rounds. Not measured by the cold start above: the layer no longer ships",
        f"  pydantic, which Lambda would download and unpack at every cold start: {LAYER_WITH_PYDANTIC_MB[0]} → "
        f"{facts['layer']['unzipped_mb']:.1f} MB unzipped, {LAYER_WITH_PYDANTIC_MB[1]} → {facts['layer']['zipped_mb']:.1f} MB zipped.",
        "- `gc.freeze()` at the end of each handler module, for what the imports made, and after the first",
        "  request (`api.serve`), for the DynamoDB client: they leave the garbage collector's rescans. Measured",
        "  while making the change (then one freeze, after the first request), 300 warm PUTs of 400 clusters in",
        "  one process, twice each way: a full collection took 92-108 ms before, 4-6 ms after; p99 143-163 ms",
        "  before, 84-100 ms after.",
        "- A test (tests/perf) serves each handler's first request and keeps boto3, s3transfer, Swagger, the X-Ray",
        "  SDK, pydantic, the models, Powertools' validation and the dev tools out of its imports, and pydantic-core",
        "  out of the GET's.",
        "",
        "- Measuring, not optimising: each cold-start process now exits right after its first answer, as a",
        "  Lambda process never shuts its interpreter down on a request. Shutdown had been ~100 M instructions",
        "  on each side, and once the handler froze its heap its shutdown skipped it, which would have flattered",
        "  the handler. The warm loop kept every request it captured, 300 copies of a 64 KiB item for the",
        "  GC to rescan: PUT-400 p99 281 ms; keeping the last only, as a Lambda process would: 60 ms.",
        "",
        "Measured and not taken (instructions of the PUT's cold start as it was then, built artifact, shutdown",
        "included; the last three concern pydantic, which the PUT imported then and no function imports now):",
        "",
        "- Deferring Powertools' package `__init__`s (they import every resolver, AppSync's and asyncio with it)",
        "  by registering the packages in `sys.modules` unexecuted: 1,696 M → 1,575 M (-7 %, 1.46x → 1.36x), still",
        "  over 1.3x, and it rewires a library's imports: not taken. Upstream accepted the same idea as a PEP 562",
        "  `__getattr__` for its parser package (aws-powertools/powertools-lambda-python#8405); the event handler",
        "  and data classes packages would need the same.",
        "- `defer_build=True` on the models: 1,696 M → 1,701 M, no gain (the PUT builds them on its first request).",
        "- `PYDANTIC_DISABLE_PLUGINS=__all__` (skips pydantic's scan for plugins): -7 M (0.4 %), lost in the noise",
        "  of wall time: not worth a setting.",
        "- The models without `from __future__ import annotations` (pydantic then has no string annotations of",
        "  ours to compile): importing the PUT's handler, without its first request and without shutdown, 1,173 M",
        "  → 1,169 M (0.3 %): not worth the quoted forward references it would take.",
        "",
    ]
    lines += _powertools_modules(facts.get("powertools_modules"))
    lines += _what_is_left(facts)
    lines += _source_compilation(facts)
    return "\n".join(lines) + "\n"


def _what_is_left(facts: dict[str, Any]) -> list[str]:
    """Each handler against the least its libraries cost (instructions: they do not drift)."""
    cold = {
        row["method"]: row
        for row in facts["cold"]
        if "with bytecode" in row["environment"] and "handler_instructions" in row
    }
    alone = {row["name"].split(" (")[0]: row for row in facts.get("libraries_alone", [])}
    libraries_of = {
        "GET": alone.get("Powertools' Logger and HTTP API resolver, without validation"),
        "PUT": alone.get("both"),
    }
    lines = ["Where each cold start stands, in instructions against the floor:", ""]
    for method, row in sorted(cold.items()):
        libraries = libraries_of[method]
        if libraries is None or not libraries["instructions_ratio"]:
            continue
        handler = row["handler_instructions"] / row["floor_instructions"]
        least = libraries["instructions_ratio"]
        line = (
            f"- {method}: {handler:.2f}x; its libraries alone {least:.2f}x, so this project's own code "
            f"(its modules, the routing and logging of the first request, its DynamoDB request) adds "
            f"{handler - least:.2f}x."
        )
        if least > 1.3:
            line += " The libraries alone are over the 1.3x target before any of it runs."
        lines.append(line)
    return [*lines, ""] if len(lines) > 2 else []


SOURCE_KINDS = ("forward references", "dataclasses", "namedtuples", "other")


def _source_compilation(facts: dict[str, Any]) -> list[str]:
    """How much of each cold start is spent compiling source text made at run time, and who made it."""
    rows = {row["process"]: row for row in facts.get("source_compilation", [])}
    put = next(
        (
            row
            for row in facts["cold"]
            if "with bytecode" in row["environment"]
            and row["method"] == "PUT"
            and "handler_instructions" in row
        ),
        None,
    )
    if (
        put is None
        or set(rows) != {"floor", "PUT", "GET"}
        or not all(row["instructions"] for row in rows.values())
    ):
        return []
    floor = put["floor_instructions"]
    excess = rows["PUT"]["instructions"] - rows["floor"]["instructions"]
    lines = [
        "Where much of the PUT's excess goes: compiling source text at run time. With bytecode",
        "shipped, CPython's parser and compiler (`_PyPegen_run_parser_from_string`, `_PyAST_Compile`, counted",
        "by callgrind) only run on text a process makes as it goes: forward references (Python 3.13's typing",
        "compiles each string annotation it wraps), and the methods that dataclasses and namedtuples generate.",
        f"The PUT spends {rows['PUT']['instructions'] / 1e6:,.0f} M instructions there, the GET "
        f"{rows['GET']['instructions'] / 1e6:,.0f} M, the floor {rows['floor']['instructions'] / 1e6:,.0f} M: the PUT's",
        f"excess, {excess / 1e6:,.0f} M, is {excess / floor:.2f}x the floor's cold start; without it the PUT would "
        f"stand at {(put['handler_instructions'] - excess) / floor:.2f}x. Who made the text compiled (counted by "
        "wrapping `compile`, `exec` and `eval`):",
        "",
        "| source text made at run time | PUT | GET | floor | most of the PUT's, by the module it was made for |",
        "|---|---|---|---|---|",
    ]
    for kind in SOURCE_KINDS:
        counts = {name: rows[name]["made"].get(kind, {}) for name in ("PUT", "GET", "floor")}
        most = sorted(counts["PUT"].items(), key=lambda item: -item[1])[:4]
        lines.append(
            f"| {kind} | "
            + " | ".join(str(sum(counts[name].values())) for name in ("PUT", "GET", "floor"))
            + " | "
            + ", ".join(f"`{module}` {count}" for module, count in most)
            + " |"
        )
    own = sum(
        count
        for made in rows["PUT"]["made"].values()
        for module, count in made.items()
        if module == "app" or module.startswith("operations_api")
    )
    core = rows["PUT"]["made"].get("forward references", {}).get("pydantic_core.core_schema", 0)
    lines += [
        "",
        f"This project's own modules make {own} of them directly (their dataclasses). The largest share,",
        f"{core} forward references, is `pydantic_core.core_schema` declaring its typed dicts' fields as string",
        "annotations (`from __future__ import annotations`), which typing compiles one by one as pydantic-core is",
        "imported (the pydantic-core row above): the validator's own import, whatever schema it then runs.",
        "Python 3.14 evaluates annotations lazily (PEP 649, PEP 749), and its typing no longer compiles a",
        "forward reference as it is made; not measured here: this machine has no Python 3.14.",
        "",
    ]
    return lines


def _powertools_modules(found: dict[str, Any] | None) -> list[str]:
    """Which of the Powertools modules a cold start loads the handler asked for."""
    if not found:
        return []
    lines = [
        "Powertools modules loaded by each handler's first request: most come with the event handler package",
        "itself, whose `__init__`s import Logger, Metrics, Tracer and every resolver (AppSync's with asyncio,",
        "Bedrock's, VPC Lattice's, ...), so no handler can import the HTTP API resolver without them; skipping",
        "them means rewriting the library's imports (measured and not taken, above). What the handler adds:",
        "",
    ]
    for method in ("PUT", "GET"):
        facts = found[method]
        mine = ", ".join(
            f"`{name.removeprefix('aws_lambda_powertools.')}`" for name in facts["beyond_the_package"]
        )
        lines.append(
            f"- {method}: {facts['loaded']} modules, {facts['with_the_package']} of them with the package; "
            f"the other {len(facts['beyond_the_package'])}: {mine}."
        )
    return [*lines, ""]


def choices(facts: dict[str, Any]) -> str:
    peak = max(row["max_rss_mb"] for row in facts["memory"])
    built = [row for row in facts["cold"] if "with bytecode" in row["environment"]]
    cold = max(row["handler_ms"] for row in built or facts["cold"])
    return CHOICES.replace("{peak}", f"{peak:.0f}").replace("{cold}", f"{cold:.0f}")


CHOICES = """## Memory size and architecture

- **1024 MB.** Peak RSS is {peak} MB, so 128 MB would fit, but Lambda gives CPU in proportion to memory
  (1,769 MB = one vCPU): at 128 MB a function gets ~7 % of a vCPU, so the ~{cold} ms a cold start
  takes here (wall time, nearly all of it CPU), and the tens of ms a 400-cluster PUT needs warm, would
  stretch ~14-fold. At 1024 MB (~58 % of a vCPU) a warm request of this service costs ~0.005-0.05 GB-s, about $0.0000001-0.0000007 at arm64
  prices: less than API Gateway's own $0.000001 per request. More memory buys latency cheaply here.
- **arm64** (Graviton): 20 % cheaper per GB-s than x86_64 for the same memory, and every dependency has
  an aarch64 wheel (pydantic-core). This machine is x86_64, so the arm64 artifact is built (and its wheels
  checked) but measured as x86_64; `Architecture=x86_64` deploys the measured build.
"""

if __name__ == "__main__":
    raise SystemExit(main())
