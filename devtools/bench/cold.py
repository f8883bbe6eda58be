"""Suite "cold": fresh processes serving a first request, against the floor's one DynamoDB call; what they
are made of (devtools/bench/anatomy.py), their memory, and the built layer's size.

The floor is what the contract cannot do without: a bare boto3 process making the same single DynamoDB
call, against the same local DynamoDB (dynalite where npm has installed it, else moto's server).
"""

from __future__ import annotations

import json
import platform
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from devtools.bench.fresh import (
    RUNTIME,
    Environment,
    against_floor,
    dynamodb_service,
    environments,
    event_for,
    floor_request,
    local_dynamodb,
    probe,
    record_with,
    run_fresh,
)
from devtools.template import ROOT, load_template

FUNCTIONS = {"PUT": "PutOperationFunction", "GET": "GetOperationFunction"}


def measure(quick: bool) -> dict[str, Any]:
    from devtools.bench import anatomy  # it builds on this module's processes

    pairs = 1 if quick else 15
    with (
        tempfile.TemporaryDirectory(prefix="bench-cold-") as scratch,
        local_dynamodb() as (endpoint, backend),
    ):
        work, envs = Path(scratch), environments(quick)
        artifact = envs[1] if len(envs) > 1 else envs[0]
        count = not quick
        # PUT first: it stores what the GET reads
        rows = [
            cold_start(env, method, endpoint, work, pairs, count) for env in envs for method in ("PUT", "GET")
        ]
        return {
            "pairs": pairs,
            "runtime": RUNTIME,
            "backend": backend,
            "layer_arch": load_template().parameter_default("Architecture"),
            "development_python": platform.python_version(),
            "rows": rows,
            "memory": memory(artifact, endpoint, work),
            "layer": layer_size(ROOT / ".aws-sam" / "build" / "OperationsLayer" / "python", work),
            **anatomy.measure(envs[0], artifact, endpoint, work, pairs, count),
        }


def first_request_args(environment: Environment, method: str, files: Path, *options: str) -> list[str]:
    """A fresh process's arguments: import the route's handler, serve its first request (one cluster)."""
    event_file = files / f"{method}-event.json"
    event_file.write_text(json.dumps(event_for(method, record_with(1))))
    return probe(
        "first_request", str(environment.function_root / FUNCTIONS[method]), str(event_file), "0", *options
    )


def floor_file(method: str, files: Path) -> Path:
    """The floor's request for the route, one cluster, in a file for its process."""
    path = files / f"{method}-floor.json"
    path.write_text(json.dumps(floor_request(method, record_with(1))))
    return path


def cold_start(
    environment: Environment, method: str, endpoint: str, files: Path, pairs: int, count: bool
) -> dict[str, Any]:
    """A route's first request in fresh processes against the floor's (PUT first: it stores what the GET
    reads)."""
    handler_args = first_request_args(environment, method, files)
    floor_args = probe("floor", str(floor_file(method, files)))
    service, floor_path = dynamodb_service(endpoint), environment.floor_paths
    measured = against_floor(environment, handler_args, floor_args, floor_path, service, pairs, count)
    return {"environment": environment.name, "method": method, **measured}


def memory(environment: Environment, endpoint: str, files: Path) -> list[dict[str, Any]]:
    """Peak RSS of a fresh process that serves a first request and 20 more, per function."""
    rows = []
    for method, function in FUNCTIONS.items():
        event_file = files / f"{method}-memory-event.json"
        event_file.write_text(json.dumps(event_for(method, record_with(50))))
        args = probe("first_request", str(environment.function_root / function), str(event_file), "20")
        _, facts = run_fresh(environment.python, args, environment.layer_paths, dynamodb_service(endpoint))
        rows.append(
            {"function": function, "max_rss_mb": facts["max_rss_kb"] / 1024, "modules": facts["modules"]}
        )
    return rows


def layer_size(layer: Path, work: Path) -> dict[str, float]:
    """The built layer's size, unzipped and zipped (`make build`'s; zero where it has not run)."""
    archive = work / "layer.zip"
    unzipped = 0
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
        for path in sorted(layer.rglob("*")):
            if path.is_file():
                unzipped += path.stat().st_size
                bundle.write(path, path.relative_to(layer.parent))
    return {"unzipped_mb": unzipped / 1e6, "zipped_mb": archive.stat().st_size / 1e6}
