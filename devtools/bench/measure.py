"""One run of every measurement, into the facts docs/performance.json keeps."""

from __future__ import annotations

import os
import platform
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from devtools.bench.cold import cold_start, collector_pause, development_bytecode, powertools_modules
from devtools.bench.footprint import layer_size, memory
from devtools.bench.fresh import Environment, environments, local_dynamodb
from devtools.bench.libraries import boto3_cost, libraries_alone, source_compilation
from devtools.bench.plan import RUNTIME
from devtools.bench.warm import warm
from devtools.template import ROOT, load_template


def measure() -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-") as scratch, local_dynamodb() as (endpoint, backend):
        work = Path(scratch)
        envs = environments(work)
        # PUT first: it stores what the GET reads
        cold = [cold_start(env, method, endpoint, work) for env in envs for method in ("PUT", "GET")]
        rows = warm(endpoint)
        artifact = envs[1] if len(envs) > 1 else envs[0]
        layer = ROOT / ".aws-sam" / "build" / "OperationsLayer"
        return {
            "cold": cold,
            "warm": rows,
            "memory": memory(artifact, endpoint, work),
            "backend": backend,
            "layer_arch": load_template().parameter_default("Architecture"),
            "machine": machine(envs),
            "development_python": platform.python_version(),
            "development_bytecode": development_bytecode(envs[0], endpoint, work),
            "collector_pause": collector_pause(artifact, endpoint, work),
            "powertools_modules": powertools_modules(artifact, endpoint, work),
            "source_compilation": source_compilation(artifact, endpoint, work),
            "boto3_ms": boto3_cost(artifact, endpoint),
            "libraries_alone": libraries_alone(artifact, endpoint, work),
            "layer": layer_size(layer / "python", work),
        }


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
