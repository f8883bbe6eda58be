"""Suite "cold": fresh processes serving a first request, against the floors' (botocore's and boto3's),
which make the same DynamoDB calls; what they are made of, their memory, the built layer's size.
docs/performance.md, "Cold start", says what each floor is and why."""

from __future__ import annotations

import json
import os
import platform
import shutil
import statistics
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devtools.bench import history
from devtools.bench.fresh import (
    COMPILE,
    RUNTIME,
    TABLE,
    Environment,
    Fresh,
    against,
    against_floors,
    dynamodb_service,
    environments,
    local_dynamodb,
    probe,
)
from devtools.template import ROOT, load_template
from tests.support.events import get_event, load_event, put_event
from tests.support.records import full_record

# Every function on a request's path, by route, measured against the floors (PUT first: it stores what
# the GET reads); a new one is a line here and its event in event_for (its floor makes the calls it makes).
FUNCTIONS = {
    "PUT": "PutOperationFunction",
    "GET": "GetOperationFunction",
    "LIST": "ListOperationsFunction",
    "COUNTS": "CountOperationsFunction",
    "HISTORY": "GetHistoryFunction",
}
HISTORY_VERSIONS = 3  # the history event asks for a page of 2: a token to the next page is made too
FLOORS = {"botocore": ["botocore"], "boto3": []}  # probes/floor.py's ways: the first is the target's
POWERTOOLS_HTTP = ["aws_lambda_powertools.logging", "aws_lambda_powertools.event_handler.api_gateway"]
# (name, probes/floor.py's way, modules imported first): the first row makes its client as the botocore
# floor does, the others as the functions do (operations_api.clients)
LIBRARIES_ALONE: tuple[tuple[str, str, list[str]], ...] = (
    ("the floor's client: the call alone, no library", "botocore", []),
    ("the functions' client: the call alone, no library", "functions", []),
    (
        "the record's validator: the schema generated from the models, compiled into plain Python"
        " (what validating a PUT body needs)",
        "functions",
        ["operations_api.record.validation"],
    ),
    (
        "Powertools' Logger and HTTP API resolver, without validation (what the GET needs)",
        "functions",
        POWERTOOLS_HTTP,
    ),
    (
        "both (what the PUT needs), and none of this project's code but the validator and the client",
        "functions",
        ["operations_api.record.validation", *POWERTOOLS_HTTP],
    ),
)


def record_with(clusters: int) -> dict[str, Any]:
    """The full fixture record, with `clusters` target clusters."""
    record = full_record()
    template = record["target_clusters"][0]
    clustered = [{**template, "cluster_id": f"cluster-{index:04d}"} for index in range(clusters)]
    return {**record, "target_clusters": clustered, "operation_id": f"bench-{clusters}"}


def event_for(method: str, record: dict[str, Any]) -> dict[str, Any]:
    if method == "LIST":
        return load_event("list_operations")
    if method == "COUNTS":
        return load_event("count_operations")
    if method == "HISTORY":
        return load_event("get_history")
    return put_event(record) if method == "PUT" else get_event(record["operation_id"])


def get_request(record: dict[str, Any]) -> dict[str, Any]:
    """The GET's one DynamoDB call for the record, as a floor handler makes it (the warm suite)."""
    return {
        "TableName": TABLE,
        "Key": {"operation_id": {"S": record["operation_id"]}},
        "ConsistentRead": True,
    }


def stored_history() -> None:
    """The operation the history event reads, stored with its history (HISTORY_VERSIONS entries)."""
    from operations_api import store

    operation_id = load_event("get_history")["pathParameters"]["operation_id"]
    history.stored_history(store.dynamodb_client(), operation_id, HISTORY_VERSIONS)


@dataclass
class Processes:
    """The fresh processes of one environment and the services they use, their input in `files`."""

    environment: Environment
    service: dict[str, str]
    files: Path
    recorded: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def handler(self, method: str, *options: str, clusters: int = 1, repeats: int = 0) -> Fresh:
        """Import the route's handler, serve its first request (and `repeats` more)."""
        event = self.written(f"{method}-{clusters}-event", event_for(method, record_with(clusters)))
        function = str(self.environment.function_root / FUNCTIONS[method])
        return self.fresh(probe("first_request", function, event, str(repeats), *options))

    def floor(self, method: str, *options: str, path: list[Path] | None = None) -> Fresh:
        """The floor for the route: the DynamoDB calls its handler's first request made (one cluster), one
        after the other; `botocore MODULE...` after importing the MODULEs (then on the layer's path)."""
        request = self.written(f"{method}-floor", {"service": "dynamodb", "calls": self.calls(method)})
        return self.fresh(probe("floor", request, *options), path or self.environment.floor_paths)

    def calls(self, method: str) -> list[dict[str, Any]]:
        """The DynamoDB calls the route's handler makes on its first request, recorded once."""
        if method not in self.recorded:
            calls = self.handler(method, "record-calls").facts()[1]["calls"]
            assert calls, f"the {method} handler made no DynamoDB call"
            self.recorded[method] = calls
        return self.recorded[method]

    def written(self, name: str, data: dict[str, Any]) -> str:
        """The file of a process's input."""
        (self.files / f"{name}.json").write_text(json.dumps(data))
        return str(self.files / f"{name}.json")

    def fresh(self, args: list[str], path: list[Path] | None = None) -> Fresh:
        return Fresh(self.environment.python, args, path or self.environment.layer_paths, self.service)


def cold_start(processes: Processes, method: str, pairs: int, count: bool) -> dict[str, Any]:
    """A route's first request in fresh processes against the floors' (interleaved)."""
    floors = {name: processes.floor(method, *way) for name, way in FLOORS.items()}
    measured = against_floors(processes.handler(method), floors, pairs, count)
    return {"environment": processes.environment.name, "method": method, **measured}


def measure(quick: bool) -> dict[str, Any]:
    pairs, count = (1, False) if quick else (15, True)
    with (
        tempfile.TemporaryDirectory(prefix="bench-cold-") as scratch,
        local_dynamodb() as (endpoint, backend),
    ):
        stored_history()
        envs = environments(quick)
        each = [Processes(env, dynamodb_service(endpoint), Path(scratch)) for env in envs]
        artifact = each[1] if len(each) > 1 else each[0]
        rows = [cold_start(processes, method, pairs, count) for processes in each for method in FUNCTIONS]
        return {
            "pairs": pairs,
            "runtime": RUNTIME,
            "backend": backend,
            "layer_arch": load_template().parameter_default("Architecture"),
            "development_python": platform.python_version(),
            "rows": rows,
            "memory": memory(artifact),
            "layer": layer_size(ROOT / ".aws-sam" / "build" / "OperationsLayer" / "python", Path(scratch)),
            "development_bytecode": development_bytecode(each[0], count),
            "collector_pause": collector_pause(artifact, pairs, count),
            "powertools_modules": powertools_modules(artifact),
            "source_compilation": source_compilation(artifact, count),
            "boto3_ms": boto3_cost(artifact, 7 if count else 2),
            "libraries_alone": libraries_alone(artifact, pairs, count),
        }


def memory(processes: Processes) -> list[dict[str, Any]]:
    """Peak RSS of a fresh process that serves a first request and 20 more, per function."""
    rows = []
    for method, function in FUNCTIONS.items():
        _, facts = processes.handler(method, clusters=50, repeats=20).facts()
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


def development_bytecode(development: Processes, count: bool) -> int | None:
    """What compiling this project's source costs a development cold start: the PUT's instructions with a
    precompiled copy of its modules (the tree itself stays clean), to set against the development row's."""
    environment, copy = development.environment, development.files / "development-precompiled"
    shutil.copytree(ROOT / "layers" / "operations" / "operations_api", copy / "layer" / "operations_api")
    for function in load_template().functions.values():
        shutil.copytree(function.code_dir, copy / "functions" / function.logical_id)
    written = {**os.environ, "PYTHONDONTWRITEBYTECODE": ""}
    subprocess.run([environment.python, *COMPILE, str(copy)], check=True, env=written)
    paths = [copy / "layer", *environment.layer_paths[1:]]
    precompiled = Environment(environment.name, environment.python, paths, copy / "functions")
    return Processes(precompiled, development.service, development.files).handler("PUT").instructions(count)


def collector_pause(processes: Processes, pairs: int, count: bool) -> list[dict[str, Any]]:
    """The garbage collector's pause at cold start (operations_api/coldstart.py), measured: the handler
    as shipped against the same handler whose gc.disable() does nothing, interleaved, and in instructions."""
    rows = []
    for method in ("PUT", "GET"):
        paused, collecting = processes.handler(method), processes.handler(method, "collector-on")
        rows.append(
            {
                "method": method,
                **against(paused, collecting, pairs),
                "paused_instructions": paused.instructions(count),
                "collecting_instructions": collecting.instructions(count),
            }
        )
    return rows


def powertools_modules(processes: Processes) -> dict[str, Any]:
    """The Powertools modules each handler's cold start loads, against those that importing the event
    handler package brings by itself (its `__init__`s import every resolver, Logger, Metrics and Tracer):
    what is left is what the handler asked for."""
    listing = processes.fresh(probe("powertools_package"))
    package = set(listing.facts()[1]["modules"])
    found: dict[str, Any] = {"package": len(package)}
    for method in ("PUT", "GET"):
        loaded = set(processes.handler(method).facts()[1]["powertools"])
        found[method] = {
            "loaded": len(loaded),
            "with_the_package": len(loaded & package),
            "beyond_the_package": sorted(loaded - package),
        }
    return found


def source_compilation(processes: Processes, count: bool) -> list[dict[str, Any]]:
    """Each cold start's instructions in CPython's parser and compiler, against the floor's, and who
    wrote the source text they compiled."""
    rows = []
    for name, process in (("floor", processes.floor), ("PUT", processes.handler), ("GET", processes.handler)):
        method = "GET" if name == "floor" else name
        made = process(method, "count-compiled").facts()[1]["made"]
        rows.append({"process": name, "instructions": process(method).compiling(count), "made": made})
    return rows


def libraries_alone(processes: Processes, pairs: int, count: bool) -> list[dict[str, Any]]:
    """The GET's call through botocore with the handlers' libraries imported first (the ordinary way), its
    client made as the floor's or as the functions' (LIBRARIES_ALONE), against the boto3 floor."""
    bare = processes.floor("GET")
    bare_count = bare.instructions(count)
    rows = []
    for name, way, modules in LIBRARIES_ALONE:
        loaded = processes.floor("GET", way, *modules, path=processes.environment.layer_paths)
        counted = loaded.instructions(count)
        rows.append(
            {
                "name": name,
                "modules": modules,
                **against(loaded, bare, pairs),
                "instructions_ratio": counted / bare_count if counted and bare_count else None,
            }
        )
    return rows


def boto3_cost(processes: Processes, runs: int) -> float:
    """What importing boto3's attribute converters would add after the handler's own imports: the saving
    of the store's hand-written conversion."""
    cost = processes.handler("GET", "boto3-cost")
    return statistics.median(float(cost.facts()[1]["boto3_ms"]) for _ in range(runs))
