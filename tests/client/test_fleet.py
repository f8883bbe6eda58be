"""The fleet at a glance (docs/client.md): client.counts and client.list(cluster=…), and `opsctl counts` and
`opsctl list --cluster` run through their console script, against the fake API serving the contract's
answers (docs/api.md: GET /v1/operation-counts, and "Listing operations" by cluster): nothing, one row,
hundreds over pages, and the API's 400s."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime
from typing import Any

import pytest
from rich.cells import cell_len

from operations_client import Counts, OperationsClient, OperationsError, ValidationError
from operations_client._counts import finished_since
from tests.client.fake_api import FakeApi, Reply, cluster_summary, summary
from tests.support.cli import FAST, listed_rows, run_opsctl

COUNTS = {
    "in_progress": {"unexecuted": 3, "executing": 12},
    "finished": {"completed": 1204, "failed": 4, "canceled": 0},
}
CLUSTER = "eu-west-3"
STATES = [("failed", None), ("succeeded", "failed"), (None, "pending"), ("pending", None)]


@pytest.fixture
def api(fake_api: FakeApi) -> FakeApi:
    fake_api.counts = COUNTS
    return fake_api


def by_cluster(count: int) -> list[dict[str, Any]]:
    """`count` summaries of a list by CLUSTER, its state (and rollback's) cycling through STATES."""
    return [cluster_summary(n, CLUSTER, *STATES[n % len(STATES)]) for n in range(count)]


def opsctl(api: FakeApi, *args: str) -> subprocess.CompletedProcess[str]:
    return run_opsctl(*args, OPERATIONS_API_URL=api.url)


def ok(result: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert (result.returncode, "Traceback" in result.stderr) == (0, False), result.stderr
    return result


# --- the library ---------------------------------------------------------------------------------------


def test_counts_are_read_with_the_api_s_default_window_or_the_hours_asked(api: FakeApi) -> None:
    client = OperationsClient(api.url, retry_policy=FAST)
    default = client.counts()
    assert (default.in_progress, default.finished, default.hours) == (
        COUNTS["in_progress"],
        COUNTS["finished"],
        24,
    )
    assert json.loads(default.raw) == {**COUNTS, "hours": 24}
    assert client.counts(hours=720).hours == 720
    assert [(r.path, r.query) for r in api.received] == [
        ("/v1/operation-counts", {}),
        ("/v1/operation-counts", {"hours": "720"}),
    ]


@pytest.mark.parametrize("hours", [0, 721])
def test_hours_out_of_range_is_the_api_s_validation_error_naming_hours(api: FakeApi, hours: int) -> None:
    with pytest.raises(ValidationError) as caught:
        OperationsClient(api.url, retry_policy=FAST).counts(hours=hours)
    assert caught.value.status == 400
    assert [fault.get("parameter") for fault in caught.value.errors] == ["hours"]


@pytest.mark.parametrize(
    "body",
    [
        {"in_progress": {"executing": 1}, "finished": COUNTS["finished"], "hours": 24},
        {**COUNTS, "hours": "24"},
        {**COUNTS},
        {
            "in_progress": {**COUNTS["in_progress"], "executing": -1},
            "finished": COUNTS["finished"],
            "hours": 1,
        },
    ],
)
def test_an_answer_that_is_not_the_counts_is_an_invalid_answer(api: FakeApi, body: dict[str, Any]) -> None:
    api.answer(Reply(200, body))
    with pytest.raises(OperationsError) as caught:
        OperationsClient(api.url, retry_policy=FAST).counts()
    assert caught.value.code == "INVALID_ANSWER"


def test_the_finished_window_starts_hours_minus_one_before_the_current_hour() -> None:
    now = datetime(2026, 11, 30, 9, 41, 7, tzinfo=UTC)
    assert finished_since(1, now) == "20261130_090000"
    assert finished_since(24, now) == "20261129_100000"
    counts = Counts(COUNTS["in_progress"], COUNTS["finished"], 720, "")
    assert counts.since(now) == "20261031_100000"


@pytest.mark.parametrize("count", [0, 1, 230])
def test_list_by_cluster_sends_the_cluster_on_every_page(api: FakeApi, count: int) -> None:
    api.by_cluster = {CLUSTER: by_cluster(count)}
    api.summaries = [summary(n) for n in range(5)]  # the whole list: never what a cluster's list serves
    client = OperationsClient(api.url, retry_policy=FAST)
    listed = list(client.list(cluster=CLUSTER, status="failed", page_size=100))
    assert listed == api.by_cluster[CLUSTER]
    assert len(api.received) == max(1, -(-count // 100))
    assert {(r.query["cluster"], r.query["status"]) for r in api.received} == {(CLUSTER, "failed")}


# --- opsctl counts ----------------------------------------------------------------------------------------


def test_opsctl_counts_is_a_compact_table(api: FakeApi) -> None:
    result = ok(opsctl(api, "counts"))
    assert [line.split() for line in result.stdout.splitlines()] == [
        ["STATUS", "COUNT"],
        ["in", "progress", "unexecuted", "3"],
        ["executing", "12"],
        ["last", "24", "h", "completed", "1204"],
        ["failed", "4"],
        ["canceled", "0"],
    ]
    assert api.received[0].query == {}


def test_opsctl_counts_json_is_the_api_s_answer_for_the_hours_asked(api: FakeApi) -> None:
    result = ok(opsctl(api, "counts", "--hours", "3", "-o", "json"))
    assert json.loads(result.stdout) == {**COUNTS, "hours": 3}
    assert api.received[0].query == {"hours": "3"}
    table = ok(opsctl(api, "counts", "--hours", "720"))
    assert "last 720 h" in table.stdout


@pytest.mark.parametrize("hours", ["0", "721"])
def test_opsctl_counts_shows_the_api_s_400_naming_hours(api: FakeApi, hours: str) -> None:
    result = opsctl(api, "counts", "--hours", hours)
    assert result.returncode == 4
    assert result.stdout == ""
    told = result.stderr.splitlines()
    assert told[0].startswith("error: 400 VALIDATION_ERROR: ")
    assert told[1].startswith("  hours: ")
    assert repr(hours) in told[1]


def test_opsctl_counts_hours_that_is_no_number_is_a_usage_error(api: FakeApi) -> None:
    result = opsctl(api, "counts", "--hours", "1.5")
    assert result.returncode == 2
    assert "--hours" in result.stderr
    assert api.received == []


# --- opsctl list --cluster --------------------------------------------------------------------------------


def test_opsctl_list_of_a_cluster_no_record_names_is_a_header_and_a_line(api: FakeApi) -> None:
    table = ok(opsctl(api, "list", "--cluster", "nowhere"))
    as_json = ok(opsctl(api, "list", "--cluster", "nowhere", "-o", "json"))
    assert table.stdout.split() == ["OPERATION", "STATUS", "UPDATED", "IN", "CLUSTER"]
    assert table.stderr == as_json.stderr == "no operation matches these filters\n"
    assert json.loads(as_json.stdout) == []
    assert [r.query["cluster"] for r in api.received] == ["nowhere", "nowhere"]


def test_opsctl_list_of_one_cluster_shows_its_state_and_rollback(api: FakeApi) -> None:
    api.by_cluster = {CLUSTER: by_cluster(1)}
    rows = listed_rows(ok(opsctl(api, "list", "--cluster", CLUSTER)).stdout)
    assert [(operation_id, cells.split()) for operation_id, cells in rows] == [
        (summary(0)["operation_id"], ["executing", "20261122_070000", "failed"])
    ]
    as_json = ok(opsctl(api, "list", "--cluster", CLUSTER, "-o", "json"))
    assert json.loads(as_json.stdout) == api.by_cluster[CLUSTER]


def test_opsctl_list_of_hundreds_in_a_cluster_fits_80_columns_with_each_state(api: FakeApi) -> None:
    api.by_cluster = {CLUSTER: by_cluster(230)}
    result = ok(opsctl(api, "list", "--cluster", CLUSTER, "--status", "executing"))
    lines = result.stdout.splitlines()
    assert max(cell_len(line) for line in lines) <= 80
    shown = in_cluster_cells(lines)
    expected = [
        " ".join(filter(None, [state or "-", rollback and f"rollback {rollback}"]))
        for state, rollback in (STATES[n % len(STATES)] for n in range(230))
    ]
    assert [" ".join(cell.replace(",", "").split()) for cell in shown] == expected
    assert [(r.query["cluster"], r.query["status"], r.query["page_size"]) for r in api.received] == [
        (CLUSTER, "executing", "100")
    ] * 3
    wide = run_opsctl("list", "--cluster", CLUSTER, "--limit", "2", OPERATIONS_API_URL=api.url, COLUMNS="120")
    assert [line.split()[2:] for line in ok(wide).stdout.splitlines()[1:]] == [
        ["20261122_070000", "failed"],
        ["20261122_070001", "succeeded,", "rollback", "failed"],
    ], "on one line where there is room"


def in_cluster_cells(lines: list[str]) -> list[str]:
    """The IN CLUSTER column of each row, its folded lines joined."""
    start = lines[0].index("IN CLUSTER")
    cells: list[str] = []
    for line in lines[1:]:
        if line[:start].strip():
            cells.append(line[start:].strip())
        else:
            cells[-1] += " " + line[start:].strip()
    return cells
