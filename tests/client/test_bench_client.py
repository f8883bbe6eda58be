"""The client suite of `make bench` (devtools/bench/client.py) on tiny inputs (no timing asserted)."""

from __future__ import annotations

import sys

from devtools.bench import client
from devtools.bench.client import ArrivalServer, Command, Run, arrival_server, modules_loaded
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

    samples = client.interleaved_runs(2, fake_run)
    names = [command.name for command in client.commands("http://127.0.0.1:1")]
    assert order == names * 3
    assert {name: len(runs) for name, runs in samples.items()} == dict.fromkeys(names, 2)


def test_the_floor_signs_one_request_and_sends_it() -> None:
    with arrival_server() as server:
        floor = client.commands(server.url)[0]
        run = client.run_once(floor, server)
    assert run.start_up <= run.total


def test_each_run_is_set_against_the_floor_run_beside_it() -> None:
    floor = [Run(100, 110), Run(200, 210)]
    assert client.ratios([Run(120, 130), Run(260, 270)], floor) == [1.2, 1.3]


def test_modules_loaded_names_the_top_level_packages() -> None:
    loaded = modules_loaded([sys.executable, "-c", "import json.decoder, email.message"])
    assert {"json", "email"} <= loaded
