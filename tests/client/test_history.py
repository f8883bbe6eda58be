"""opsctl history, history --verify and get --sequence as a user runs them (the console script, a process
of its own), against the fake API serving histories built as the contract says (docs/client.md, "History"):
one entry, none (404), three with clusters answering, a thousand over pages, and altered ones."""

from __future__ import annotations

import copy
import json
import subprocess
from typing import Any

import pytest

from tests.client.fake_api import FakeApi
from tests.client.history_entries import PRINCIPAL, chained, entries_of, many_versions, rollout
from tests.support.cli import run_opsctl
from tests.support.records import record_for

OPERATION = "op-rollout"
ROLLOUT_TIMELINE = f"""\
#1  20261122_070001  by {PRINCIPAL}
    created: executing  (last update 20261122_064230)
    sub status: creating networks
    east-1: pending
    west-2: pending
#2  20261122_070002  by {PRINCIPAL}
    executing  (last update 20261122_064300)
    sub status: creating networks → 1/2 clusters
    east-1: pending → 200
#3  20261122_070003  by {PRINCIPAL}
    executing → failed  (last update 20261122_064400)
    sub status removed
    response: 500
    west-2: pending → 500
"""


def opsctl(api: FakeApi, *args: str) -> subprocess.CompletedProcess[str]:
    return run_opsctl(*args, OPERATIONS_API_URL=api.url)


def served(api: FakeApi, versions: list[dict[str, Any]], entries: list[dict[str, Any]] | None = None) -> str:
    operation_id = versions[-1]["operation_id"]
    api.serve_history(operation_id, versions, entries_of(versions) if entries is None else entries)
    return str(operation_id)


def test_history_shows_when_who_the_status_and_each_cluster_s_answer(fake_api: FakeApi) -> None:
    served(fake_api, rollout(OPERATION))
    result = opsctl(fake_api, "history", OPERATION)
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == ROLLOUT_TIMELINE


def test_history_json_is_every_entry_as_the_api_returned_it(fake_api: FakeApi) -> None:
    served(fake_api, rollout(OPERATION))
    result = opsctl(fake_api, "history", OPERATION, "-o", "json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == entries_of(rollout(OPERATION))


def test_a_history_of_one_entry_before_history_existed(fake_api: FakeApi) -> None:
    only = record_for("op-one")
    (entry,) = entries_of([only], principal=None)
    served(fake_api, [only], [chained({**entry, "recorded_time": None}, "")])
    table = opsctl(fake_api, "history", "op-one")
    assert table.stdout == (
        "#1  (before history)  by unknown\n    created: executing  (last update 20261122_064230)\n"
    )
    verified = opsctl(fake_api, "history", "op-one", "--verify")
    assert (verified.returncode, verified.stderr) == (0, "")
    assert verified.stdout.startswith("verified: 1 entries; the last is the current record (")


def test_an_operation_without_history_is_a_404_told_in_words(fake_api: FakeApi) -> None:
    served(fake_api, [record_for("op-none")], [])
    for args in (["history", "op-none"], ["history", "op-none", "--verify"], ["history", "never-written"]):
        result = opsctl(fake_api, *args)
        assert result.returncode == 4, args
        assert result.stderr.startswith("error: 404 "), args
        assert result.stdout == ""


def test_a_thousand_entries_are_read_over_pages_of_a_hundred_and_verify(fake_api: FakeApi) -> None:
    versions = many_versions("op-long", 1000)
    served(fake_api, versions)
    as_json = opsctl(fake_api, "history", "op-long", "-o", "json")
    assert [entry["sequence"] for entry in json.loads(as_json.stdout)] == list(range(1, 1001))
    pages = [r.query for r in fake_api.received if r.path == "/v1/operations/op-long/history"]
    assert [page.get("page_token") for page in pages] == [None, *(str(n) for n in range(100, 1000, 100))]
    assert {page["page_size"] for page in pages} == {"100"}
    table = opsctl(fake_api, "history", "op-long").stdout.splitlines()
    assert table[-2:] == [
        "    executing  (last update 20261122_064230)",
        "    sub status: step 999 → step 1000",
    ]
    verified = opsctl(fake_api, "history", "op-long", "--verify")
    assert (verified.returncode, verified.stderr) == (0, "")
    assert verified.stdout.startswith("verified: 1000 entries")


def altered_change(entries: list[dict[str, Any]]) -> None:
    """East-1's answer rewritten in entry 2 (201, not 200), its digest left as it was."""
    text = json.dumps(entries[1]["changes"])
    assert '"status_code": 200' in text
    entries[1]["changes"] = json.loads(text.replace('"status_code": 200', '"status_code": 201'))


def rewritten_chain(entries: list[dict[str, Any]]) -> None:
    """Entry 2 says west-2 answered too, with every digest from there on recomputed."""
    answer = {"status_code": 200, "body": ""}
    entries[1]["changes"].append({"op": "replace", "path": "/target_clusters/1/response", "value": answer})
    for index in range(1, len(entries)):
        entries[index] = chained(entries[index], entries[index - 1]["digest"])


def removed(entries: list[dict[str, Any]]) -> None:
    del entries[1]


def altered_principal(entries: list[dict[str, Any]]) -> None:
    entries[2]["principal"] = "arn:aws:iam::123456789012:user/someone-else"


@pytest.mark.parametrize(
    ("alter", "told"),
    [
        (altered_change, "sequence 2: its digest 'sha256:"),
        (rewritten_chain, "sequence 2: its version "),
        (removed, "sequence 2: the entry found there has sequence 3"),
        (altered_principal, "sequence 3: its digest 'sha256:"),
    ],
    ids=["change", "chain-rewritten", "entry-removed", "principal"],
)
def test_verify_names_the_first_altered_entry_and_what_is_wrong(
    fake_api: FakeApi, alter: Any, told: str
) -> None:
    altered = copy.deepcopy(entries_of(rollout(OPERATION)))
    alter(altered)
    served(fake_api, rollout(OPERATION), altered)
    result = opsctl(fake_api, "history", OPERATION, "--verify")
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.startswith(f"the history of {OPERATION!r} does not verify: {told}"), result.stderr
    assert "Traceback" not in result.stderr


def test_verify_says_when_the_last_entry_is_not_the_current_record(fake_api: FakeApi) -> None:
    versions = rollout(OPERATION)
    served(fake_api, versions, entries_of(versions[:2]))
    result = opsctl(fake_api, "history", OPERATION, "--verify")
    assert result.returncode == 1
    assert result.stderr.startswith(
        f"the history of {OPERATION!r} does not verify: sequence 2: the last entry's version "
    )
    assert "is not the current record's" in result.stderr


def test_get_sequence_shows_the_record_as_it_was(fake_api: FakeApi) -> None:
    versions = rollout(OPERATION)
    served(fake_api, versions)
    for sequence, record in enumerate(versions, start=1):
        as_json = opsctl(fake_api, "get", OPERATION, "--sequence", str(sequence), "-o", "json")
        assert json.loads(as_json.stdout) == record
    table = opsctl(fake_api, "get", OPERATION, "--sequence", "2").stdout
    assert "sub status  1/2 clusters" in table
    assert [line.split()[:3] for line in table.splitlines() if "-1" in line or "-2" in line] == [
        ["east-1", "succeeded", "200"],
        ["west-2", "pending", "/api/x"],
    ]
    beyond = opsctl(fake_api, "get", OPERATION, "--sequence", "4")
    assert (beyond.returncode, beyond.stderr.startswith("error: 404 ")) == (4, True)
    zero = opsctl(fake_api, "get", OPERATION, "--sequence", "0")
    assert zero.returncode == 2
    assert "--sequence" in zero.stderr


def test_control_characters_in_a_history_are_shown_never_sent_to_the_terminal(fake_api: FakeApi) -> None:
    hostile = "\x1b]0;owned\x07\x1b[2Jcleared"
    versions = [record_for("op-hostile"), record_for("op-hostile", sub_status=hostile)]
    served(fake_api, versions, entries_of(versions, principal=f"arn:aws:iam::1:user/{hostile}"))
    shown = opsctl(fake_api, "history", "op-hostile").stdout
    assert "\x1b" not in shown
    assert r"sub status: \x1b]0;owned\x07\x1b[2Jcleared" in shown
    assert r"by arn:aws:iam::1:user/\x1b]0;owned\x07\x1b[2Jcleared" in shown
