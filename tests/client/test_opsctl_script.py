"""opsctl as a user runs it: the `opsctl` console script, a process of its own writing to pipes, against the
local server. Every command and output format, on an empty service, one row, hundreds of rows over several
pages, 128-character ids, non-ASCII sub statuses and records without clusters (docs/client.md)."""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from itertools import cycle
from pathlib import Path
from typing import Any

import pytest
from rich.cells import cell_len

from operations_client import OperationsClient
from operations_client._cli import cli
from operations_client._summary import summarize
from tests.support.cli import (
    OPSCTL,
    PATIENCE,
    clean_environment,
    clusters_cell,
    listed_rows,
    record_file,
    run_opsctl,
)
from tests.support.records import cluster, record_for
from tests.support.servers import running_server

HUNDREDS = 210  # three pages of at most 100
DAY = "20350101"  # the hundreds' window of update times, used by no other test
SUB_STATUSES = ["création des réseaux — 3/5 ✓", "ネットワーク作成中", "[done] step [/] 2", "plain"]
EXIT_STATUSES = ("0", "1", "2", "3", "4", "124", "130")  # as `opsctl --help` lists them
EXIT_BY_STATUS = {"completed": 0, "failed": 1, "canceled": 3}
ANSI_CONTROL = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\r")


@dataclass(frozen=True)
class Listed:
    records: list[dict[str, Any]]  # as written, newest first
    window: list[str]  # --since, --before: only these records were updated in it


def generated(number: int, status: str) -> dict[str, Any]:
    """A record with a 128-character id; every third with a non-ASCII (or bracketed) sub status, every
    fourth with three clusters, the others without."""
    moment = f"{DAY}_{number // 3600:02d}{number // 60 % 60:02d}{number % 60:02d}"
    record = record_for(f"{number:03d}-{'0123456789abcdef' * 8}"[:128], occurred_time=f"{DAY}_000000")
    record.update(last_update_time=moment, status=status)
    if status in ("completed", "failed"):
        record["response"] = {"status_code": 200 if status == "completed" else 500, "body": ""}
    if number % 3 == 0:
        record["sub_status"] = SUB_STATUSES[number // 3 % len(SUB_STATUSES)]
    if number % 4 == 0:
        record["target_clusters"] = [cluster("a", 201), cluster("b", 409), cluster("c", None)]
    return record


@pytest.fixture(scope="module")
def hundreds(local_api: str) -> Listed:
    client = OperationsClient(local_api)
    statuses = cycle(["executing", "failed", "unexecuted", "completed", "canceled"])
    records = [generated(number, next(statuses)) for number in range(HUNDREDS)]
    for record in records:
        client.put(record["operation_id"], record)
    return Listed(records[::-1], ["--since", f"{DAY}_000000", "--before", f"{DAY}_235959"])


Opsctl = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def opsctl(local_api: str) -> Opsctl:
    """`opsctl ARGS…` through its console script, its endpoint in OPERATIONS_API_URL (--endpoint wins)."""

    def run(*args: str, **options: Any) -> subprocess.CompletedProcess[str]:
        return run_opsctl(*args, **{"OPERATIONS_API_URL": local_api, **options})

    return run


def ok(result: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    """The run, once checked that it succeeded without a traceback."""
    assert (result.returncode, "Traceback" in result.stderr) == (0, False), result.stderr
    return result


def test_help_shows_each_command_s_description_whole_and_every_exit_status() -> None:
    help_text = ok(run_opsctl("--help")).stdout
    shown = " ".join(help_text[help_text.index("Commands:") : help_text.index("Exit status:")].split())
    context = cli.make_context("opsctl", ["--help"], resilient_parsing=True)
    for name in ("console", "counts", "get", "history", "list", "put", "watch"):
        command = cli.get_command(context, name)
        assert command is not None
        assert command.help is not None
        first_sentence = " ".join(command.help.split("\n\n")[0].split())
        assert f"{name} {first_sentence}" in shown
    assert "..." not in shown
    exits = re.findall(r"^\s+(\d+)\s{2,}", help_text, re.MULTILINE)
    assert tuple(exits) == EXIT_STATUSES


def test_console_help_names_its_options() -> None:
    shown = ok(run_opsctl("console", "--help")).stdout
    assert "--port" in shown
    assert "--endpoint URL" in shown


def test_list_on_an_empty_service_is_a_header_and_a_line_on_stderr() -> None:
    with running_server() as empty:
        table = ok(run_opsctl("--endpoint", empty, "list"))
        as_json = ok(run_opsctl("--endpoint", empty, "list", "-o", "json"))
        filtered = ok(run_opsctl("--endpoint", empty, "list", "--status", "failed,canceled"))
    assert table.stdout.split() == ["OPERATION", "STATUS", "UPDATED", "REQUEST", "CLUSTERS"]
    assert table.stderr == as_json.stderr == "no operations yet\n"
    assert json.loads(as_json.stdout) == []
    assert filtered.stderr == "no operation matches these filters\n"


def test_list_json_of_hundreds_follows_every_page(opsctl: Opsctl, hundreds: Listed) -> None:
    result = ok(opsctl("list", *hundreds.window, "-o", "json"))
    assert json.loads(result.stdout) == [summarize(record) for record in hundreds.records]
    assert result.stderr == ""


def test_list_table_of_hundreds_shows_every_id_whole_in_80_columns(opsctl: Opsctl, hundreds: Listed) -> None:
    result = ok(opsctl("list", *hundreds.window))
    assert max(cell_len(line) for line in result.stdout.splitlines()) <= 80
    rows = listed_rows(result.stdout)
    assert [operation_id for operation_id, _ in rows] == [r["operation_id"] for r in hundreds.records]
    for (_, cells), record in zip(rows, hundreds.records, strict=True):
        assert cells.split()[:2] == [record["status"], record["last_update_time"]]
        assert cells.endswith(clusters_cell(summarize(record)))


def test_list_of_one_row_in_both_formats(
    opsctl: Opsctl, hundreds: Listed, client: OperationsClient, new_id: str
) -> None:
    record = record_for(new_id, occurred_time="20350201_000000", last_update_time="20350201_000001")
    client.put(new_id, {**record, "target_clusters": [cluster("a", 201)]})
    window = ["--since", "20350201_000000", "--before", "20350202_000000"]
    table = ok(opsctl("list", *window, COLUMNS="100"))
    ((operation_id, cells),) = listed_rows(table.stdout)
    assert (operation_id, cells.split()) == (
        new_id,
        ["executing", "20350201_000001", "POST", "/v1/networks", "1/1"],
    )
    as_json = ok(opsctl("list", *window, "-o", "json"))
    assert [summary["operation_id"] for summary in json.loads(as_json.stdout)] == [new_id]
    newest = ok(opsctl("list", *hundreds.window, "--limit", "1", "-o", "json"))
    assert json.loads(newest.stdout) == [summarize(hundreds.records[0])]


def test_get_shows_a_128_character_id_whole_and_a_non_ascii_sub_status(
    opsctl: Opsctl, hundreds: Listed
) -> None:
    record = next(r for r in hundreds.records if r.get("sub_status") == SUB_STATUSES[1])
    assert "target_clusters" not in record
    table = ok(opsctl("get", record["operation_id"])).stdout
    assert record["operation_id"] in "".join(table.split()), "printed whole (folded)"
    assert f"sub status  {SUB_STATUSES[1]}" in table
    assert "no target clusters" in table
    as_json = ok(opsctl("get", record["operation_id"], "-o", "json"))
    assert json.loads(as_json.stdout) == record


def test_get_shows_record_text_as_it_is_never_as_markup(opsctl: Opsctl, hundreds: Listed) -> None:
    record = next(r for r in hundreds.records if r.get("sub_status") == SUB_STATUSES[2])
    table = ok(opsctl("get", record["operation_id"])).stdout
    assert f"sub status  {SUB_STATUSES[2]}" in table


def test_control_characters_in_a_record_are_shown_never_sent_to_the_terminal(
    opsctl: Opsctl, client: OperationsClient, new_id: str
) -> None:
    hostile = "\x1b]0;owned\x07\x1b[2Jcleared\nline\x9b"
    record = record_for(new_id, occurred_time="20350301_000000", last_update_time="20350301_000001")
    record.update(status="canceled", sub_status=hostile)
    record["request"]["uri"] = "/v1/\x1b[31mred"
    client.put(new_id, record)
    window = ["--since", "20350301_000000", "--before", "20350302_000000"]
    shown = {
        "get": ok(opsctl("get", new_id, COLUMNS="200")).stdout,
        "list": ok(opsctl("list", *window, COLUMNS="200")).stdout,
        "watch": opsctl("watch", new_id, "--timeout", f"{PATIENCE:g}").stdout,
    }
    for command, output in shown.items():
        assert not re.search(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]", output), (command, output)
    assert r"\x1b]0;owned\x07\x1b[2Jcleared\nline\x9b" in shown["get"]
    assert r"\x1b]0;owned\x07\x1b[2Jcleared\nline\x9b" in shown["watch"]
    assert r"/v1/\x1b[31mred" in shown["list"]
    assert json.loads(ok(opsctl("get", new_id, "-o", "json")).stdout) == record


def test_put_from_a_file_and_stdin_prints_the_etag_and_takes_a_bare_one(
    opsctl: Opsctl, client: OperationsClient, new_id: str, tmp_path: Path
) -> None:
    created = ok(opsctl("put", new_id, "-f", record_file(tmp_path, record_for(new_id)), "--if-none-match"))
    assert created.stdout == f"{client.get(new_id).etag}\n"
    again = opsctl("put", new_id, "-f", "-", "--if-none-match", input=json.dumps(record_for(new_id)))
    assert (again.returncode, again.stderr.split(":")[:2]) == (4, ["error", " 412 PRECONDITION_FAILED"])
    changed = json.dumps(record_for(new_id, sub_status="2/3"))
    bare = created.stdout.strip().strip('"')
    updated = ok(opsctl("put", new_id, "-f", "-", "--if-match", bare, input=changed))
    assert updated.stdout == f"{client.get(new_id).etag}\n" != created.stdout
    stale = opsctl("put", new_id, "-f", "-", "--if-match", bare, input=changed)
    assert (stale.returncode, stale.stderr.split(":")[:2]) == (4, ["error", " 412 PRECONDITION_FAILED"])


def test_watch_piped_exits_by_status_and_tells_clusters_only_when_there_are_some(
    opsctl: Opsctl, hundreds: Listed
) -> None:
    finished = [record for record in hundreds.records[:10] if record["status"] in EXIT_BY_STATUS]
    assert {"target_clusters" in record for record in finished} == {True, False}
    for record in finished:
        result = opsctl("watch", record["operation_id"], "--timeout", f"{PATIENCE:g}")
        assert result.returncode == EXIT_BY_STATUS[record["status"]]
        assert len(result.stdout.splitlines()) == 1
        assert ("clusters " in result.stdout) == ("target_clusters" in record), result.stdout


def test_watch_on_a_terminal_draws_the_live_view(local_api: str, failed_op: str) -> None:
    command = [str(OPSCTL), "--endpoint", local_api, "watch", failed_op, "--timeout", f"{PATIENCE:g}"]
    terminal, opsctl_side = pty.openpty()
    environment = clean_environment(COLUMNS="80", TERM="xterm-256color")
    with subprocess.Popen(command, stdout=opsctl_side, stderr=subprocess.PIPE, env=environment) as watch:
        os.close(opsctl_side)
        drawn = read_until_closed(terminal)
        assert watch.wait(timeout=PATIENCE) == 1, "it failed"
    shown = ANSI_CONTROL.sub("", drawn.decode("utf-8"))
    for part in ("status", "failed", "elapsed", "0:02:42", "cluster-b", "409", "2/3 clusters done, 1 failed"):
        assert part in shown
    assert "━" in shown, "a progress bar"


def read_until_closed(terminal: int) -> bytes:
    """All a process wrote to its terminal, until it closed it (Linux: EIO once no process holds it)."""
    chunks = []
    try:
        while chunk := os.read(terminal, 65536):
            chunks.append(chunk)
    except OSError:
        pass
    finally:
        os.close(terminal)
    return b"".join(chunks)


def test_watch_started_before_the_first_write_waits_for_it(
    local_api: str, client: OperationsClient, new_id: str
) -> None:
    patience = f"{PATIENCE:g}"  # the watch's own timeout bounds every wait below
    command = [
        str(OPSCTL),
        "--endpoint",
        local_api,
        "watch",
        new_id,
        "--interval",
        "0.05",
        "--timeout",
        patience,
    ]
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, encoding="utf-8", env=clean_environment()
    ) as watch:
        try:
            assert watch.stderr is not None
            told = watch.stderr.readline()  # printed once the first poll found nothing
            client.put(new_id, record_for(new_id, status="canceled"))
            stdout, stderr = watch.communicate(timeout=PATIENCE)
        finally:
            watch.kill()  # a no-op once it has ended
    assert told == f"waiting for operation {new_id!r} to be created (up to {patience} s)\n"
    assert (watch.returncode, stderr) == (3, "")
    assert stdout.split("  ")[:2] == ["20261122_064230", "canceled"]


def test_watch_of_an_operation_never_created_times_out_with_124(opsctl: Opsctl) -> None:
    result = opsctl("watch", "never-written", "--timeout", "0.2")
    assert result.returncode == 124
    assert result.stderr.splitlines()[-1] == "timeout: operation 'never-written' was not created after 0.2 s"


@pytest.mark.parametrize("suffix", ["/v1", "/v1/"], ids=["v1", "v1-slash"])
def test_an_endpoint_copied_with_the_version_works(
    opsctl: Opsctl, local_api: str, hundreds: Listed, suffix: str
) -> None:
    operation_id = hundreds.records[0]["operation_id"]
    result = ok(opsctl("--endpoint", local_api + suffix, "get", operation_id, "-o", "json"))
    assert json.loads(result.stdout)["operation_id"] == operation_id


@pytest.mark.parametrize(
    ("args", "exit_status", "told"),
    [
        (["get", "no-such-operation"], 4, "error: 404 OPERATION_NOT_FOUND: "),
        (["get", "a/b"], 4, "error: 400 "),
        (["list", "--status", "done"], 2, "unknown status done"),
        (["watch", "x", "--timeout", "-1"], 2, "--timeout"),
    ],
)
def test_failures_are_told_in_words_with_their_exit_status(
    opsctl: Opsctl, args: list[str], exit_status: int, told: str
) -> None:
    result = opsctl(*args)
    assert result.returncode == exit_status
    assert told in result.stderr
    assert "Traceback" not in result.stderr
