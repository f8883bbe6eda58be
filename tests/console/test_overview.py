"""The overview, the box that goes to an operation and the list by cluster, rendered by the console against
the fake API (which serves the contract's counts and lists by cluster): what each URL asks the API, and what
the page shows and links to."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest

from operations_client import OperationsClient
from operations_client._console.app import Console
from operations_client._console.server import Reply
from tests.client.fake_api import FakeApi, cluster_summary, serve
from tests.client.fake_api import Reply as ApiReply
from tests.console.html_text import read
from tests.support.cli import FAST

NOW = datetime(2026, 11, 22, 7, 30, 0, tzinfo=UTC)
COUNTS = {
    "in_progress": {"unexecuted": 2, "executing": 17},
    "finished": {"completed": 310, "failed": 6, "canceled": 1},
}
CLUSTER = "eu-west-3"


@pytest.fixture
def api() -> Iterator[FakeApi]:
    for server in serve():
        server.counts = COUNTS
        yield server


@pytest.fixture
def console(api: FakeApi) -> Console:
    return Console(OperationsClient(api.url, retry_policy=FAST), api.url, clock=lambda: NOW)


def html(reply: Reply) -> str:
    return reply.body.decode()


def tile_links(page: str) -> dict[str, str]:
    """Each count's status, and the list it links to."""
    found = re.findall(r'<a class="tile status-\w+" data-status="(\w+)" href="([^"]+)"', page)
    return {status: href.replace("&amp;", "&") for status, href in found}


def test_the_overview_shows_every_count_of_the_default_window(console: Console, api: FakeApi) -> None:
    reply = console.answer("/overview")
    assert reply.status == 200
    page = read(html(reply))
    assert page.of_class("number") == ["2", "17", "310", "6", "1"]
    assert "in the last 24 h, since 2026-11-21 08:00:00 UTC" in page.text
    assert [(r.path, r.query) for r in api.received] == [("/v1/operation-counts", {"hours": "24"})]


def test_each_count_links_to_the_list_of_what_it_counts(console: Console, api: FakeApi) -> None:
    links = tile_links(html(console.answer("/overview?hours=1")))
    assert links == {
        "unexecuted": "/?status=unexecuted",
        "executing": "/?status=executing",
        "completed": "/?status=completed&since=20261122_070000",
        "failed": "/?status=failed&since=20261122_070000",
        "canceled": "/?status=canceled&since=20261122_070000",
    }
    assert console.answer(links["failed"]).status == 200
    listed = api.received[-1]
    assert (listed.path, listed.query["status"], listed.query["updated_since"]) == (
        "/v1/operations",
        "failed",
        "20261122_070000",
    )


def test_the_window_s_hours_are_asked_of_the_api_and_its_400_is_told_in_place(
    console: Console, api: FakeApi
) -> None:
    month = read(html(console.answer("/overview?hours=720")))
    assert "in the last 30 d, since 2026-10-23 08:00:00 UTC" in month.text
    refused = console.answer("/overview?hours=721")
    assert refused.status == 200, "the box to go to an operation still works"
    page = read(html(refused))
    assert page.of_class("number") == []
    assert page.of_class("problem-error-at") == ["hours"]
    assert "400 VALIDATION_ERROR" in page.of_class("problem-code")[0]
    assert 'name="id"' in html(refused)
    assert [r.query["hours"] for r in api.received] == ["720", "721"]


def test_hours_that_is_no_number_is_a_page_naming_it(console: Console, api: FakeApi) -> None:
    reply = console.answer("/overview?hours=abc")
    assert reply.status == 400
    assert "hours must be a whole number, not 'abc'" in read(html(reply)).text
    assert api.received == []


def test_an_api_without_counts_leaves_the_overview_usable(console: Console, api: FakeApi) -> None:
    api.answer(ApiReply(404, {"status": 404, "code": "NOT_FOUND", "detail": "no route"}))
    reply = console.answer("/overview")
    assert reply.status == 200
    assert "404 NOT_FOUND" in read(html(reply)).of_class("problem-code")[0]


@pytest.mark.parametrize(
    ("typed", "location"),
    [
        ("op-42", "/operations/op-42"),
        ("  op-42 \n", "/operations/op-42"),
        ("a/b c?d", "/operations/a%2Fb%20c%3Fd"),
        ("report.json", "/operations/report%2Ejson"),
    ],
)
def test_the_box_goes_to_the_operation_s_page(console: Console, typed: str, location: str) -> None:
    reply = console.answer("/go?" + "id=" + re.sub(r"[^\w.-]", lambda m: f"%{ord(m[0]):02X}", typed))
    assert (reply.status, reply.headers.get("Location")) == (303, location)


@pytest.mark.parametrize("query", ["", "id=", "id=%20%20"])
def test_an_empty_box_is_a_page_saying_so(console: Console, query: str) -> None:
    reply = console.answer("/go?" + query)
    assert reply.status == 400
    assert "the id is empty" in read(html(reply)).text


def test_the_list_by_cluster_asks_for_it_shows_each_state_and_keeps_it_on_the_next_page(
    console: Console, api: FakeApi
) -> None:
    api.by_cluster = {
        CLUSTER: [
            cluster_summary(3, CLUSTER, "failed", "succeeded"),
            cluster_summary(2, CLUSTER, None, "pending"),
            cluster_summary(1, CLUSTER, "succeeded"),
        ]
    }
    first = html(console.answer(f"/?cluster={CLUSTER}&page_size=2"))
    page = read(first)
    assert "in this cluster" in page.text
    assert page.of_class("state") == ["failed", "succeeded", "pending"]  # the first's rollback, the second's
    assert page.of_class("rollback-state") == ["rollback succeeded", "rollback pending"]
    assert page.of_class("muted") == ["rollback only"]
    assert api.received[-1].query == {"cluster": CLUSTER, "page_size": "2"}
    next_href = re.findall(r'<a rel="next" href="([^"]+)"', first)[0].replace("&amp;", "&")
    assert parse_qs(urlsplit(next_href).query)["cluster"] == [CLUSTER]
    second = read(html(console.answer(next_href)))
    assert second.of_class("in-cluster") == ["succeeded"]
    assert f'value="{CLUSTER}"' in first, "the filter shows the cluster asked for"


def test_a_cluster_no_record_names_is_an_empty_list_and_the_api_s_400_a_page(
    console: Console, api: FakeApi
) -> None:
    empty = read(html(console.answer("/?cluster=nowhere")))
    assert "No operations match these filters." in empty.text
    fault = {"parameter": "cluster", "detail": "at most 512 characters"}
    api.answer(ApiReply(400, {"status": 400, "code": "VALIDATION_ERROR", "detail": "bad", "errors": [fault]}))
    refused = console.answer("/?cluster=" + "c" * 513)
    assert refused.status == 400
    assert read(html(refused)).of_class("problem-error-at") == ["cluster"]
