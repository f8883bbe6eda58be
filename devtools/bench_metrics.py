"""`make bench` suite: what the business metrics (and the SnapStart hooks' registration) cost.

Cold start with the API bench's own probe (`devtools.bench.cold.cold_start`: interleaved pairs of fresh
processes, the handler's first request against the floor's one DynamoDB call), run twice on the same code:
as it is, and with `operations_api.metrics` and `operations_api.snapstart` replaced by stand-ins that do
nothing.
The first request of a PUT is an accepted write, so it prints one EMF line. Then, in this process, what one
`metrics.count` costs a warm request. Writes the "metrics" section of docs/performance.md.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import tempfile
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

from devtools.bench.cold import cold_start
from devtools.bench.fresh import Environment, environments, local_dynamodb
from devtools.bench.plan import TABLE
from devtools.bench.warm import percentile, timed
from devtools.bench_sections import replace_section

SECTION = "metrics"
COUNTS = 5_000
RESTORES = 30
STAND_INS = {
    "metrics.py": '"""bench_metrics: the metrics, counting nothing."""\n\n\n'
    "def __getattr__(name: str) -> str:\n    return name\n\n\n"
    "def count(*args: object, **kwargs: object) -> None:\n    return None\n",
    "snapstart.py": '"""bench_metrics: no runtime hooks."""\n\n\n'
    "def register_hooks(*clients: object) -> bool:\n    return False\n",
}


def without_metrics(environment: Environment, work: Path) -> Environment:
    """The same environment, its layer copied with the stand-ins in place (compiled like the rest of the
    built layer where it ships bytecode)."""
    layer, *rest = environment.layer_paths
    copy = work / f"without-metrics-{len(list(work.iterdir()))}"
    shutil.copytree(layer, copy, symlinks=True)
    package = copy / "operations_api"
    for name, text in STAND_INS.items():
        for compiled in (package / "__pycache__").glob(f"{Path(name).stem}.*.pyc"):
            compiled.unlink()
        (package / name).write_text(text, encoding="utf-8")
        if (package / "__pycache__").exists():
            command = [environment.python, "-m", "compileall", "-q", "--invalidation-mode", "unchecked-hash"]
            subprocess.run([*command, str(package / name)], check=True)
    return Environment(
        f"{environment.name}, metrics stood in", environment.python, [copy, *rest], environment.function_root
    )


def count_cost_microseconds() -> float:
    """One `metrics.count` with a breakdown (an accepted write's), EMF line printed to a buffer, median."""
    from operations_api import metrics

    with redirect_stdout(io.StringIO()):
        samples = timed(lambda: metrics.count(metrics.ACCEPTED_WRITES, breakdown="succeeded"), COUNTS)
    return percentile(samples, 0.5) * 1000


def restore_cost_milliseconds() -> dict[str, float]:
    """What `snapstart.after_restore` costs (a client from the snapshot's session), against a client made
    from a new session (what clearing the client's cache alone would cost), medians in this process."""
    import botocore.session

    from operations_api import snapstart
    from operations_api.settings import get_settings

    os.environ.setdefault("TABLE_NAME", TABLE)
    snapstart.before_snapshot()
    region = get_settings().region

    def from_new_session() -> None:
        botocore.session.get_session().create_client("dynamodb", region_name=region)

    return {
        "after_restore": percentile(timed(snapstart.after_restore, RESTORES), 0.5),
        "new_session": percentile(timed(from_new_session, RESTORES), 0.5),
    }


def rows_of(cold: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Pairs each cold start with metrics to the one without: same environment and method."""
    without = {
        (row["environment"].removesuffix(", metrics stood in"), row["method"]): row
        for row in cold
        if row["environment"].endswith(", metrics stood in")
    }
    rows = []
    for row in cold:
        before = without.get((row["environment"], row["method"]))
        if before is None:
            continue
        row_facts = {
            "environment": row["environment"],
            "method": row["method"],
            "ratio": row["ratio"],
            "ratio_without": before["ratio"],
            "modules": row["modules"] - before["modules"],
        }
        if "handler_instructions" in row and "handler_instructions" in before:
            row_facts["instructions_added"] = row["handler_instructions"] / before["handler_instructions"] - 1
            row_facts["ratio_instructions"] = row["handler_instructions"] / row["floor_instructions"]
        rows.append(row_facts)
    return rows


def render(rows: list[dict[str, Any]], count_us: float, restore: dict[str, float]) -> str:
    lines = [
        "## What the metrics cost",
        "",
        "Measured by `python -m devtools.bench_metrics` with the API bench's cold-start probe",
        "(devtools/bench/cold.py): each handler's first request against the floor, with",
        "`operations_api.metrics` and `operations_api.snapstart` as they are, and with stand-ins that do",
        "nothing. Powertools' package imports its Metrics with the event handler, so the metrics import no",
        "library the handlers did not already load.",
        "",
        "| environment | route | cold start / floor | without metrics | library modules added "
        "| instructions added |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows:
        added = f"{row['instructions_added']:+.1%}" if "instructions_added" in row else "n/a"
        counted = (
            f" ({row['ratio_instructions']:.2f}x in instructions)" if "ratio_instructions" in row else ""
        )
        lines.append(
            f"| {row['environment']} | {row['method']} | {row['ratio']:.2f}x{counted} | "
            f"{row['ratio_without']:.2f}x | {row['modules']:+d} | {added} |"
        )
    lines += [
        "",
        f"One `metrics.count` (one EMF line printed), warm: {count_us:.1f} µs (median of {COUNTS:,}).",
        "",
        "SnapStart's after-restore hook (`snapstart.after_restore`: reseed, a new client from the snapshot's"
        f" botocore session): {restore['after_restore']:.1f} ms; a client from a new session instead:"
        f" {restore['new_session']:.1f} ms (medians of {RESTORES}, in this process).",
    ]
    return "\n".join(lines)


def main() -> int:
    with (
        tempfile.TemporaryDirectory(prefix="bench-metrics-") as scratch,
        local_dynamodb() as (endpoint, _),
    ):
        work = Path(scratch)
        built = environments(work)
        measured = [built[0], *[env for env in built if "with bytecode" in env.name]]
        stand_ins = work / "stand-ins"
        stand_ins.mkdir()
        cold = [
            cold_start(env, method, endpoint, work)
            for environment in measured
            for env in (environment, without_metrics(environment, stand_ins))
            for method in ("PUT", "GET")
        ]
    markdown = render(rows_of(cold), count_cost_microseconds(), restore_cost_milliseconds())
    replace_section(SECTION, markdown)
    print(markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
