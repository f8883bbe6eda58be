"""`make bench`'s page: rendered from its results file alone, each suite's section from that suite's data.

The benchmark itself gates nothing (its timings are noisy here); these tests check the renderer on small
data and the command that runs it. The measuring functions: test_bench_probes.py, test_bench_suites.py.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from devtools.bench import render, suites
from devtools.template import ROOT

HEADINGS = {
    "cold": "## Cold start",
    "warm": "## Warm requests",
    "list": "## The list",
    "history": "## The history",
    "events": "## Change events",
    "metrics": "## What the metrics cost",
    "client": "## Client start-up",
    "first_run": "## First run",
    "fleet": "## The fleet",
}


@cache
def _committed() -> str:
    return suites.RESULTS.read_text(encoding="utf-8")


def committed() -> dict[str, Any]:
    results: dict[str, Any] = json.loads(_committed())
    return results


def test_the_committed_page_is_what_the_committed_results_render() -> None:
    """docs/performance.md is generated from docs/performance.json, never edited by hand: after a change
    to the template, `python -m devtools.bench --render-only` brings it back in step."""
    assert render.render(committed()) == suites.PAGE.read_text(encoding="utf-8")


def test_every_suite_is_registered_and_has_its_own_section() -> None:
    assert set(suites.SUITES) == set(HEADINGS)
    for name, heading in HEADINGS.items():
        alone = {"before": committed()["before"], name: committed()[name]}
        page = render.render(alone)
        assert heading in page, name
        assert [other for other, text in HEADINGS.items() if text in page] == [name]


def test_a_figure_on_the_page_comes_from_the_data() -> None:
    results = committed()
    results["client"]["rows"][1]["ratio"] = 1.62
    results["metrics"]["count_us"] = 987.6
    results["first_run"]["second"].update(seconds=12.3, cpu_seconds=2.3)
    page = render.render(results)
    assert "**miss** by 0.12x (1.62x > 1.5x)" in page
    assert "warm: 987.6 µs" in page
    assert "| second: serves only | 12.3 | 2.3 | ≤ 10 s: wall **missed**, CPU met |" in page


def test_without_the_built_artifact_the_page_has_no_summary_but_every_other_section() -> None:
    results = committed()
    cold = results["cold"]
    cold["rows"] = [row for row in cold["rows"] if row["environment"].startswith("development")]
    for measured_on_the_artifact in ("collector_pause", "libraries_alone", "source_compilation"):
        cold[measured_on_the_artifact] = []
    page = render.render(results)
    assert "## Summary" not in page, "the summary needs the built artifact's figures"
    assert "built artifact" not in page.split("## Targets")[1].split("## Optimisations")[0]
    assert "## Memory size and architecture" in page


def test_a_run_without_valgrind_shows_no_instruction_counts() -> None:
    results = committed()
    for row in results["cold"]["rows"] + results["events"]["cold"]:
        row["handler_instructions"] = row["floor_instructions"] = None
    first = results["cold"]["rows"][0]
    first.update(handler_ms=223.4, floor_ms=177.0, ratio=1.26, ratio_quartiles=[1.12, 1.38], modules=497)
    page = render.render(results)
    floor = "botocore" if "floors" in first else "boto3"
    row = f"| {first['environment']} | {first['method']} | 223 | {floor} | 177 | 1.26 (1.12-1.38) |"
    assert row in page
    assert page.split(row)[1].split("\n")[0].endswith("| - | 497 |"), "no instruction count"
    assert "(no valgrind)" in page
    assert "in instructions" not in page.split("## Targets")[1].split("- Warm GET")[0]


def test_the_history_cold_start_has_its_row_in_the_summary_the_table_and_the_targets() -> None:
    results = committed()
    rows = results["cold"]["rows"]
    gets = [row for row in rows if row["method"] == "GET"]
    for get in gets:  # each environment's GET row, as a history row of the same environment
        history = {"method": "HISTORY", "ratio": 1.04, "ratio_quartiles": [1.01, 1.12]}
        rows.append({**copy.deepcopy(get), **history})
    page = render.render(results)
    built = next(get["environment"] for get in gets if "with bytecode" in get["environment"])
    floor = "botocore" if "floors" in gets[0] else "boto3"
    summary = page.split("## Summary")[1].split("## Cold start")[0]
    assert "bytecode), HISTORY: median, upper quartile | 1.04x, 1.12x wall" in summary
    assert "| upper quartile ≤ 1.10x: **missed** by 0.02x |" in summary.split("HISTORY")[1].split("\n")[0]
    table = page.split("## Cold start")[1].split("###")[0]
    assert all(f"| {get['environment']} | HISTORY |" in table for get in gets)
    target = f"- Cold start within 1.10x the {floor} floor at the upper quartile, {built}, HISTORY: "
    assert target + "**miss** by 0.02x (1.12x > 1.1x) (median 1.04x)" in page


def warm_rows(times: dict[str, list[float]], own: list[float]) -> list[dict[str, Any]]:
    """Warm rows at 0.7, 8.4 and 63.4 KiB, the handler taking `times`, its own work `own` ms per KiB."""
    rows = []
    for index, kib in enumerate((0.7, 8.4, 63.4)):
        parts = {"parse_and_validate": own[index] * kib, "serialise": 0.0}
        rows.append(
            {
                "item_bytes": kib * 1024,
                "handler_p50": times["handler"][index],
                "floor_p50": 1.0,
                "parts": parts,
            }
        )
    return rows


SIZES = (0.7, 8.4, 63.4)
LINEAR_OWN_WORK = [0.04, 0.035, 0.037]  # ms per KiB at each size: fixed cost first, then flat


def test_time_growing_linearly_passes_and_with_the_square_of_the_size_does_not() -> None:
    linear = render.growth(warm_rows({"handler": [2.0 + 0.5 * kib for kib in SIZES]}, LINEAR_OWN_WORK), "PUT")
    assert linear["linear"]
    square = render.growth(
        warm_rows({"handler": [2.0 + 0.01 * kib**2 for kib in SIZES]}, LINEAR_OWN_WORK), "PUT"
    )
    assert not square["linear"]
    assert square["square"] > 3 * render.LINEAR_GROWTH_LIMIT, "a square is far past the limit"


def test_own_work_growing_with_the_square_fails_even_where_the_store_hides_it() -> None:
    own_square = [0.001 * kib for kib in SIZES]  # ms per KiB growing with size: time with its square
    found = render.growth(warm_rows({"handler": [2.0 + 0.5 * kib for kib in SIZES]}, own_square), "PUT")
    assert found["growth"] < render.LINEAR_GROWTH_LIMIT
    assert not found["linear"]


def test_a_time_that_did_not_grow_with_the_size_cannot_pass_for_linear() -> None:
    results = committed()
    get = [row for row in results["warm"]["rows"] if row["method"] == "GET"]
    for row, kib, p50 in zip(get, SIZES, [5.0, 4.0, 30.0], strict=True):
        row.update(item_bytes=kib * 1024, handler_p50=p50)
    page = render.render(results)
    assert "- GET time grows linearly with the item's size" in page
    assert "**miss**; time did not grow from one size to the next (-0.130, 0.473 ms per KiB)" in page


def test_a_target_is_passed_or_missed_by_how_much() -> None:
    assert render.verdict(1.25, 1.3) == "**pass** (1.25x ≤ 1.3x)"
    assert render.verdict(1.44, 1.3) == "**miss** by 0.14x (1.44x > 1.3x)"
    assert render.met(1.44, 1.3) == "**missed** by 0.14x"
    assert render.span([2.0, 2.0]) == "2.00x"
    assert render.span([1.5, 2.25, 2.0]) == "1.50 to 2.25x"


def list_figure(size: int, case: str, capacity: float, requests: int) -> dict[str, Any]:
    return {"size": size, "case": case, "list_capacity": capacity, "requests": requests}


def test_the_list_says_whether_a_pages_capacity_follows_the_table_or_its_requests() -> None:
    small = list_figure(1000, "every status, page 1", 2.5, 5)
    assert render.capacity_growth([small]) == {"kind": "one size"}
    flat = render.capacity_growth([small, list_figure(100_000, "every status, page 1", 2.6, 5)])
    assert flat["kind"] == "flat"
    requests = render.capacity_growth([small, list_figure(100_000, "every status, page 1", 3.5, 7)])
    assert (requests["kind"], requests["per_request"]) == ("requests", (0.5, 0.5))
    assert (
        render.capacity_growth([small, list_figure(100_000, "every status, page 1", 5.0, 5)])["kind"]
        == "moved"
    )


def test_the_list_section_gives_each_server_its_own_table_and_verdicts() -> None:
    listed = committed()["list"]
    dynalite, moto = listed["runs"][0], copy.deepcopy(listed["runs"][0])
    dynalite["server"], moto["server"] = "dynalite 4.0.0", "moto's threaded server"
    page = render.render({"list": {**listed, "runs": [dynalite, moto]}})
    assert page.index("### On dynalite 4.0.0") < page.index("### On moto's threaded server")
    assert page.count("- **Capacity**") == 2
    assert "moto reports one read unit per Query whatever it reads" in page
    capacity = page.split("### On moto")[0].split("- **Capacity**")[1]
    assert "no filter, one status or a time range:" in capacity, "dynalite's units"


def bench(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "devtools.bench", *arguments],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def test_render_only_writes_the_page_of_the_results_file_it_is_given(tmp_path: Path) -> None:
    results, page = tmp_path / "performance.json", tmp_path / "performance.md"
    results.write_text(json.dumps({"first_run": committed()["first_run"]}))
    answer = bench("--render-only", "--results", str(results), "--page", str(page))
    assert answer.returncode == 0, answer.stderr
    text = page.read_text(encoding="utf-8")
    assert "## First run" in text
    assert "## Cold start" not in text
    assert json.loads(results.read_text()) == {"first_run": committed()["first_run"]}, "the data untouched"


def test_an_unknown_suite_is_refused_by_name_and_nothing_is_written(tmp_path: Path) -> None:
    page = tmp_path / "performance.md"
    answer = bench("cold", "lukewarm", "--results", str(tmp_path / "r.json"), "--page", str(page))
    assert answer.returncode == 2
    assert "no such suite: lukewarm" in answer.stderr
    assert not page.exists()
    assert not (tmp_path / "r.json").exists()


@pytest.mark.parametrize("name", list(HEADINGS))
def test_the_committed_results_were_measured_in_full(name: str) -> None:
    """A quick run (a few rounds, for the tests) never lands in the committed figures."""
    assert "quick" not in committed()[name]


def test_a_suite_leaves_the_environment_as_it_found_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """`make bench` runs every suite in one process: the endpoint of a server one suite stopped must not
    reach the next (the first run's `make run` would use it)."""

    def measure(quick: bool) -> dict[str, Any]:
        os.environ["DYNAMODB_ENDPOINT_URL"] = "http://127.0.0.1:9"
        return {"quick_asked": quick}

    monkeypatch.delenv("DYNAMODB_ENDPOINT_URL", raising=False)
    monkeypatch.setattr("devtools.bench.warm.measure", measure)
    found = suites.run("warm", quick=True)
    assert found["quick_asked"] is True
    assert found["quick"] is True
    assert "DYNAMODB_ENDPOINT_URL" not in os.environ
