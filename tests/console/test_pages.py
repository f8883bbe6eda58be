"""The console's pages rendered from plain values, as the API would give them, and read as text."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from operations_api.record.summary import summarize
from operations_client._console import pages
from operations_client._console.query import ListQuery
from operations_client._timeline import steps
from tests.client.history_entries import entries_of
from tests.console.html_text import read
from tests.support.records import full_record, minimal_record

NOW = datetime(2026, 11, 22, 7, 0, 0, tzinfo=UTC)
ENDPOINT = "http://127.0.0.1:3000"
HOSTILE = '<script>document.title = "pwned"; window.pwned = true;</script>'


def hostile_record() -> dict[str, Any]:
    """A record whose every free-text value holds markup: a worker can write anything there."""
    return minimal_record(
        operation_id="op-hostile",
        sub_status=HOSTILE,
        request={"uri": "/v1/<b>x</b>", "method": "POST", "body": HOSTILE},
        response={"status_code": 500, "body": json.dumps({"message": HOSTILE})},
        target_clusters=[
            {
                "cluster_id": '"><img src=x onerror=alert(1)>',
                "request": {"uri": "/api/<i>", "method": "POST", "body": HOSTILE},
                "response": {"status_code": 502, "body": HOSTILE},
            }
        ],
        rollbacks={"result": HOSTILE, "occurred_time": "20261122_064230", "target_clusters": []},
    )


def test_the_list_shows_each_operation_s_status_link_request_update_and_clusters() -> None:
    record = full_record()
    html = pages.list_page(ENDPOINT, ListQuery(), [summarize(record)], None, NOW)
    page = read(html)
    assert page.of_class("badge")[-1] == "failed"
    assert page.of_class("operation-id") == [record["operation_id"]]
    assert f'href="/operations/{record["operation_id"]}"' in html
    assert "POST /v1/clusters/networks" in page.text
    assert "2026-11-22 06:45:12 UTC 14 min ago" in page.text
    assert page.of_class("cluster-summary") == ["2/3 done, 1 failed"]
    assert page.of_class("page-number") == ["page 1"]
    assert 'rel="next"' not in html
    assert 'rel="prev"' not in html


def test_the_list_keeps_its_filters_checked_and_links_the_next_and_previous_pages() -> None:
    query = ListQuery.parse("status=failed&status=executing&window=24h&page=token-1")
    html = pages.list_page(ENDPOINT, query, [summarize(full_record())], "token-2", NOW)
    assert 'value="failed" checked' in html
    assert 'value="executing" checked' in html
    assert 'value="completed">' in html
    assert 'value="24h" checked' in html
    assert 'rel="prev" href="/?status=executing&amp;status=failed&amp;window=24h"' in html
    assert "page=token-1&amp;page=token-2" in html
    assert read(html).of_class("page-number") == ["page 2"]


def test_an_empty_list_says_nothing_matches() -> None:
    page = read(pages.list_page(ENDPOINT, ListQuery.parse("status=canceled"), [], None, NOW))
    assert "No operations match these filters." in page.text


def test_the_operation_page_lays_out_times_request_response_every_cluster_and_the_rollback() -> None:
    record = full_record()
    page = read(pages.operation_page(ENDPOINT, record, '"etag-1"', NOW, pages.Timeline()))
    assert page.of_class("operation-id") == [record["operation_id"]]
    assert "2026-11-22 06:42:30 UTC (17 min ago)" in page.text
    assert page.of_class("elapsed") == ["took 2 min 42 s"]
    assert '{ "name": "net-a", "cidr": "10.0.0.0/24" }' in page.text
    assert "500" in page.of_class("code")
    assert page.of_class("cluster-id") == ["cluster-a", "cluster-b", "cluster-c", "cluster-a"]
    assert page.of_class("state") == ["succeeded", "failed", "pending", "succeeded"]
    assert page.of_class("count") == ["2/3 done, 1 failed"]
    assert page.of_class("rollback-result") == ["succeeded"]
    assert "DELETE /api/networks/net-7781" in page.text
    assert "raw JSON" in page.of_class("raw")


def test_a_finished_operation_is_not_refreshed_and_a_running_one_is() -> None:
    finished = read(pages.operation_page(ENDPOINT, full_record(), '"e"', NOW, pages.Timeline()))
    running = read(pages.operation_page(ENDPOINT, minimal_record(), '"e"', NOW, pages.Timeline()))
    assert finished.scripts == []
    assert [attributes.get("src") for attributes, _ in running.scripts] == ["/static/console.js"]
    assert "Last refreshed 07:00:00 UTC; refreshing while the operation runs." in running.text
    assert "the operation is finished" in finished.text
    assert "No response yet." in running.text
    assert "No clusters." in running.text
    assert "No rollback." in running.text


def test_markup_in_a_record_is_shown_as_text_and_never_becomes_an_element() -> None:
    record = hostile_record()
    timeline = pages.Timeline(steps=list(steps(entries_of([record], principal=HOSTILE))))
    html = pages.operation_page(ENDPOINT, record, '"e"', NOW, timeline)
    page = read(html)
    assert [attributes.get("src") for attributes, _ in page.scripts] == ["/static/console.js"]
    assert HOSTILE in page.of_class("sub-status")
    assert page.of_class("principal") == [HOSTILE]
    assert f"sub status: {HOSTILE}" in page.text
    assert page.text.count(HOSTILE) >= 6
    assert '"><img src=x onerror=alert(1)>' in page.of_class("cluster-id")
    assert "<img" not in html
    assert "/v1/<b>x</b>" in page.text


def test_markup_in_a_summary_is_shown_as_text_in_the_list() -> None:
    summary = summarize(hostile_record())
    html = pages.list_page(ENDPOINT, ListQuery(), [summary], None, NOW)
    page = read(html)
    assert [attributes.get("src") for attributes, _ in page.scripts] == ["/static/refresh.js"]
    assert HOSTILE in page.of_class("sub-status")


def test_a_problem_page_shows_the_problem_s_code_detail_and_each_error() -> None:
    problem = pages.Problem(
        400,
        "The API refused this request",
        "The API says what is wrong:",
        "VALIDATION_ERROR",
        "1 problem <here>",
        [{"parameter": "updated_since", "detail": "must be a time"}],
    )
    page = read(pages.problem_page(ENDPOINT, problem))
    assert page.of_class("problem-code") == ["VALIDATION_ERROR"]
    assert page.of_class("problem-detail") == ["1 problem <here>"]
    assert "updated_since must be a time" in page.text
