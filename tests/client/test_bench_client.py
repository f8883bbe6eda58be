"""devtools/bench_client.py's logic on tiny inputs (no timing asserted)."""

from __future__ import annotations

import sys

from devtools import bench_client
from devtools.bench_client import ArrivalServer, Command, Run, arrival_server, modules_loaded, render
from operations_client import OperationsClient


def test_the_arrival_server_notes_each_request_and_answers_a_record() -> None:
    with arrival_server() as server:
        stored = OperationsClient(server.url).get("op-1")
        assert len(server.arrivals) == 1
    assert stored.record["operation_id"] == "op-1"
    assert stored.etag == '"v1"'


def test_every_command_is_run_once_unmeasured_then_interleaved() -> None:
    order: list[str] = []

    def fake_run(command: Command, _server: ArrivalServer) -> Run:
        order.append(command.name)
        return Run(start_up=10.0, total=20.0)

    samples = bench_client.measure(2, fake_run)
    names = [command.name for command in bench_client.commands("http://127.0.0.1:1")]
    assert order == names * 3
    assert {name: len(runs) for name, runs in samples.items()} == dict.fromkeys(names, 2)


def test_the_report_gives_ratios_to_the_floor_and_the_verdict() -> None:
    samples = {
        "floor": [Run(100, 110), Run(200, 210)],
        "opsctl signed": [Run(120, 130), Run(260, 270)],
        "opsctl unsigned": [Run(50, 60), Run(100, 110)],
    }
    markdown = render(samples, {"rich": False, "click": True}, "2026-11-30 10:00 UTC")
    assert "| opsctl signed | 190 | 1.25 (1.20-1.30) | 200 |" in markdown
    assert "| floor | 150 | 1.00 (1.00-1.00) | 160 |" in markdown
    assert "**pass** (1.25x ≤ 1.5x)" in markdown
    assert "rich: not imported, click: imported" in markdown


def test_modules_loaded_names_the_top_level_packages() -> None:
    loaded = modules_loaded([sys.executable, "-c", "import json.decoder, email.message"])
    assert {"json", "email"} <= loaded
