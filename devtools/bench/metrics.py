"""Suite "metrics": what the business metrics (and the SnapStart hooks' registration) cost: the API
functions' cold starts (cold.py) as they are and with `operations_api.metrics` and `operations_api.snapstart`
replaced by stand-ins that do nothing (probes/stand_in_*.py); then, in this process, one `metrics.count`
and SnapStart's after-restore hook.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

from devtools.bench.cold import Processes, cold_start
from devtools.bench.fresh import COMPILE, PROBES, Environment, environments, local_dynamodb
from devtools.bench.warm import percentile, timed

STAND_INS = ("metrics", "snapstart")
STOOD_IN = ", metrics stood in"


def measure(quick: bool) -> dict[str, Any]:
    pairs, counts, restores = (1, 50, 3) if quick else (15, 5_000, 30)
    with tempfile.TemporaryDirectory(prefix="bench-metrics-") as scratch, local_dynamodb() as (endpoint, _):
        work = Path(scratch)
        measured = [env for env in environments(quick) if "no bytecode" not in env.name]
        cold = [
            cold_start(Processes(env, endpoint, work), method, pairs, not quick)
            for environment in measured
            for env in (environment, without_metrics(environment, work))
            for method in ("PUT", "GET")
        ]
        return {
            "counts": counts,
            "restores": restores,
            "rows": rows_of(cold),
            "count_us": count_cost_microseconds(counts),
            "restore_ms": restore_cost_milliseconds(restores),
        }


def without_metrics(environment: Environment, work: Path) -> Environment:
    """The same environment, its layer copied with the stand-ins in place (compiled like the rest of the
    built layer where it ships bytecode)."""
    layer, *rest = environment.layer_paths
    copy = work / f"without-metrics-{len(list(work.iterdir()))}"
    shutil.copytree(layer, copy, symlinks=True)
    package = copy / "operations_api"
    for name in STAND_INS:
        for compiled in (package / "__pycache__").glob(f"{name}.*.pyc"):
            compiled.unlink()
        shutil.copyfile(PROBES / f"stand_in_{name}.py", package / f"{name}.py")
        if (package / "__pycache__").exists():
            subprocess.run([environment.python, *COMPILE, str(package / f"{name}.py")], check=True)
    name = f"{environment.name}{STOOD_IN}"
    return Environment(name, environment.python, [copy, *rest], environment.function_root)


def count_cost_microseconds(counts: int) -> float:
    """One `metrics.count` with a breakdown (an accepted write's), EMF line printed to a buffer, median."""
    from operations_api import metrics

    with redirect_stdout(io.StringIO()):
        samples = timed(lambda: metrics.count(metrics.ACCEPTED_WRITES, breakdown="succeeded"), counts)
    return percentile(samples, 0.5) * 1000


def restore_cost_milliseconds(restores: int) -> dict[str, float]:
    """What `snapstart.after_restore` costs (a client from the snapshot's session), against a client made
    from a new session (what clearing the client's cache alone would cost), medians in this process."""
    import botocore.session

    from operations_api import snapstart
    from operations_api.settings import get_settings

    snapstart.before_snapshot()
    region = get_settings().region

    def from_new_session() -> None:
        botocore.session.get_session().create_client("dynamodb", region_name=region)

    return {
        "after_restore": percentile(timed(snapstart.after_restore, restores), 0.5),
        "new_session": percentile(timed(from_new_session, restores), 0.5),
    }


def rows_of(cold: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Pairs each cold start with metrics to the one without: same environment and method."""
    by_key = {(row["environment"], row["method"]): row for row in cold}
    rows = []
    for row in cold:
        before = by_key.get((row["environment"] + STOOD_IN, row["method"]))
        if before is None:
            continue
        counted = row["handler_instructions"] and before["handler_instructions"]
        rows.append(
            {
                "environment": row["environment"],
                "method": row["method"],
                "ratio": row["ratio"],
                "ratio_without": before["ratio"],
                "modules": row["modules"] - before["modules"],
                "instructions_added": row["handler_instructions"] / before["handler_instructions"] - 1
                if counted
                else None,
                "ratio_instructions": row["handler_instructions"] / row["floor_instructions"]
                if counted
                else None,
            }
        )
    return rows
