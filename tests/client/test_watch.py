"""opsctl watch against the local server: a line per change when piped, the live view on a terminal, an
exit status per final status, and an operation watched before its first write (docs/client.md)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from rich.console import Console

from operations_client import OperationsClient
from operations_client._cli import follow_live
from tests.client.fake_api import FakeApi
from tests.support.cli import PATIENCE, Polls, RunCli, finish_later
from tests.support.records import record_for

WAITING = "waiting for operation {!r} to be created"


@pytest.mark.parametrize(("status", "exit_status"), [("completed", 0), ("failed", 1), ("canceled", 3)])
def test_watch_exits_by_the_final_status_printing_a_line_per_change(
    run_cli: RunCli, client: OperationsClient, new_id: str, status: str, exit_status: int, polls: Polls
) -> None:
    client.put(new_id, record_for(new_id))
    worker = finish_later(client, new_id, status, polls)
    result = run_cli("watch", new_id, "--interval", "0.05", "--timeout", str(PATIENCE))
    worker.join()
    assert result.exit_code == exit_status, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 3, "one line per change"
    assert lines[0].startswith("20261122_064230  executing  elapsed ")
    assert lines[1].startswith("20261122_064300  executing (1/2)  elapsed ")
    assert lines[2].startswith(f"20261122_064400  {status}  elapsed ")
    assert WAITING.format(new_id) not in result.stderr, "it existed: nothing was waited for"


def test_a_piped_watch_tells_the_clusters_only_of_an_operation_that_has_some(
    run_cli: RunCli, client: OperationsClient, failed_op: str
) -> None:
    with_clusters = run_cli("watch", failed_op, "--timeout", str(PATIENCE))
    assert with_clusters.exit_code == 1
    assert with_clusters.stdout.split("  ")[1:3] == ["failed", "clusters 2/3 done, 1 failed"]
    bare = f"{failed_op}-bare"
    client.put(bare, record_for(bare, status="canceled", last_update_time="20261122_064330"))
    without = run_cli("watch", bare, "--timeout", str(PATIENCE))
    assert without.exit_code == 3
    assert without.stdout == "20261122_064330  canceled  elapsed 0:01:00\n"


def test_watch_waits_for_an_operation_created_after_it_started(
    run_cli: RunCli, client: OperationsClient, new_id: str, polls: Polls
) -> None:
    worker = finish_later(client, new_id, "completed", polls)  # creates it after the first poll
    result = run_cli("watch", new_id, "--interval", "0.05", "--timeout", str(PATIENCE))
    worker.join()
    assert result.exit_code == 0, result.stderr
    assert result.stderr.count(WAITING.format(new_id)) == 1, "said once, however many polls"
    assert [line.split("  ")[1] for line in result.stdout.splitlines()] == ["executing (1/2)", "completed"]


def test_watch_of_an_operation_never_created_times_out_with_124(run_cli: RunCli) -> None:
    result = run_cli("watch", "never-created", "--interval", "0.05", "--timeout", "0.3")
    assert result.exit_code == 124
    assert result.stderr.splitlines() == [
        f"{WAITING.format('never-created')} (up to 0.3 s)",
        "timeout: operation 'never-created' was not created after 0.3 s",
    ]
    assert result.stdout == ""


def test_watch_times_out_with_124(run_cli: RunCli, client: OperationsClient, new_id: str) -> None:
    """Nothing finishes the operation: however slow the machine, only the timeout ends the watch."""
    client.put(new_id, record_for(new_id))
    result = run_cli("watch", new_id, "--interval", "0.05", "--timeout", "0.3")
    assert result.exit_code == 124
    assert "timeout: " in result.stderr
    assert "still executing" in result.stderr


def test_a_404_that_is_no_operation_s_is_an_error_at_once(fake_api: FakeApi, run_cli: RunCli) -> None:
    """A wrong endpoint answers 404 without the API's OPERATION_NOT_FOUND: nothing to wait for."""
    result = run_cli("--endpoint", fake_api.url, "watch", "op-1", "--timeout", str(PATIENCE))
    assert result.exit_code == 4
    assert result.stderr.startswith("error: 404 HTTP_404")
    assert len(fake_api.received) == 1


def test_the_live_view_draws_status_clusters_and_progress(client: OperationsClient, failed_op: str) -> None:
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=80, color_system=None)
    final = follow_live(client.follow(failed_op, timeout=PATIENCE), console=console)
    assert final.record["status"] == "failed"
    drawn = screen.getvalue()
    for shown in ("status", "failed", "elapsed", "0:02:42", "cluster-a", "succeeded", "cluster-c", "pending"):
        assert shown in drawn
    assert "2/3 clusters done, 1 failed" in drawn
    assert "━" in drawn, "a progress bar"


def test_an_interrupted_watch_exits_130_not_as_failed(
    run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(*_args: Any, **_kwargs: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr(OperationsClient, "get", interrupted)
    result = run_cli("watch", "op-1")
    assert result.exit_code == 130
    assert "interrupted" in result.stderr
