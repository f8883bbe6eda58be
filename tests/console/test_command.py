"""`opsctl console`: its options, its failures in words, and a real run serving pages until Ctrl-C."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from devtools.processes import LoggedProcess
from operations_client._cli import cli
from tests.console.html_text import read
from tests.support.cli import PATIENCE

ROOT = Path(__file__).resolve().parents[2]
BANNER = re.compile(r"opsctl console on (http://127\.0\.0\.1:\d+)/")


def test_console_is_an_opsctl_command_with_a_port_and_an_endpoint() -> None:
    result = CliRunner().invoke(cli, ["console", "--help"])
    assert result.exit_code == 0
    assert "--port" in result.output
    assert "--endpoint URL" in result.output
    assert "console" in CliRunner().invoke(cli, ["--help"]).output


def test_without_an_endpoint_it_is_a_usage_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPERATIONS_API_URL", raising=False)
    result = CliRunner().invoke(cli, ["console"])
    assert result.exit_code == 2
    assert "no endpoint" in result.output


def test_a_port_in_use_is_said_in_words() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(
            cli, ["console", "--endpoint", "http://127.0.0.1:3000", "--port", str(port)]
        )
    assert result.exit_code == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.output


def subprocess_environment() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "client"), str(ROOT)])}


def test_other_commands_never_load_the_console_s_libraries() -> None:
    probe = (
        "import sys; from click.testing import CliRunner; from operations_client._cli import cli; "
        "CliRunner().invoke(cli, ['--help']); "
        "print(sorted(m for m in ('jinja2', 'http.server') if m in sys.modules))"
    )
    output = subprocess.run(
        [sys.executable, "-c", probe],
        env=subprocess_environment(),
        capture_output=True,
        text=True,
        check=True,
    )
    assert output.stdout.strip() == "[]"


def ignore_ctrl_c() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@pytest.fixture
def console_process() -> Iterator[tuple[LoggedProcess, str]]:
    """`opsctl console --port 0` against an endpoint where nothing listens; its URL from its banner."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        nothing_there = f"http://127.0.0.1:{probe.getsockname()[1]}"
    command = [
        sys.executable,
        "-m",
        "operations_client.cli",
        "--endpoint",
        nothing_there,
        "console",
        "--port",
        "0",
    ]
    log = tempfile.TemporaryFile()  # noqa: SIM115 (closed by LoggedProcess.stop)
    process = LoggedProcess(
        subprocess.Popen(
            command,
            env=subprocess_environment(),
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=ignore_ctrl_c,  # as a script's background job starts: Ctrl-C must still stop it
        ),
        log,
    )
    try:
        deadline = time.monotonic() + PATIENCE
        while (found := BANNER.search(process.output())) is None:
            assert process.process.poll() is None, process.output()
            assert time.monotonic() < deadline, process.output()
            time.sleep(0.05)
        yield process, found.group(1)
    finally:
        process.stop()


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_a_run_serves_pages_says_when_the_api_cannot_be_reached_and_stops_on_ctrl_c(
    console_process: tuple[LoggedProcess, str], signum: signal.Signals
) -> None:
    process, url = console_process
    with pytest.raises(urllib.error.HTTPError) as answer:
        urllib.request.urlopen(url + "/", timeout=PATIENCE)
    assert answer.value.code == 502
    page = read(answer.value.read().decode())
    assert "The API cannot be reached" in page.text
    assert page.of_class("problem-code") == ["CONNECTION_FAILED"]
    process.process.send_signal(signum)
    assert process.process.wait(timeout=PATIENCE) == 0, "it stops, however long a loaded machine takes"
    assert "stopped" in process.output()
