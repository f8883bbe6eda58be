"""The metrics benchmark's logic on tiny inputs: its stand-ins, its pairing of runs, its report."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from devtools import bench_metrics
from devtools.bench.fresh import Environment
from devtools.template import ROOT


def test_the_stand_ins_replace_the_metrics_and_hooks_in_a_copy_and_count_nothing(tmp_path: Path) -> None:
    source = Environment("development", sys.executable, [ROOT / "layers" / "operations"], tmp_path)
    stood_in = bench_metrics.without_metrics(source, tmp_path)
    layer = stood_in.layer_paths[0]
    assert layer != ROOT / "layers" / "operations"
    assert (ROOT / "layers" / "operations" / "operations_api" / "metrics.py").read_text().count(
        "def count"
    ) == 1
    probe = (
        "import json; from operations_api import api, metrics, snapstart; "
        "metrics.count(metrics.ACCEPTED_WRITES, breakdown='failed'); "
        "print(json.dumps([metrics.REFUSED_WRITES, snapstart.register_hooks()]))"
    )
    answer = subprocess.run(
        [sys.executable, "-c", probe],
        env={"PYTHONPATH": str(layer)},
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(answer.stdout) == ["REFUSED_WRITES", False], "no EMF line printed, no hook registered"


def cold(environment: str, method: str, ratio: float, modules: int, instructions: int) -> dict[str, object]:
    return {
        "environment": environment,
        "method": method,
        "ratio": ratio,
        "modules": modules,
        "handler_instructions": instructions,
        "floor_instructions": 1000,
    }


def test_each_run_is_paired_with_its_stand_in_run_and_reported() -> None:
    rows = bench_metrics.rows_of(
        [
            cold("built", "PUT", 1.2, 500, 1100),
            cold("built, metrics stood in", "PUT", 1.1, 498, 1000),
            cold("built", "GET", 1.1, 490, 1050),
        ]
    )
    assert rows == [
        {
            "environment": "built",
            "method": "PUT",
            "ratio": 1.2,
            "ratio_without": 1.1,
            "modules": 2,
            "instructions_added": 0.10000000000000009,
            "ratio_instructions": 1.1,
        }
    ]
    report = bench_metrics.render(rows, 12.5, {"after_restore": 3.0, "new_session": 60.0})
    assert "| built | PUT | 1.20x (1.10x in instructions) | 1.10x | +2 | +10.0% |" in report
    assert "12.5 µs" in report
    assert "3.0 ms; a client from a new session instead: 60.0 ms" in report
