"""dynalite, an independent DynamoDB implementation (npm), run as a subprocess on 127.0.0.1.

moto's server does not serialise conditional writes; dynalite locks each key around its condition check
and write, as DynamoDB does, and refuses items over DynamoDB's own 400 KiB. The races and the item-size
tests run against it. `make unit` installs it into .tools/dynalite (git-ignored); where npm or node is
missing, `missing_reason()` says so and the tests that need it skip.

    python -m devtools.dynalite      # serve on a free port until Ctrl-C, with the template's tables
"""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError, EndpointConnectionError

from devtools.lambda_runtime import ensure_tables, local_table_names
from devtools.processes import LoggedProcess

ROOT: Final = Path(__file__).resolve().parent.parent
INSTALL_DIR: Final = ROOT / ".tools" / "dynalite"
CLI: Final = INSTALL_DIR / "node_modules" / "dynalite" / "cli.js"
HOST: Final = "127.0.0.1"
REGION: Final = "us-east-1"
STARTUP_SECONDS: Final = 15.0


class DynaliteError(RuntimeError):
    """dynalite could not be started, or did not answer in time."""


def missing_reason() -> str | None:
    """Why dynalite cannot run here, or None when it can."""
    if shutil.which("node") is None:
        return "node is not installed: install Node.js and npm, then run `make unit` to get dynalite"
    if not CLI.is_file():
        if shutil.which("npm") is None:
            return "npm is not installed, so dynalite (npm) is not either: install Node.js and npm"
        return f"dynalite is not installed in {INSTALL_DIR.relative_to(ROOT)}: run `make unit` to install it"
    return None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Dynalite(LoggedProcess):
    """One running dynalite process, and how to reach it."""

    endpoint_url: str

    def client(self) -> Any:
        """A boto3 DynamoDB client for this dynalite (dummy credentials: dynalite checks none)."""
        return boto3.client(
            "dynamodb",
            region_name=REGION,
            endpoint_url=self.endpoint_url,
            aws_access_key_id="dynalite",
            aws_secret_access_key="dynalite",  # noqa: S106 (dynalite checks no credentials)
            config=Config(retries={"mode": "standard", "total_max_attempts": 2}),
        )

    def create_table(self, table_name: str) -> None:
        """The template's tables (key schemas, billing modes), the records' named `table_name` and the
        others after it (devtools.lambda_runtime.local_table_names), waited for until they are ACTIVE."""
        ensure_tables(self.client(), table_name)


def start(*, max_item_size_kb: int | None = None) -> Dynalite:
    """Start dynalite in memory on a free port of 127.0.0.1, and return once it answers."""
    reason = missing_reason()
    if reason is not None:
        raise DynaliteError(reason)
    port = free_port()
    command = ["node", str(CLI), "--host", HOST, "--port", str(port), "--createTableMs", "0"]
    if max_item_size_kb is not None:
        command += ["--maxItemSizeKb", str(max_item_size_kb)]
    log = tempfile.TemporaryFile()  # noqa: SIM115 (closed by Dynalite.stop)
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=INSTALL_DIR)
    dynalite = Dynalite(process, log, f"http://{HOST}:{port}")
    try:
        _wait_until_answering(dynalite)
    except BaseException:
        dynalite.stop()
        raise
    return dynalite


def _wait_until_answering(dynalite: Dynalite) -> None:
    client = dynalite.client()
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if dynalite.process.poll() is not None:
            raise DynaliteError(f"dynalite exited with {dynalite.process.returncode}: {dynalite.output()}")
        try:
            client.list_tables()
            return
        except (EndpointConnectionError, ClientError):
            time.sleep(0.05)
    raise DynaliteError(f"dynalite did not answer within {STARTUP_SECONDS} s: {dynalite.output()}")


@contextmanager
def running(table_name: str | None = None) -> Iterator[Dynalite]:
    """A dynalite for the duration of the block (with the template's tables, if named); always stopped."""
    dynalite = start()
    try:
        if table_name is not None:
            dynalite.create_table(table_name)
        yield dynalite
    finally:
        dynalite.stop()


def main() -> None:
    table_name = sys.argv[1] if len(sys.argv) > 1 else "operations"
    # `kill PID` stops it as Ctrl-C does: the exit unwinds `running`, which stops node too
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with running(table_name) as dynalite:
        tables = ", ".join(repr(name) for name in local_table_names(table_name).values())
        print(f"dynalite at {dynalite.endpoint_url} (pid {dynalite.process.pid}), tables {tables}")
        print(f"DYNAMODB_ENDPOINT_URL={dynalite.endpoint_url} TABLE_NAME={table_name}; Ctrl-C stops it")
        with suppress(KeyboardInterrupt):
            dynalite.process.wait()


if __name__ == "__main__":
    main()
