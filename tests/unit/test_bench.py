"""`make bench` measures what it says it measures, and the committed report is what its figures say.

The benchmark itself gates nothing (its timings are noisy here); these tests check its logic instead.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from devtools import bench
from devtools.template import ROOT


def test_the_committed_report_is_what_the_committed_figures_say() -> None:
    """docs/performance.md is generated from docs/performance.json, never edited by hand: after a change
    to the report's text, `python -m devtools.bench --report-only` brings it back in step."""
    facts = json.loads((bench.DOCS / "performance.json").read_text(encoding="utf-8"))
    assert bench.render(facts) == (bench.DOCS / "performance.md").read_text(encoding="utf-8")


def first_request(function: str, event: str, *options: str) -> dict[str, object]:
    """The benchmark's own cold-start process, run on the source tree against a closed port (a 503)."""
    environment = {
        **os.environ,
        "PYTHONPATH": str(ROOT / "layers" / "operations"),
        "TABLE_NAME": "operations",
        "DYNAMODB_ENDPOINT_URL": "http://127.0.0.1:9",
        "DYNAMODB_MAX_ATTEMPTS": "1",
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    answer = subprocess.run(
        [
            sys.executable,
            "-c",
            bench.HANDLER_SCRIPT,
            *[str(ROOT / "functions" / function), event, "0"],
            *options,
        ],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert answer.returncode == 0, answer.stderr[-2000:]
    facts: dict[str, object] = json.loads(answer.stdout)
    return facts


def test_the_collector_pause_is_compared_with_a_handler_that_really_collects() -> None:
    event = str(ROOT / "events" / "get_operation.json")
    shipped = first_request("get_operation", event)
    collecting = first_request("get_operation", event, "collector-on")
    assert (shipped["status"], collecting["status"]) == (503, 503)
    assert shipped["collector_paused_at_import"] is True
    assert collecting["collector_paused_at_import"] is False


def test_the_botocore_floor_makes_the_call_as_the_store_does_and_pauses_the_collector() -> None:
    assert "boto3" not in bench.BOTOCORE_FLOOR_SCRIPT.replace("botocore", "")
    assert bench.BOTOCORE_FLOOR_SCRIPT.index("gc.disable()") < bench.BOTOCORE_FLOOR_SCRIPT.index("__import__")


def test_linear_time_is_told_from_time_growing_with_the_square_of_the_size() -> None:
    sizes = [0.7, 8.4, 63.4]
    line = bench.per_kib(sizes, [2.0 + 0.5 * size for size in sizes])
    assert line == [pytest.approx(0.5), pytest.approx(0.5)]
    square = bench.per_kib(sizes, [size**2 for size in sizes])
    assert square[-1] / square[0] == pytest.approx(bench.quadratic_growth(sizes))
    assert bench.quadratic_growth(sizes) > 3 * bench.LINEAR_GROWTH_LIMIT, "a square is far past the limit"


def test_percentiles_are_taken_from_the_samples() -> None:
    samples = [float(value) for value in range(1, 101)]
    assert bench.percentile(samples, 0.5) == 50.0
    assert bench.percentile(samples, 0.99) == 99.0
    assert bench.percentile([7.0], 0.99) == 7.0


def test_a_target_is_passed_or_missed_by_how_much() -> None:
    assert bench.verdict(1.25, 1.3) == "**pass** (1.25x ≤ 1.3x)"
    assert bench.verdict(1.44, 1.3) == "**miss** by 0.14x (1.44x > 1.3x)"


def test_code_a_decomposition_row_runs_is_shown_on_one_line() -> None:
    (code,) = next(modules for name, modules in bench.LIBRARIES_ALONE if "one string field" in name)
    assert bench._shown(code) == "from pydantic import BaseModel; class One(BaseModel): value: str"
    assert bench._shown("operations_api.models") == "operations_api.models"


def test_the_layer_size_counts_every_file_unzipped_and_the_archive(tmp_path: Path) -> None:
    layer = tmp_path / "python"
    (layer / "package").mkdir(parents=True)
    (layer / "package" / "module.py").write_text("x = 1\n" * 1000)
    size = bench.layer_size(layer, tmp_path)
    assert size["unzipped_mb"] == pytest.approx(6000 / 1e6)
    assert 0 < size["zipped_mb"] < size["unzipped_mb"]
