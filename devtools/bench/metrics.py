"""Suite "metrics": the API functions' cold starts as they are and with `metrics` and `snapstart` replaced by
stand-ins (probes/stand_in_*.py); one `metrics.count` and SnapStart's after-restore hook, warm."""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

from devtools.bench.cold import Processes, cold_start
from devtools.bench.fresh import COMPILE, PROBES, Environment, dynamodb_service, environments, local_dynamodb
from devtools.bench.warm import percentile, timed

STAND_INS = ("metrics", "snapstart")


def measure(quick: bool) -> dict[str, Any]:
    pairs, counts, restores, count = (1, 50, 3, False) if quick else (15, 5_000, 30, True)
    with tempfile.TemporaryDirectory(prefix="bench-metrics-") as scratch, local_dynamodb() as (endpoint, _):
        work = Path(scratch)
        rows = []
        for environment in [env for env in environments(quick) if "no bytecode" not in env.name]:
            shipped, stood_in = (
                Processes(environment, dynamodb_service(endpoint), work),
                without_metrics(environment, endpoint, work),
            )
            for method in ("PUT", "GET"):  # PUT first: it stores what the GET reads
                rows.append(
                    compared(*(cold_start(each, method, pairs, count) for each in (shipped, stood_in)))
                )
        return {
            "counts": counts,
            "restores": restores,
            "rows": rows,
            "count_us": count_cost_microseconds(counts),
            "restore_ms": restore_cost_milliseconds(restores),
        }


def without_metrics(environment: Environment, endpoint: str, work: Path) -> Processes:
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
    stood_in = Environment(environment.name, environment.python, [copy, *rest], environment.function_root)
    return Processes(stood_in, dynamodb_service(endpoint), work)


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


def compared(shipped: dict[str, Any], stood_in: dict[str, Any]) -> dict[str, Any]:
    """A cold start with the metrics against the same without them (same environment and route)."""
    handler, without = shipped["handler_instructions"], stood_in["handler_instructions"]
    counted = bool(handler and without)
    return {
        "environment": shipped["environment"],
        "method": shipped["method"],
        "ratio": shipped["ratio"],
        "ratio_without": stood_in["ratio"],
        "modules": shipped["modules"] - stood_in["modules"],
        "instructions_added": handler / without - 1 if counted else None,
        "ratio_instructions": handler / shipped["floor_instructions"] if counted else None,
    }
