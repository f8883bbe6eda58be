"""Suite "client": `opsctl get` start-up against its floor (probes/signed_request.py): from process start
to the request's arrival at a socket server of this process (CLOCK_MONOTONIC, shared by every process of
the machine), runs interleaved; docs/performance.md, "Client start-up", says why.
"""

from __future__ import annotations

import compileall
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Final

from devtools.bench.fresh import CREDENTIALS, probe
from devtools.bench.warm import percentile
from devtools.template import ROOT

CLIENT: Final = ROOT / "client"
RECORD: Final = (
    b'{"operation_id":"op-1","occurred_time":"20261122_064230","last_update_time":"20261122_064230",'
    b'"status":"executing","request":{"uri":"/v1/networks","method":"POST","body":""}}'
)
ANSWER: Final = (
    b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nETag: "v1"\r\nConnection: close\r\n'
    + f"Content-Length: {len(RECORD)}\r\n\r\n".encode()
    + RECORD
)

REGION: Final = ["--region", "us-east-1"]
OPSCTL: Final = "import sys; from operations_client.cli import main; sys.argv[0] = 'opsctl'; main()"


@dataclass(frozen=True)
class Command:
    name: str
    args: list[str]


def commands(endpoint: str) -> list[Command]:
    python = sys.executable
    opsctl = [python, "-c", OPSCTL, "--endpoint", endpoint]
    return [
        Command("floor: python + botocore, one signed request", [python, *probe("signed_request", endpoint)]),
        Command(
            "opsctl get -o json, signed (--sign)", [*opsctl, "--sign", *REGION, "get", "op-1", "-o", "json"]
        ),
        Command("opsctl get -o json, loopback (unsigned)", [*opsctl, "get", "op-1", "-o", "json"]),
        Command("opsctl get (a table: Rich), signed", [*opsctl, "--sign", *REGION, "get", "op-1"]),
    ]


class ArrivalServer:
    """Accepts one connection at a time, notes when its first bytes arrive, answers RECORD."""

    def __init__(self) -> None:
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.socket.getsockname()[1]}"
        self.arrivals: list[float] = []

    def serve(self) -> None:
        while True:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                return
            with connection:
                connection.recv(65536)
                self.arrivals.append(time.monotonic())
                connection.sendall(ANSWER)


@contextmanager
def arrival_server() -> Iterator[ArrivalServer]:
    server = ArrivalServer()
    thread = threading.Thread(target=server.serve, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.socket.shutdown(socket.SHUT_RDWR)  # wakes the accept() that close() alone would leave waiting
        server.socket.close()
        thread.join(timeout=5)


def environment() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(CLIENT), **CREDENTIALS, "AWS_EC2_METADATA_DISABLED": "true"}


@dataclass(frozen=True)
class Run:
    start_up: float  # ms from process start to the request's arrival
    total: float  # ms from process start to its exit


def run_once(command: Command, server: ArrivalServer) -> Run:
    seen = len(server.arrivals)
    started = time.monotonic()
    subprocess.run(command.args, env=environment(), check=True, capture_output=True, cwd=ROOT)
    ended = time.monotonic()
    if len(server.arrivals) != seen + 1:
        raise RuntimeError(f"{command.name}: expected one request, saw {len(server.arrivals) - seen}")
    return Run((server.arrivals[-1] - started) * 1000, (ended - started) * 1000)


def interleaved_runs(
    runs: int, run: Callable[[Command, ArrivalServer], Run] = run_once
) -> dict[str, list[Run]]:
    # a pip-installed client has its bytecode compiled at install time; this checkout would not otherwise
    compileall.compile_dir(CLIENT / "operations_client", quiet=1)
    samples: dict[str, list[Run]] = {}
    with arrival_server() as server:
        listed = commands(server.url)
        for command in listed:  # one unmeasured round: the file system's caches are warm for all alike
            run(command, server)
        for _ in range(runs):
            for command in listed:
                samples.setdefault(command.name, []).append(run(command, server))
    return samples


def modules_loaded(args: list[str]) -> set[str]:
    """The top-level packages a command imports (python -X importtime), for what is kept lazy."""
    python, *rest = args
    answer = subprocess.run(
        [python, "-X", "importtime", *rest], env=environment(), capture_output=True, text=True, cwd=ROOT
    )
    lines = [line.split("|")[-1] for line in answer.stderr.splitlines() if line.startswith("import time:")]
    return {line.strip().split(".")[0] for line in lines[1:]}


def ratios(runs: list[Run], floor: list[Run]) -> list[float]:
    return [run.start_up / base.start_up for run, base in zip(runs, floor, strict=True)]


def measure(quick: bool) -> dict[str, Any]:
    runs = 1 if quick else 21
    samples = interleaved_runs(runs)
    floor = next(iter(samples.values()))
    rows = []
    for name, measured in samples.items():
        shares = ratios(measured, floor)
        rows.append(
            {
                "name": name,
                "start_up_ms": statistics.median(run.start_up for run in measured),
                "ratio": statistics.median(shares),
                "ratio_quartiles": [percentile(shares, 0.25), percentile(shares, 0.75)],
                "total_ms": statistics.median(run.total for run in measured),
            }
        )
    with arrival_server() as server:
        packages = modules_loaded(commands(server.url)[1].args)
    imported = {package: package in packages for package in ("botocore", "click", "rich")}
    return {"runs": runs, "rows": rows, "imported": imported}
