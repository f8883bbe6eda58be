"""Fresh processes: the environments measured, the records and requests they serve, how each process is
started, timed and counted; and the local DynamoDB they talk to."""

from __future__ import annotations

import atexit
import functools
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devtools import dynalite
from devtools.precompile import find_python
from devtools.runtime_packages import runtime_packages
from devtools.template import ROOT, load_template

PROBES = Path(__file__).resolve().parent / "probes"
EVENTS = ROOT / "events"
TABLE = "bench-operations"
RUNTIME = load_template().runtime.removeprefix("python")
CREDENTIALS = {
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
}


def probe(name: str, *args: str) -> list[str]:
    """A probe's command line after the interpreter: run by path, so it loads only what it imports."""
    return [str(PROBES / f"{name}.py"), *args]


def dynamodb_service(endpoint: str) -> dict[str, str]:
    """How a process finds the bench's table: the handlers' settings and the boto3 floor's endpoint."""
    return {"TABLE_NAME": TABLE, "DYNAMODB_ENDPOINT_URL": endpoint, "AWS_ENDPOINT_URL_DYNAMODB": endpoint}


@dataclass
class Environment:
    """How to start a fresh process: which Python, and what stands on its path."""

    name: str
    python: str
    layer_paths: list[Path]
    function_root: Path

    @property
    def floor_paths(self) -> list[Path]:
        """The floor's path: the runtime's packages (boto3), none of the layer."""
        return [path for path in self.layer_paths if "lambda-runtime" in str(path)]


@functools.cache
def environments(quick: bool = False) -> tuple[Environment, ...]:
    """The development environment, and (unless quick) the built artifact under the runtime's Python with
    and without bytecode (built once per run for this machine's architecture; bytecode does not depend on
    it). Shared by every suite of one run."""
    work = Path(tempfile.mkdtemp(prefix="bench-environments-"))
    atexit.register(shutil.rmtree, work, True)
    links = work / "functions"  # the source names function folders after the route, the build after the id
    links.mkdir()
    for function in load_template().functions.values():
        (links / function.logical_id).symlink_to(function.code_dir)
    import boto3

    boto3_dir = Path(boto3.__file__).parent.parent
    found = [
        Environment(
            "development (.venv, source)", sys.executable, [ROOT / "layers" / "operations", boto3_dir], links
        )
    ]
    python = find_python(RUNTIME)
    if quick or python is None:
        print(f"bench: the built artifact (Python {RUNTIME}) is not measured", file=sys.stderr)
        return tuple(found)
    build = work / "build"
    machine = {"x86_64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}[platform.machine()]
    subprocess.run(["make", "-s", "build", f"ARCH={machine}", f"BUILD_DIR={build}"], cwd=ROOT, check=True)
    runtime = runtime_packages(RUNTIME)
    subprocess.run(
        [python, "-m", "compileall", "-q", "--invalidation-mode", "unchecked-hash", str(runtime)], check=True
    )
    bare = work / "build-without-bytecode"
    shutil.copytree(build, bare, ignore=shutil.ignore_patterns("__pycache__"))
    for name, root in (("with bytecode", build), ("no bytecode", bare)):
        layer = [root / "OperationsLayer" / "python", runtime]
        found.append(Environment(f"built artifact, Python {RUNTIME}, {name}", python, layer, root))
    return tuple(found)


def fresh_environment(path: list[Path], service: dict[str, str]) -> dict[str, str]:
    return {
        "PATH": os.environ["PATH"],
        "PYTHONPATH": os.pathsep.join(str(entry) for entry in path),
        "PYTHONDONTWRITEBYTECODE": "1",
        "POWERTOOLS_SERVICE_NAME": "operations-api",
        **CREDENTIALS,
        **service,
    }


def run_fresh(
    python: str, args: list[str], path: list[Path], service: dict[str, str]
) -> tuple[float, dict[str, Any]]:
    """A fresh process's wall time (ms), and the JSON it printed; an error if it did not serve its request
    (an HTTP status other than 200, or events not published)."""
    started = time.perf_counter()
    answer = subprocess.run(
        [python, "-s", *args],
        env=fresh_environment(path, service),
        capture_output=True,
        text=True,
        check=False,
    )
    wall = (time.perf_counter() - started) * 1000
    if answer.returncode != 0:
        raise RuntimeError(f"{python} {args[:2]} failed: {answer.stderr[-2000:]}")
    facts: dict[str, Any] = json.loads(answer.stdout)
    if facts.get("status") not in (200, None) or facts.get("failures"):
        raise RuntimeError(f"{args[:2]} did not serve its request: {facts}")
    return wall, facts


def wall(python: str, args: list[str], path: list[Path], service: dict[str, str]) -> float:
    """A fresh process's wall time (ms)."""
    return run_fresh(python, args, path, service)[0]


def interleaved(pairs: int, first: Callable[[], float], second: Callable[[], float]) -> dict[str, Any]:
    """`pairs` rounds of two measures taken one after the other, so that the machine's moods fall on both
    alike: their medians, and the median and quartiles of the per-pair ratios."""
    firsts, seconds = [], []
    for _ in range(pairs):
        firsts.append(first())
        seconds.append(second())
    ratios = [one / other for one, other in zip(firsts, seconds, strict=True)]
    return {
        "first": statistics.median(firsts),
        "second": statistics.median(seconds),
        "ratio": statistics.median(ratios),
        "ratio_quartiles": statistics.quantiles(ratios, n=4)[::2] if pairs > 1 else [ratios[0]] * 2,
    }


def against_floor(
    environment: Environment,
    handler_args: list[str],
    floor_args: list[str],
    floor_path: list[Path],
    service: dict[str, str],
    pairs: int,
    count: bool,
) -> dict[str, Any]:
    """Interleaved pairs of fresh processes, the handler's first request then the floor's one call; the
    instructions each executes, counted once (the count does not vary from run to run)."""
    python, facts = environment.python, dict[str, Any]()

    def handler() -> float:
        nonlocal facts
        elapsed, facts = run_fresh(python, handler_args, environment.layer_paths, service)
        return elapsed

    timed = interleaved(pairs, handler, functools.partial(wall, python, floor_args, floor_path, service))
    return {
        "handler_ms": timed["first"],
        "floor_ms": timed["second"],
        "ratio": timed["ratio"],
        "ratio_quartiles": timed["ratio_quartiles"],
        "modules": facts["modules"],
        "handler_instructions": instructions(python, handler_args, environment.layer_paths, service, count),
        "floor_instructions": instructions(python, floor_args, floor_path, service, count),
    }


def instructions(
    python: str, args: list[str], path: list[Path], service: dict[str, str], count: bool = True
) -> int | None:
    """The instructions a fresh process executes, counted by valgrind (callgrind): the same count run
    after run, whatever else the machine does, where wall time on a shared machine drifts by ±15 %.
    None where valgrind is missing or counting is not asked for (a quick run)."""
    if not count or shutil.which("valgrind") is None:
        return None
    answer = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", python, "-s", *args],
        env=fresh_environment(path, service),
        capture_output=True,
        text=True,
        check=False,
    )
    collected = [line for line in answer.stderr.splitlines() if "Collected :" in line]
    if answer.returncode != 0 or not collected:
        raise RuntimeError(f"valgrind {args[:2]} failed: {answer.stderr[-2000:]}")
    return int(collected[-1].rsplit(":", 1)[1].strip())


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
    event: dict[str, Any] = json.loads((EVENTS / f"{method.lower()}_operation.json").read_text())
    path = f"/v1/operations/{record['operation_id']}"
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    event["pathParameters"] = {"operation_id": record["operation_id"]}
    if method == "PUT":
        event["body"] = json.dumps(record)
    return event


def floor_request(method: str, record: dict[str, Any]) -> dict[str, Any]:
    """The one DynamoDB call the floor makes for a route, as probes/floor.py reads it."""
    from boto3.dynamodb.types import TypeSerializer

    key = {"operation_id": {"S": record["operation_id"]}}
    if method == "GET":
        arguments: dict[str, Any] = {"TableName": TABLE, "Key": key, "ConsistentRead": True}
        return {"service": "dynamodb", "operation": "get_item", "arguments": arguments}
    item = {name: TypeSerializer().serialize(value) for name, value in record.items()}
    return {"service": "dynamodb", "operation": "put_item", "arguments": {"TableName": TABLE, "Item": item}}


@contextmanager
def local_dynamodb(server: str = "dynalite") -> Iterator[tuple[str, str]]:
    """dynalite when asked for and installed (an independent implementation), else moto's threaded
    server (it answers requests concurrently); with the table."""
    if server == "dynalite" and dynalite.missing_reason() is None:
        with dynalite.running(TABLE) as running:
            yield running.endpoint_url, "dynalite 4.0.0"
        return
    with moto_server() as endpoint:
        import boto3

        boto3.client("dynamodb", endpoint_url=endpoint, **CLIENT_CREDENTIALS).create_table(
            **load_template().create_table_request(TABLE)
        )
        yield endpoint, "moto's threaded server"


CLIENT_CREDENTIALS = {
    "region_name": "us-east-1",
    "aws_access_key_id": "bench",
    "aws_secret_access_key": "bench",
}


@contextmanager
def moto_server() -> Iterator[str]:
    """moto's threaded server on loopback, its access log quiet; its endpoint."""
    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()
