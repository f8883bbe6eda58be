"""Listing against the local server's list route (docs/api.md, "Listing operations"): pages followed to
the end, filters, and opsctl list. Each test lists a window of update times that only its records use."""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass

import pytest

from operations_client import OperationsClient, ValidationError
from tests.support.cli import RunCli
from tests.support.records import record_for

DAYS = itertools.count(1)  # each test its own day of January 2031


@dataclass(frozen=True)
class Window:
    since: str
    before: str
    ids: list[str]  # newest first


@pytest.fixture
def seven(client: OperationsClient) -> Window:
    """Seven operations updated one second apart, alone in their window of update times."""
    day = f"203101{next(DAYS):02d}"
    ids = [f"list-{day}-{n}" for n in range(7)]
    for n, operation_id in enumerate(ids):
        status = "failed" if n % 3 == 0 else "executing"
        record = record_for(
            operation_id, occurred_time=f"{day}_000000", last_update_time=f"{day}_00000{n}", status=status
        )
        if status == "failed":
            record["response"] = {"status_code": 500, "body": ""}
        client.put(operation_id, record)
    return Window(f"{day}_000000", f"{day}_010000", ids[::-1])


def test_list_follows_every_page_newest_first(client: OperationsClient, seven: Window) -> None:
    listed = list(client.list(updated_since=seven.since, updated_before=seven.before, page_size=3))
    assert [summary["operation_id"] for summary in listed] == seven.ids
    assert all("body" not in json.dumps(summary) for summary in listed), "summaries carry no body"


def test_pages_hold_page_size_and_the_last_one_no_token(client: OperationsClient, seven: Window) -> None:
    sizes, token = [], None
    while True:
        page = client.list_page(
            updated_since=seven.since, updated_before=seven.before, page_size=3, page_token=token
        )
        sizes.append(len(page.operations))
        if (token := page.next_page_token) is None:
            break
    assert sizes == [3, 3, 1]


def test_list_filters_by_status(client: OperationsClient, seven: Window) -> None:
    failed = client.list(status=["failed"], updated_since=seven.since, updated_before=seven.before)
    assert [summary["operation_id"] for summary in failed] == [seven.ids[0], seven.ids[3], seven.ids[6]]


def test_a_token_used_with_other_filters_is_a_validation_error(
    client: OperationsClient, seven: Window
) -> None:
    page = client.list_page(updated_since=seven.since, updated_before=seven.before, page_size=2)
    assert page.next_page_token is not None
    with pytest.raises(ValidationError) as caught:
        client.list_page(updated_since=seven.since, page_size=2, page_token=page.next_page_token)
    assert caught.value.errors[0].get("parameter") == "page_token"


def test_opsctl_list_against_the_server(run_cli: RunCli, seven: Window) -> None:
    result = run_cli(
        "list", "--since", seven.since, "--before", seven.before, "--status", "executing", "-o", "json"
    )
    assert result.exit_code == 0, result.stderr
    assert [summary["operation_id"] for summary in json.loads(result.stdout)] == [
        seven.ids[1],
        seven.ids[2],
        seven.ids[4],
        seven.ids[5],
    ]
    limited = run_cli("list", "--since", seven.since, "--before", seven.before, "--limit", "2", "-o", "json")
    assert [summary["operation_id"] for summary in json.loads(limited.stdout)] == seven.ids[:2]
    table = run_cli("list", "--since", seven.since, "--before", seven.before)
    assert [line.split()[0] for line in table.stdout.splitlines()[1:]] == seven.ids
