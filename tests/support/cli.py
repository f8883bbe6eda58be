"""The client's test helpers: opsctl run as a user runs it, its table read back, and a worker that writes
while a test follows an operation."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from click.testing import Result

from operations_client import OperationsClient, RetryPolicy
from tests.support.records import record_for

# Tests see the delays asked for, and wait for none of them.
FAST = RetryPolicy(attempts=4, base_delay=0.01, max_delay=0.05, budget=5.0)

# Seconds a test waits for what must happen (a version seen, a process gone, a line printed): it goes on as
# soon as it happens, so only a broken test waits this out; generous, for a loaded CI machine.
PATIENCE = 300.0

RunCli = Callable[..., Result]

OPSCTL = Path(sys.executable).with_name("opsctl")  # the console script `make` installs beside this Python


def clean_environment(**environment: str) -> dict[str, str]:
    """This process's environment without its AWS settings, nor a PYTHONPATH that would reach the checkout."""
    kept = {name: value for name, value in os.environ.items() if not name.startswith(("AWS_", "PYTHON"))}
    return {**kept, **environment}


def run_opsctl(
    *args: str, script: Path = OPSCTL, input: str | None = None, **environment: str
) -> subprocess.CompletedProcess[str]:
    """`opsctl ARGS…` as a user runs it: the console script, in a process of its own, output to pipes (80
    columns unless COLUMNS says otherwise)."""
    return subprocess.run(
        [str(script), *args],
        input=input,
        capture_output=True,
        encoding="utf-8",
        timeout=PATIENCE,
        env=clean_environment(**{"COLUMNS": "80", **environment}),
        check=False,
    )


def listed_rows(table: str) -> list[tuple[str, str]]:
    """The rows of `opsctl list`'s table: each id whole (a long one is folded over several lines), and the
    rest of its first line (status, update time, request if shown, clusters)."""
    header, *lines = table.splitlines()
    after_id = header.index("STATUS")
    rows: list[tuple[str, str]] = []
    for line in lines:
        id_part, rest = line[:after_id].strip(), line[after_id:].strip()
        if rest:
            rows.append((id_part, rest))
        else:
            rows[-1] = (rows[-1][0] + id_part, rows[-1][1])
    return rows


def clusters_cell(summary: dict[str, Any]) -> str:
    """What the list's CLUSTERS column shows of a summary: done/total, and the failed ones if any."""
    tally = summary["target_clusters"]
    failed = f" ({tally['failed']}✗)" if tally["failed"] else ""
    return f"{tally['succeeded'] + tally['failed']}/{tally['total']}{failed}"


def record_file(tmp_path: Any, record: dict[str, Any]) -> str:
    path = tmp_path / "record.json"
    path.write_text(json.dumps(record), encoding="utf-8")
    return str(path)


class Polls:
    """Counts the reads (GETs) the clients of this test have completed; a worker waits on it."""

    def __init__(self) -> None:
        self.count = 0
        self.changed = threading.Condition()

    def seen(self) -> None:
        with self.changed:
            self.count += 1
            self.changed.notify_all()

    def wait_for(self, more: int) -> None:
        with self.changed:
            target = self.count + more
            self.changed.wait_for(lambda: self.count >= target, timeout=PATIENCE)


def finish_later(client: OperationsClient, operation_id: str, status: str, polls: Polls) -> threading.Thread:
    """A worker that reports progress, then the final status, while the test follows the operation. It
    writes each version after the follower's first poll, and the next one only after two more polls (the
    second surely began after the write), so that every version is seen, however slow the machine."""

    def work() -> None:
        polls.wait_for(1)
        progress = record_for(operation_id, last_update_time="20261122_064300", sub_status="1/2")
        client.put(operation_id, progress)
        polls.wait_for(2)
        final: dict[str, Any] = record_for(operation_id, last_update_time="20261122_064400", status=status)
        if status in ("completed", "failed"):
            final["response"] = {"status_code": 200 if status == "completed" else 500, "body": ""}
        client.put(operation_id, final)

    thread = threading.Thread(target=work)
    thread.start()
    return thread
