"""Fresh processes: the environments measured, how each process is started, timed and counted; measures
interleaved against a floor; and the local services the processes, and the suites' own process, talk to."""

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
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import boto3

from devtools import dynalite
from devtools.lambda_runtime import ensure_tables, table_variables
from devtools.precompile import find_python
from devtools.runtime_packages import runtime_packages
from devtools.template import ROOT, load_template

T = TypeVar("T")
PROBES = Path(__file__).resolve().parent / "probes"
TABLE = "bench-operations"
RUNTIME = load_template().runtime.removeprefix("python")
CREDENTIALS = {
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
}
COMPILE = ["-m", "compileall", "-q", "--invalidation-mode", "unchecked-hash"]
# CPython's parser and compiler. With bytecode shipped, a cold start only runs them on source text made
# at run time: forward references (typing compiles each string annotation it wraps), and the methods
# that dataclasses and namedtuples generate.
PARSER_AND_COMPILER = ("_PyPegen_run_parser_from_string", "_PyAST_Compile")


def probe(name: str, *args: str) -> list[str]:
    """A probe's command line after the interpreter: run by path, so it loads only what it imports."""
    return [str(PROBES / f"{name}.py"), *args]


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
    development = [ROOT / "layers" / "operations", Path(boto3.__file__).parent.parent]
    found = [Environment("development (.venv, source)", sys.executable, development, links)]
    python = find_python(RUNTIME)
    if quick or python is None:
        print(f"bench: the built artifact (Python {RUNTIME}) is not measured", file=sys.stderr)
        return tuple(found)
    build, bare = work / "build", work / "build-without-bytecode"
    machine = {"x86_64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}[platform.machine()]
    subprocess.run(["make", "-s", "build", f"ARCH={machine}", f"BUILD_DIR={build}"], cwd=ROOT, check=True)
    runtime = runtime_packages(RUNTIME)
    subprocess.run([python, *COMPILE, str(runtime)], check=True)
    shutil.copytree(build, bare, ignore=shutil.ignore_patterns("__pycache__"))
    for name, root in (("with bytecode", build), ("no bytecode", bare)):
        layer = [root / "OperationsLayer" / "python", runtime]
        found.append(Environment(f"built artifact, Python {RUNTIME}, {name}", python, layer, root))
    return tuple(found)


@dataclass
class Fresh:
    """One fresh process: a probe under a Python, with what stands on its path and the services it uses."""

    python: str
    args: list[str]
    path: list[Path]
    service: dict[str, str]

    def run(self, *before: str, check: bool = False) -> subprocess.CompletedProcess[str]:
        environment = {
            "PATH": os.environ["PATH"],
            "PYTHONPATH": os.pathsep.join(str(entry) for entry in self.path),
            "PYTHONDONTWRITEBYTECODE": "1",
            "POWERTOOLS_SERVICE_NAME": "operations-api",
            **CREDENTIALS,
            **self.service,
        }
        command = [*before, self.python, "-s", *self.args]
        return subprocess.run(command, env=environment, capture_output=True, text=True, check=check)

    def facts(self) -> tuple[float, dict[str, Any]]:
        """Its wall time (ms), and the JSON it printed; an error if it did not serve its request (an HTTP
        status other than 200, or events not published)."""
        started = time.perf_counter()
        answer = self.run()
        wall = (time.perf_counter() - started) * 1000
        if answer.returncode != 0:
            raise RuntimeError(f"{self.python} {self.args[:2]} failed: {answer.stderr[-2000:]}")
        facts: dict[str, Any] = json.loads(answer.stdout)
        if facts.get("status") not in (200, None) or facts.get("failures"):
            raise RuntimeError(f"{self.args[:2]} did not serve its request: {facts}")
        return wall, facts

    def wall(self) -> float:
        return self.facts()[0]

    def instructions(self, count: bool = True) -> int | None:
        """The instructions it executes, counted by valgrind (callgrind): the same count run after run,
        whatever else the machine does, where wall time on a shared machine drifts by ±15 %. None where
        valgrind is missing or counting is not asked for (a quick run)."""
        if not count or shutil.which("valgrind") is None:
            return None
        answer = self.run("valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null")
        collected = [line for line in answer.stderr.splitlines() if "Collected :" in line]
        if answer.returncode != 0 or not collected:
            raise RuntimeError(f"valgrind {self.args[:2]} failed: {answer.stderr[-2000:]}")
        return int(collected[-1].rsplit(":", 1)[1].strip())

    def compiling(self, count: bool = True) -> int | None:
        """The instructions it spends parsing and compiling source text (callgrind, per function)."""
        if not count or shutil.which("valgrind") is None or shutil.which("callgrind_annotate") is None:
            return None
        with tempfile.TemporaryDirectory(prefix="bench-callgrind-") as scratch:
            out = Path(scratch) / "callgrind.out"
            self.run("valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", check=True)
            annotate = ["callgrind_annotate", "--inclusive=yes", "--threshold=100", str(out)]
            annotated = subprocess.run(annotate, capture_output=True, text=True, check=True).stdout
        return compiling_instructions(annotated)


def compiling_instructions(annotated: str) -> int:
    """The instructions spent in the parser and the compiler, from `callgrind_annotate --inclusive=yes`
    (the largest inclusive count each function has: inlined header code gives some several lines)."""
    found = dict.fromkeys(PARSER_AND_COMPILER, 0)
    for line in annotated.splitlines():
        counted, _, rest = line.strip().partition(" ")
        name = rest.split(":", 1)[-1].split(" ")[0]
        if name in found and counted.replace(",", "").isdigit():
            found[name] = max(found[name], int(counted.replace(",", "")))
    return sum(found.values())


def interleaved(pairs: int, first: Callable[[], float], second: Callable[[], float]) -> dict[str, Any]:
    """`pairs` rounds of two measures taken one after the other, so that the machine's moods fall on both
    alike: their medians, and the median and quartiles of the per-pair ratios."""
    (firsts, seconds), (ratios,) = rounds(pairs, [first, second])
    return {
        "first": statistics.median(firsts),
        "second": statistics.median(seconds),
        "ratio": statistics.median(ratios),
        "ratio_quartiles": quartiles(ratios),
    }


def rounds(count: int, measures: list[Callable[[], float]]) -> tuple[list[list[float]], list[list[float]]]:
    """`count` rounds of the measures taken one after the other: each measure's values, and the ratios of
    the first to each other one, round by round."""
    values: list[list[float]] = [[] for _ in measures]
    for _ in range(count):
        for measured, measure in zip(values, measures, strict=True):
            measured.append(measure())
    ratios = [[one / other for one, other in zip(values[0], them, strict=True)] for them in values[1:]]
    return values, ratios


def quartiles(values: list[float]) -> list[float]:
    """The lower and the upper quartile (both the value itself when there is one)."""
    return statistics.quantiles(values, n=4)[::2] if len(values) > 1 else [values[0]] * 2


def clocked(call: Callable[[], object]) -> Callable[[], float]:
    """The call, made to return the milliseconds it took."""

    def measured() -> float:
        started = time.perf_counter()
        call()
        return (time.perf_counter() - started) * 1000

    return measured


def against(first: Fresh, second: Fresh, pairs: int) -> dict[str, Any]:
    """Two processes' interleaved ratio and its quartiles."""
    timed = interleaved(pairs, first.wall, second.wall)
    return {"ratio": timed["ratio"], "ratio_quartiles": timed["ratio_quartiles"]}


def query_once(client: Any, **arguments: Any) -> tuple[float, float, int]:
    """One DynamoDB Query, its capacity reported: (ms, capacity units, items)."""
    started = time.perf_counter()
    response = client.query(**arguments, ReturnConsumedCapacity="TOTAL")
    elapsed = (time.perf_counter() - started) * 1000
    return elapsed, float(response["ConsumedCapacity"]["CapacityUnits"]), len(response["Items"])


def against_query(
    repeats: int, read: Callable[[], T], floor: Callable[[], tuple[float, float, int]]
) -> tuple[T, dict[str, Any]]:
    """A read against the floor's one Query (query_once), interleaved after one read unmeasured (threads,
    connections): the read's last answer, and the medians, their ratios and the floor's capacity and items."""
    read()
    answers: list[T] = []
    timed = interleaved(repeats, clocked(lambda: answers.append(read())), lambda: floor()[0])
    _, capacity, items = floor()
    figures = {"ms": timed["first"], "floor_ms": timed["second"], "ratio": timed["ratio"]}
    return answers[-1], {**figures, "floor_capacity": capacity, "floor_items": items}


def share(part: float, whole: float) -> float | None:
    """part / whole, None where the whole is nothing (a backend that reports no capacity)."""
    return part / whole if whole else None


class Requests:
    """What a botocore client sends while this listens: its requests (each operation's name and parameters),
    the last one's parameters, and the capacity DynamoDB reported (for them all, and for the last)."""

    count: int
    units: float
    last: dict[str, Any]
    last_units: float | None
    sent: list[tuple[str, dict[str, Any]]]

    def __init__(self, client: Any, service: str = "dynamodb") -> None:
        self.reset()
        client.meta.events.register(f"provide-client-params.{service}.*", self._sent)
        client.meta.events.register(f"after-call.{service}.*", self._answered)

    def reset(self) -> None:
        self.count, self.units, self.last, self.last_units, self.sent = 0, 0.0, {}, None, []

    def _sent(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        self.count, self.last = self.count + 1, dict(params)
        self.sent.append((model.name, self.last))

    def _answered(self, parsed: dict[str, Any], **_: Any) -> None:
        consumed = parsed.get("ConsumedCapacity", {})  # a transaction's: a list, one entry per table
        parts = consumed if isinstance(consumed, list) else [consumed]
        reported = [part["CapacityUnits"] for part in parts if "CapacityUnits" in part]
        self.last_units = sum(reported) if reported else None
        self.units += float(self.last_units or 0)


def against_floors(handler: Fresh, floors: dict[str, Fresh], pairs: int, count: bool) -> dict[str, Any]:
    """Interleaved rounds of fresh processes, the handler's first request then each floor's one call: the
    first floor's figures at the top (`floor_ms`, `ratio` and its quartiles, `floor_instructions`), every
    floor's under `floors`."""
    served: dict[str, Any] = {}

    def handler_wall() -> float:
        elapsed, served["facts"] = handler.facts()
        return elapsed

    (handled, *floored), ratios = rounds(pairs, [handler_wall, *(floor.wall for floor in floors.values())])
    each = {
        name: {
            "floor_ms": statistics.median(walls),
            "ratio": statistics.median(ratio),
            "ratio_quartiles": quartiles(ratio),
            "floor_instructions": floor.instructions(count),
        }
        for (name, floor), walls, ratio in zip(floors.items(), floored, ratios, strict=True)
    }
    return {
        "handler_ms": statistics.median(handled),
        **next(iter(each.values())),
        "floors": each,
        "modules": served["facts"]["modules"],
        "handler_instructions": handler.instructions(count),
    }


def use_services(**variables: str) -> None:
    """This process configured for the bench's local services, its cached settings and clients forgotten
    (an earlier suite of the same run may have made them; suites.run undoes the variables after)."""
    from operations_api import settings, store
    from operations_api.events import publisher

    os.environ.update({**CREDENTIALS, "TABLE_NAME": TABLE, **variables})
    settings.get_settings.cache_clear()
    store.dynamodb_client.cache_clear()
    publisher.events_client.cache_clear()


def dynamodb_service(endpoint: str) -> dict[str, str]:
    """How a process finds the bench's tables: the handlers' settings (the records' TABLE_NAME, the
    history's HISTORY_TABLE_NAME...) and the boto3 floor's endpoint."""
    return {
        **table_variables(TABLE),
        "DYNAMODB_ENDPOINT_URL": endpoint,
        "AWS_ENDPOINT_URL_DYNAMODB": endpoint,
    }


@contextmanager
def local_dynamodb(server: str = "dynalite") -> Iterator[tuple[str, str]]:
    """dynalite when asked for and installed (an independent implementation), else moto's threaded
    server (it answers requests concurrently); with the template's tables, and this process configured for
    them."""
    if server == "dynalite" and dynalite.missing_reason() is None:
        with dynalite.running(TABLE) as running:
            use_services(**dynamodb_service(running.endpoint_url))
            yield running.endpoint_url, "dynalite 4.0.0"
        return
    with moto_server() as endpoint:
        use_services(**dynamodb_service(endpoint))
        ensure_tables(boto3.client("dynamodb", endpoint_url=endpoint), TABLE)
        yield endpoint, "moto's threaded server"


@contextmanager
def moto_server() -> Iterator[str]:
    """moto's threaded server on loopback, its access log quiet, emptied; its endpoint. Emptied again when
    it stops: moto keeps what its servers store in the process (a run of every suite once found the table
    of an earlier suite's server), and every copy it makes of a model (reset_moto)."""
    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    reset_moto(endpoint)
    try:
        yield endpoint
    finally:
        reset_moto(endpoint)
        server.stop()


def reset_moto(endpoint: str) -> None:
    """moto emptied: its data, and its register of every model instance ever made, which keeps the copy of
    each table a TransactWriteItems makes (to undo it): the history loop's transactions grew it to 7 GB."""
    urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")).close()
