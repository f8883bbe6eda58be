"""The operation page's history and each version's page, with a fake client: the changes in words, one link
per version, a history over pages, and the pages for a change or a history that is not there."""

from __future__ import annotations

import json
from typing import cast

import pytest

from operations_client import OperationsClient
from operations_client._console.app import NO_HISTORY, Console
from tests.client.history_entries import PRINCIPAL, entries_of, many_versions, rollout
from tests.console.html_text import read
from tests.console.test_app import ENDPOINT, NOW, FakeClient, stored


def console_serving(versions: list[dict[str, object]], with_history: bool = True) -> Console:
    operation_id = str(versions[-1]["operation_id"])
    fake = FakeClient(records={operation_id: stored(dict(versions[-1]))})
    fake.versions[operation_id] = [dict(version) for version in versions]
    if with_history:
        fake.entries[operation_id] = entries_of(fake.versions[operation_id])
    return Console(cast(OperationsClient, fake), ENDPOINT, clock=lambda: NOW)


def test_the_operation_page_shows_each_change_in_words_and_links_each_version() -> None:
    reply = console_serving(rollout("op-rollout")).answer("/operations/op-rollout")
    html = reply.body.decode()
    page = read(html)
    assert reply.status == 200
    assert page.of_class("version") == ["#1", "#2", "#3"]
    for sequence in (1, 2, 3):
        assert f'href="/operations/op-rollout/history/{sequence}"' in html
    assert page.of_class("principal") == [PRINCIPAL] * 3
    assert page.of_class("recorded") == [f"2026-11-22 07:00:0{n} UTC" for n in (1, 2, 3)]
    assert page.of_class("status-change") == ["created executing", "executing", "executing → failed"]
    assert page.of_class("changes") == [
        "sub status: creating networks east-1: pending west-2: pending",
        "sub status: creating networks → 1/2 clusters east-1: pending → 200",
        "sub status removed response: 500 west-2: pending → 500",
    ]
    assert 'rel="next"' not in html


def test_an_operation_without_history_yet_says_so_and_shows_the_record() -> None:
    reply = console_serving(rollout("op-rollout"), with_history=False).answer("/operations/op-rollout")
    page = read(reply.body.decode())
    assert reply.status == 200
    assert page.of_class("history-problem") == [NO_HISTORY]
    assert page.of_class("cluster-id") == ["east-1", "west-2"]


def test_a_long_history_is_paged_and_a_later_page_describes_its_first_change() -> None:
    console = console_serving(many_versions("op-long", 150))
    first = console.answer("/operations/op-long").body.decode()
    assert len(read(first).of_class("version")) == 100
    assert 'rel="next" href="/operations/op-long?changes=100"' in first
    second = console.answer("/operations/op-long?changes=100").body.decode()
    page = read(second)
    assert page.of_class("version") == [f"#{n}" for n in range(101, 151)]
    assert page.of_class("changes")[0] == "sub status: step 100 → step 101"
    assert 'rel="prev" href="/operations/op-long"' in second
    assert 'rel="next"' not in second


def test_a_version_s_page_shows_the_record_as_it_was_and_links_back() -> None:
    console = console_serving(rollout("op-rollout"))
    reply = console.answer("/operations/op-rollout/history/2")
    html = reply.body.decode()
    page = read(html)
    assert reply.status == 200
    assert page.of_class("version-note")[0].startswith("As it was after change #2, version")
    assert page.of_class("sub-status") == ["1/2 clusters"]
    assert page.of_class("state") == ["succeeded", "pending"]
    assert page.of_class("elapsed") == [], "a past version's elapsed time would be measured to now"
    assert 'href="/operations/op-rollout"' in html
    assert 'rel="prev" href="/operations/op-rollout/history/1"' in html
    raw = console.answer("/operations/op-rollout/history/2.json")
    assert (raw.status, json.loads(raw.body)) == (200, rollout("op-rollout")[1])


@pytest.mark.parametrize(
    ("target", "status", "told"),
    [
        ("/operations/op-rollout/history/4", 404, "The operation 'op-rollout' has no change #4"),
        ("/operations/op-rollout/history/0", 400, "a change's number is a positive whole number, not '0'"),
        ("/operations/op-rollout/history/x.json", 400, "not 'x'"),
        ("/operations/op-rollout/versions/1", 404, "The console has no page at"),
    ],
)
def test_a_change_that_is_not_there_is_a_page_that_says_so(target: str, status: int, told: str) -> None:
    reply = console_serving(rollout("op-rollout")).answer(target)
    assert reply.status == status
    assert told in read(reply.body.decode()).text
