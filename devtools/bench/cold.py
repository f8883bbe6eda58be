"""Cold starts: fresh processes serving a first request, against the floor's, and what they are made of."""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
from pathlib import Path
from typing import Any

from devtools.bench.fresh import (
    Environment,
    fresh_environment,
    instructions,
    probe,
    run_fresh,
)
from devtools.bench.plan import PAIRS, event_for, floor_request, record_with
from devtools.template import ROOT, load_template

FUNCTIONS = {"PUT": "PutOperationFunction", "GET": "GetOperationFunction"}


def first_request_args(environment: Environment, method: str, files: Path, *options: str) -> list[str]:
    """A fresh process's arguments: import the route's handler, serve its first request (one cluster)."""
    event_file = files / f"{method}-event.json"
    event_file.write_text(json.dumps(event_for(method, record_with(1))))
    function_dir = environment.function_root / FUNCTIONS[method]
    return probe("first_request", str(function_dir), str(event_file), "0", *options)


def floor_file(method: str, files: Path) -> Path:
    """The floor's request for the route, one cluster, in a file for its process."""
    path = files / f"{method}-floor.json"
    path.write_text(json.dumps(floor_request(method, record_with(1))))
    return path


def cold_start(environment: Environment, method: str, endpoint: str, files: Path) -> dict[str, Any]:
    """Interleaved pairs of fresh processes: the handler's first request, then the floor's one call."""
    handler_args = first_request_args(environment, method, files)
    floor_args = probe("floor", str(floor_file(method, files)))
    ratios: list[float] = []
    handlers: list[float] = []
    floors: list[float] = []
    facts: dict[str, Any] = {}
    for _ in range(PAIRS):
        handler_ms, facts = run_fresh(environment.python, handler_args, environment.layer_paths, endpoint)
        floor_ms, _ = run_fresh(environment.python, floor_args, environment.floor_paths, endpoint)
        assert facts["status"] == 200, facts
        ratios.append(handler_ms / floor_ms)
        handlers.append(handler_ms)
        floors.append(floor_ms)
    counted = {}  # counted once: the count does not vary from run to run
    handler_count = instructions(environment.python, handler_args, environment.layer_paths, endpoint)
    floor_count = instructions(environment.python, floor_args, environment.floor_paths, endpoint)
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
    """The garbage collector's pause at cold start (operations_api/coldstart.py), measured: the handler
    as shipped against the same handler whose gc.disable() does nothing, interleaved, and in instructions."""
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


def powertools_modules(environment: Environment, endpoint: str, files: Path) -> dict[str, Any]:
    """The Powertools modules each handler's cold start loads, against those that importing the event
    handler package brings by itself (its `__init__`s import every resolver, Logger, Metrics and Tracer):
    what is left is what the handler asked for."""
    package = set(
        json.loads(
            subprocess.run(
                [environment.python, "-s", *probe("powertools_package")],
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
