"""Each suite of `make bench` run alone, quickly (a few rounds), as `python -m devtools.bench SUITE` runs it:
its figures land in the results file given, and the page rendered from that file shows them. The full
run is `make bench`'s; a quick run's timings are noise, so only what does not depend on them is asserted.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from devtools.bench import listing
from devtools.template import ROOT

pytestmark = pytest.mark.slow


def quick_run(suite: str, tmp_path: Path) -> tuple[dict[str, Any], str]:
    """`python -m devtools.bench SUITE --quick` into files of tmp_path: its results, and the page."""
    results, page = tmp_path / "performance.json", tmp_path / "performance.md"
    answer = subprocess.run(
        [
            sys.executable,
            "-m",
            "devtools.bench",
            suite,
            "--quick",
            "--results",
            str(results),
            "--page",
            str(page),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    assert answer.returncode == 0, answer.stderr[-3000:]
    figures: dict[str, Any] = json.loads(results.read_text(encoding="utf-8"))
    assert list(figures) == [suite]
    assert figures[suite]["quick"] is True
    return figures[suite], page.read_text(encoding="utf-8")


def test_cold_measures_each_route_against_the_floors_and_what_a_cold_start_is_made_of(tmp_path: Path) -> None:
    cold, page = quick_run("cold", tmp_path)
    assert [(row["environment"], row["method"]) for row in cold["rows"]] == [
        ("development (.venv, source)", "PUT"),
        ("development (.venv, source)", "GET"),
        ("development (.venv, source)", "LIST"),
        ("development (.venv, source)", "COUNTS"),
        ("development (.venv, source)", "HISTORY"),
    ]
    assert all(row["handler_ms"] > 0 and row["floor_ms"] > 0 and row["modules"] > 100 for row in cold["rows"])
    for row in cold["rows"]:  # the botocore floor is the target's, at the top; the boto3 floor beside it
        assert list(row["floors"]) == ["botocore", "boto3"]
        assert row["floor_ms"] == row["floors"]["botocore"]["floor_ms"]
        assert all(
            floor["ratio"] > 0 and len(floor["ratio_quartiles"]) == 2 for floor in row["floors"].values()
        )
    functions = {
        "PutOperationFunction",
        "GetOperationFunction",
        "ListOperationsFunction",
        "CountOperationsFunction",
        "GetHistoryFunction",
    }
    assert {row["function"] for row in cold["memory"]} == functions
    assert all(0 < row["max_rss_mb"] < 128 for row in cold["memory"])
    assert cold["powertools_modules"]["GET"]["with_the_package"] <= cold["powertools_modules"]["package"]
    made = {row["process"]: row["made"] for row in cold["source_compilation"]}
    assert not [module for made in made["PUT"].values() for module in made if module.startswith("pydantic")]
    assert len(cold["libraries_alone"]) == 5
    assert "| development (.venv, source) | GET |" in page
    assert "| development (.venv, source) | HISTORY |" in page


def test_warm_serves_every_size_in_one_request_each_at_the_documented_capacity(tmp_path: Path) -> None:
    warm, page = quick_run("warm", tmp_path)
    assert sorted({(row["method"], row["clusters"]) for row in warm["rows"]}) == [
        (method, clusters) for method in ("GET", "PUT") for clusters in (1, 50, 400)
    ]
    assert all(row["requests_per_call"] == 1 for row in warm["rows"])
    sizes = [row["item_bytes"] for row in warm["rows"] if row["method"] == "PUT"]
    assert sizes == sorted(sizes)
    assert all(row["capacity_units"]["reported"] > 0 for row in warm["rows"]), "ReturnConsumedCapacity asked"
    assert "## Warm requests" in page
    assert "5 requests per row" in page


def test_list_reads_every_case_a_page_at_a_time(tmp_path: Path) -> None:
    listed, page = quick_run("list", tmp_path)
    (run,) = listed["runs"]
    assert [figure["case"] for figure in run["figures"]] == [case for case, _, _ in listing.CASES]
    common = [figure for figure in run["figures"] if "canceled" not in figure["case"]]  # 15 of 300
    assert all(figure["returned"] == 25 for figure in common), "a page of a common filter is full"
    assert all(0 < figure["token_length"] <= 512 for figure in common)
    assert all(figure["requests"] >= figure["shards"] and figure["rounds"] >= 1 for figure in run["figures"])
    (walk,) = run["walks"]
    assert walk["pages"] >= len(listing.WALKS)
    assert 0 < walk["longest_token"] <= 512
    assert f"### On {run['server']}" in page
    assert "pages needed a second round" in page


def test_fleet_reads_the_counts_at_each_size_and_a_cluster_page(tmp_path: Path) -> None:
    fleet, page = quick_run("fleet", tmp_path)
    assert [case["size"] for case in fleet["counts"]] == [300, 3_000]
    for case in fleet["counts"]:  # each read was checked against a recount before it was timed
        assert case["hours_24"]["requests"] == case["hours_720"]["requests"] == fleet["count_shards"]
    assert fleet["cluster"]["returned"] == 25
    assert fleet["cluster"]["requests"] >= fleet["shards"]
    assert 0 < fleet["longest_token"] <= 512
    assert "## The fleet" in page


def test_history_reads_a_page_and_a_version_in_two_requests_each_never_the_record(tmp_path: Path) -> None:
    history, page = quick_run("history", tmp_path)
    assert [figure["case"] for figure in history["figures"]] == [
        "page 1 of 25",
        "page 20 of 25",
        "version 497 (a checkpoint)",
        "version 496 (15 patches after its checkpoint)",
    ]
    assert [figure["returned"] for figure in history["figures"]] == [25, 25, 1, 1]
    assert [figure["floor_items"] for figure in history["figures"]] == [25, 25, 1, 16]
    assert all(figure["operations"] == ["GetItem", "Query"] for figure in history["figures"])
    for figure in history["figures"]:  # the head's one unit beside the entries' own Query, by DynamoDB's rule
        assert figure["history_units_by_rule"] == figure["floor_units_by_rule"] + 1, figure["case"]
        assert figure["units_ratio_by_rule"] <= 2, figure["case"]
    assert history["token"] <= 512
    assert (
        f"The longest page token, for a 128-character id at sequence 9,999,999,999: {history['token']}"
        in page
    )


def test_events_publish_a_batch_in_one_put_events_call(tmp_path: Path) -> None:
    found, page = quick_run("events", tmp_path)
    (row,) = found["cold"]
    assert row["environment"] == "development (.venv, source)"
    assert row["modules"] > 100
    assert (found["warm"]["records"], found["warm"]["put_events_calls"]) == (10, 1)
    assert "| development (.venv, source) |" in page


def test_metrics_pair_each_cold_start_with_its_stand_in_run(tmp_path: Path) -> None:
    found, page = quick_run("metrics", tmp_path)
    put, get = found["rows"]
    # the PUT counts its accepted write, so it loads the EMF provider; a GET that succeeds counts nothing
    assert (put["method"], get["method"]) == ("PUT", "GET")
    assert put["modules"] > 0
    assert get["modules"] == 0
    assert found["count_us"] > 0
    assert found["restore_ms"]["after_restore"] > 0
    assert "## What the metrics cost" in page


def test_client_starts_each_command_and_keeps_rich_lazy(tmp_path: Path) -> None:
    found, page = quick_run("client", tmp_path)
    assert [row["name"].split(":")[0].split(",")[0] for row in found["rows"]] == [
        "floor",
        "opsctl get -o json",
        "opsctl get -o json",
        "opsctl get (a table",
    ]
    assert found["rows"][0]["ratio"] == 1.0
    assert found["imported"] == {"botocore": True, "click": True, "rich": False}
    assert "rich: not imported" in page


def test_first_run_installs_then_serves_on_a_clean_clone(tmp_path: Path) -> None:
    found, page = quick_run("first_run", tmp_path)
    assert found["empty_caches"] is None, "a quick run skips the download of every wheel"
    assert found["first"]["installed_mb"] > 10
    assert found["second"]["installed_mb"] == found["first"]["installed_mb"]
    assert "| second: serves only |" in page
