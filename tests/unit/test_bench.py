"""`make bench` measures what it says it measures, and the committed report is what its figures say.

The benchmark itself gates nothing (its timings are noisy here); these tests check its logic instead.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from devtools import bench
from devtools.bench_sections import without_sections
from devtools.template import ROOT
from tests.conftest import closed_store_environment


def test_the_committed_report_is_what_the_committed_figures_say() -> None:
    """docs/performance.md is generated from docs/performance.json, never edited by hand: after a change
    to the report's text, `python -m devtools.bench --report-only` brings it back in step."""
    facts = json.loads((bench.DOCS / "performance.json").read_text(encoding="utf-8"))
    page = (bench.DOCS / "performance.md").read_text(encoding="utf-8")
    assert bench.render(facts) == without_sections(page), "the other suites' sections aside"


def first_request(function: str, event: str, *options: str) -> dict[str, Any]:
    """The benchmark's own cold-start process, run on the source tree against a closed port (a 503)."""
    arguments = [str(ROOT / "functions" / function), event, "0", *options]
    answer = subprocess.run(
        [sys.executable, "-c", bench.HANDLER_SCRIPT, *arguments],
        env=closed_store_environment(ROOT / "layers" / "operations"),
        capture_output=True,
        text=True,
        check=False,
    )
    assert answer.returncode == 0, answer.stderr[-2000:]
    facts: dict[str, Any] = json.loads(answer.stdout)
    return facts


def test_the_collector_pause_is_compared_with_a_handler_that_really_collects() -> None:
    event = str(ROOT / "events" / "get_operation.json")
    shipped = first_request("get_operation", event)
    collecting = first_request("get_operation", event, "collector-on")
    assert (shipped["status"], collecting["status"]) == (503, 503)
    # compiling app.py from source (no bytecode here) may set off a collection or two before its first line
    assert shipped["collections_while_importing"] < 5
    assert collecting["collections_while_importing"] > 50


def source_made_by(function: str, event: str) -> dict[str, dict[str, int]]:
    """The benchmark's count of the source text a cold start compiles, run on the source tree."""
    answer = subprocess.run(
        [
            sys.executable,
            "-c",
            bench.COMPILE_PROBE_SCRIPT["handler"],
            str(ROOT / "functions" / function),
            event,
        ],
        env=closed_store_environment(ROOT / "layers" / "operations"),
        capture_output=True,
        text=True,
        check=False,
    )
    assert answer.returncode == 0, answer.stderr[-2000:]
    counted = json.loads(answer.stdout)
    assert counted["status"] == 503
    made: dict[str, dict[str, int]] = counted["made"]
    return made


def test_the_source_a_cold_start_compiles_is_told_apart_by_kind_and_by_the_module_it_was_made_for() -> None:
    put = source_made_by("put_operation", str(ROOT / "events" / "put_operation.json"))
    assert put["forward references"]["pydantic_core.core_schema"] > 100
    # the store's two dataclasses: one text each on Python 3.13, one per generated method before
    assert put["dataclasses"]["operations_api.store"] >= 2
    assert sum(put["namedtuples"].values()) > 0
    get = source_made_by("get_operation", str(ROOT / "events" / "get_operation.json"))
    assert not [module for made in get.values() for module in made if module.startswith("pydantic")]


CALLGRIND_ANNOTATED = """
1,172,964,179 (100.0%)  PROGRAM TOTALS
  121,102,053 (10.32%)  /build/Parser/pegen.c:_PyPegen_run_parser_from_string [/lib/libpython3.13.so.1.0]
   93,064,801 ( 7.93%)  /build/Python/compile.c:_PyAST_Compile [/lib/libpython3.13.so.1.0]
    1,000,000 ( 0.09%)  /build/./Include/internal/pycore_compile.h:_PyAST_Compile
   76,858,230 ( 6.55%)  /build/Python/clinic/bltinmodule.c.h:builtin_compile [/lib/libpython3.13.so.1.0]
"""


def test_the_instructions_spent_compiling_are_the_parser_and_the_compiler_counted_once() -> None:
    assert bench.compiling_instructions(CALLGRIND_ANNOTATED) == 121_102_053 + 93_064_801
    assert bench.compiling_instructions("") == 0


SIZES = [0.7, 8.4, 63.4]
LINEAR_OWN_WORK = [0.04, 0.035, 0.037]  # ms per KiB at each size: fixed cost first, then flat


def test_time_growing_linearly_passes_and_with_the_square_of_the_size_does_not() -> None:
    linear, _ = bench.linear_verdict(SIZES, [2.0 + 0.5 * size for size in SIZES], LINEAR_OWN_WORK)
    assert linear
    square, _ = bench.linear_verdict(SIZES, [2.0 + 0.01 * size**2 for size in SIZES], LINEAR_OWN_WORK)
    assert not square
    assert bench.quadratic_growth(SIZES) > 3 * bench.LINEAR_GROWTH_LIMIT, "a square is far past the limit"


def test_own_work_growing_with_the_square_fails_even_where_the_store_hides_it() -> None:
    own_square = [0.001 * size for size in SIZES]  # ms per KiB growing with size: time with its square
    linear, text = bench.linear_verdict(SIZES, [2.0 + 0.5 * size for size in SIZES], own_square)
    assert not linear
    assert "this project's own work" in text


def test_a_time_that_did_not_grow_with_the_size_cannot_pass_for_linear() -> None:
    linear, text = bench.linear_verdict(SIZES, [5.0, 4.0, 30.0], LINEAR_OWN_WORK)
    assert not linear
    assert text.startswith("time did not grow")


def test_the_report_renders_when_no_python_of_the_runtimes_version_was_found() -> None:
    facts = json.loads((bench.DOCS / "performance.json").read_text(encoding="utf-8"))
    facts["cold"] = [row for row in facts["cold"] if row["environment"].startswith("development")]
    for measured_on_the_artifact in (
        "collector_pause",
        "libraries_alone",
        "powertools_modules",
        "source_compilation",
    ):
        facts.pop(measured_on_the_artifact)
    rendered = bench.render(facts)
    assert "built artifact" not in rendered.split("## Targets")[1].split("## Optimisations")[0]
    assert "## Memory size and architecture" in rendered


def test_percentiles_are_taken_from_the_samples() -> None:
    samples = [float(value) for value in range(1, 101)]
    assert bench.percentile(samples, 0.5) == 50.0
    assert bench.percentile(samples, 0.99) == 99.0
    assert bench.percentile([7.0], 0.99) == 7.0


def test_a_target_is_passed_or_missed_by_how_much() -> None:
    assert bench.verdict(1.25, 1.3) == "**pass** (1.25x ≤ 1.3x)"
    assert bench.verdict(1.44, 1.3) == "**miss** by 0.14x (1.44x > 1.3x)"


def test_the_layer_size_counts_every_file_unzipped_and_the_archive(tmp_path: Path) -> None:
    layer = tmp_path / "python"
    (layer / "package").mkdir(parents=True)
    (layer / "package" / "module.py").write_text("x = 1\n" * 1000)
    size = bench.layer_size(layer, tmp_path)
    assert size["unzipped_mb"] == pytest.approx(6000 / 1e6)
    assert 0 < size["zipped_mb"] < size["unzipped_mb"]
