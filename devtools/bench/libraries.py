"""What the handlers' libraries cost by themselves, and what compiling source text at run time costs."""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

from devtools.bench.cold import first_request_args, floor_file
from devtools.bench.fresh import Environment, compiled_at_run_time, instructions, probe, run_fresh
from devtools.bench.plan import PAIRS


def source_compilation(environment: Environment, endpoint: str, files: Path) -> list[dict[str, Any]]:
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
        _, counted = run_fresh(environment.python, counting, path, endpoint)
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
        "the record's validator: pydantic-core with the schema generated from the models"
        " (what validating a PUT body needs)",
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
    request = str(floor_file("GET", files))
    bare = probe("floor", request)
    bare_count = instructions(environment.python, bare, environment.floor_paths, endpoint)
    rows = []
    for name, modules in LIBRARIES_ALONE:
        loaded = probe("floor", request, "botocore", *modules)
        ratios = []
        for _ in range(PAIRS):
            with_libraries, _ = run_fresh(environment.python, loaded, environment.layer_paths, endpoint)
            floor_ms, _ = run_fresh(environment.python, bare, environment.floor_paths, endpoint)
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


def boto3_cost(environment: Environment, endpoint: str) -> float:
    """What importing boto3's attribute converters would add after the handler's own imports: the saving
    of the store's hand-written conversion."""
    args = probe("boto3_cost", str(environment.function_root / "GetOperationFunction"))
    samples = [run_fresh(environment.python, args, environment.layer_paths, endpoint)[1] for _ in range(7)]
    return statistics.median(float(sample["boto3_ms"]) for sample in samples)
