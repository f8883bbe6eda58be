"""What a cold start is made of (suite "cold"): the garbage collector's pause, the Powertools modules, the
source text compiled at run time, what the libraries cost alone, boto3's converters, and bytecode."""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import tempfile
from functools import partial
from pathlib import Path
from typing import Any

from devtools.bench.cold import first_request_args, floor_file
from devtools.bench.fresh import (
    Environment,
    dynamodb_service,
    fresh_environment,
    instructions,
    interleaved,
    probe,
    run_fresh,
    wall,
)
from devtools.template import ROOT, load_template

# CPython's parser and compiler. With bytecode shipped, a cold start only runs them on source text made
# at run time: forward references (typing compiles each string annotation it wraps), and the methods
# that dataclasses and namedtuples generate.
PARSER_AND_COMPILER = ("_PyPegen_run_parser_from_string", "_PyAST_Compile")
POWERTOOLS_HTTP = ["aws_lambda_powertools.logging", "aws_lambda_powertools.event_handler.api_gateway"]
LIBRARIES_ALONE: tuple[tuple[str, list[str]], ...] = (
    ("no library: the call alone, through botocore", []),
    (
        "pydantic-core alone, the validator pydantic is built on (its schema types, its compiled core)",
        ["pydantic_core"],
    ),
    (
        "the record's validator: pydantic-core with the schema generated from the models"
        " (what validating a PUT body needs)",
        ["operations_api.record.validation"],
    ),
    ("Powertools' Logger and HTTP API resolver, without validation (what the GET needs)", POWERTOOLS_HTTP),
    (
        "both (what the PUT needs), and none of this project's code but the validator",
        ["operations_api.record.validation", *POWERTOOLS_HTTP],
    ),
)


def measure(
    development: Environment, artifact: Environment, endpoint: str, files: Path, pairs: int, count: bool
) -> dict[str, Any]:
    service = dynamodb_service(endpoint)
    return {
        "development_bytecode": development_bytecode(development, service, files, count),
        "collector_pause": collector_pause(artifact, service, files, pairs, count),
        "powertools_modules": powertools_modules(artifact, service, files),
        "source_compilation": source_compilation(artifact, service, files, count),
        "boto3_ms": boto3_cost(artifact, service, 7 if count else 2),
        "libraries_alone": libraries_alone(artifact, service, files, pairs, count),
    }


def development_bytecode(
    environment: Environment, service: dict[str, str], files: Path, count: bool
) -> int | None:
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
    paths = [copy / "layer", *environment.layer_paths[1:]]
    precompiled = Environment(environment.name, environment.python, paths, copy / "functions")
    args = first_request_args(precompiled, "PUT", files)
    return instructions(precompiled.python, args, precompiled.layer_paths, service, count)


def collector_pause(
    environment: Environment, service: dict[str, str], files: Path, pairs: int, count: bool
) -> list[dict[str, Any]]:
    """The garbage collector's pause at cold start (operations_api/coldstart.py), measured: the handler
    as shipped against the same handler whose gc.disable() does nothing, interleaved, and in instructions."""
    python, path = environment.python, environment.layer_paths
    rows = []
    for method in ("PUT", "GET"):
        paused = first_request_args(environment, method, files)
        collecting = first_request_args(environment, method, files, "collector-on")
        timed = interleaved(
            pairs,
            partial(wall, python, paused, path, service),
            partial(wall, python, collecting, path, service),
        )
        rows.append(
            {
                "method": method,
                "ratio": timed["ratio"],
                "ratio_quartiles": timed["ratio_quartiles"],
                "paused_instructions": instructions(python, paused, path, service, count),
                "collecting_instructions": instructions(python, collecting, path, service, count),
            }
        )
    return rows


def powertools_modules(environment: Environment, service: dict[str, str], files: Path) -> dict[str, Any]:
    """The Powertools modules each handler's cold start loads, against those that importing the event
    handler package brings by itself (its `__init__`s import every resolver, Logger, Metrics and Tracer):
    what is left is what the handler asked for."""
    _, listed = run_fresh(environment.python, probe("powertools_package"), environment.layer_paths, service)
    package = set(listed["modules"])
    found: dict[str, Any] = {"package": len(package)}
    for method in ("PUT", "GET"):
        args = first_request_args(environment, method, files)
        loaded = set(run_fresh(environment.python, args, environment.layer_paths, service)[1]["powertools"])
        found[method] = {
            "loaded": len(loaded),
            "with_the_package": len(loaded & package),
            "beyond_the_package": sorted(loaded - package),
        }
    return found


def source_compilation(
    environment: Environment, service: dict[str, str], files: Path, count: bool
) -> list[dict[str, Any]]:
    """Each cold start's instructions in CPython's parser and compiler, against the floor's, and who
    wrote the source text they compiled."""
    request = str(floor_file("GET", files))
    processes = {"floor": (probe("floor", request), probe("floor", request, "count-compiled"))}
    for method in ("PUT", "GET"):
        processes[method] = (
            first_request_args(environment, method, files),
            first_request_args(environment, method, files, "count-compiled"),
        )
    rows = []
    for name, (args, counting) in processes.items():
        path = environment.floor_paths if name == "floor" else environment.layer_paths
        _, counted = run_fresh(environment.python, counting, path, service)
        assert counted["status"] == 200, counted
        compiled = compiled_at_run_time(environment.python, args, path, service) if count else None
        rows.append({"process": name, "instructions": compiled, "made": counted["made"]})
    return rows


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


def compiled_at_run_time(
    python: str, args: list[str], path: list[Path], service: dict[str, str]
) -> int | None:
    """What a fresh process spends parsing and compiling source text (callgrind, per function)."""
    if shutil.which("valgrind") is None or shutil.which("callgrind_annotate") is None:
        return None
    with tempfile.TemporaryDirectory(prefix="bench-callgrind-") as scratch:
        out = Path(scratch) / "callgrind.out"
        subprocess.run(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", python, "-s", *args],
            env=fresh_environment(path, service),
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


def libraries_alone(
    environment: Environment, service: dict[str, str], files: Path, pairs: int, count: bool
) -> list[dict[str, Any]]:
    """The floor's call made through botocore (as the store makes it) with the handlers' libraries
    imported first, against the floor: the least any handler built on those libraries can cost."""
    python, request = environment.python, str(floor_file("GET", files))
    bare = probe("floor", request)
    bare_count = instructions(python, bare, environment.floor_paths, service, count)
    rows = []
    for name, modules in LIBRARIES_ALONE:
        loaded = probe("floor", request, "botocore", *modules)
        timed = interleaved(
            pairs,
            partial(wall, python, loaded, environment.layer_paths, service),
            partial(wall, python, bare, environment.floor_paths, service),
        )
        counted = instructions(python, loaded, environment.layer_paths, service, count)
        rows.append(
            {
                "name": name,
                "modules": modules,
                "ratio": timed["ratio"],
                "ratio_quartiles": timed["ratio_quartiles"],
                "instructions_ratio": counted / bare_count if counted and bare_count else None,
            }
        )
    return rows


def boto3_cost(environment: Environment, service: dict[str, str], runs: int) -> float:
    """What importing boto3's attribute converters would add after the handler's own imports: the saving
    of the store's hand-written conversion."""
    args = probe("boto3_cost", str(environment.function_root / "GetOperationFunction"))
    samples = [run_fresh(environment.python, args, environment.layer_paths, service)[1] for _ in range(runs)]
    return statistics.median(float(sample["boto3_ms"]) for sample in samples)
