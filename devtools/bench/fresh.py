"""Fresh processes: where they run (the environments measured), how they are started, timed and counted."""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devtools import dynalite
from devtools.bench.plan import RUNTIME, TABLE
from devtools.precompile import find_python
from devtools.runtime_packages import runtime_packages
from devtools.template import ROOT, load_template

PROBES = Path(__file__).resolve().parent / "probes"


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
        client = boto3.client(
            "dynamodb",
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id="bench",
            aws_secret_access_key="bench",  # noqa: S106 (moto accepts any)
        )
        client.create_table(**load_template().create_table_request(TABLE))
        yield endpoint, "moto's threaded server"
    finally:
        moto_server.stop()


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
    """A fresh process's wall time (ms), and the JSON it printed."""
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
    return counted_instructions(python, args, fresh_environment(path, endpoint))


def counted_instructions(python: str, args: list[str], environment: dict[str, str]) -> int | None:
    """What `instructions` counts, for a process with this environment; None where valgrind is missing."""
    if shutil.which("valgrind") is None:
        return None
    answer = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", python, "-s", *args],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    collected = [line for line in answer.stderr.splitlines() if "Collected :" in line]
    if answer.returncode != 0 or not collected:
        raise RuntimeError(f"valgrind {args[:2]} failed: {answer.stderr[-2000:]}")
    return int(collected[-1].rsplit(":", 1)[1].strip())


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
