"""The console's URLs: a list view lives in its query string, and page links keep it whole."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest

from operations_client._console.query import BadQuery, ListQuery, operation_href

NOW = datetime(2026, 11, 22, 7, 0, 0, tzinfo=UTC)


def params(href: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(href).query)


def test_no_query_lists_every_status_of_all_time_from_the_first_page() -> None:
    query = ListQuery.parse("")
    assert query.api_filters(NOW) == {
        "status": None,
        "updated_since": None,
        "page_size": None,
        "page_token": None,
    }
    assert query.page_number == 1
    assert query.href() == "/"


def test_statuses_come_from_checkboxes_or_commas_in_the_contract_s_order_and_unknown_ones_are_kept() -> None:
    assert ListQuery.parse("status=failed&status=executing").statuses == ("executing", "failed")
    assert ListQuery.parse("status=failed,completed").statuses == ("completed", "failed")
    assert ListQuery.parse("status=failed&status=bogus").statuses == ("failed", "bogus")


def test_a_time_window_becomes_updated_since_counted_back_from_now() -> None:
    assert ListQuery.parse("window=1h").api_filters(NOW)["updated_since"] == "20261122_060000"
    assert ListQuery.parse("window=15m").api_filters(NOW)["updated_since"] == "20261122_064500"
    assert ListQuery.parse("window=all").api_filters(NOW)["updated_since"] is None


@pytest.mark.parametrize(
    ("query", "message"), [("window=2w", "unknown time window '2w'"), ("page_size=many", "page_size must be")]
)
def test_what_the_console_does_not_offer_is_a_bad_query_saying_what(query: str, message: str) -> None:
    with pytest.raises(BadQuery, match=message):
        ListQuery.parse(query)


def test_the_next_page_freezes_the_window_s_start_and_pushes_the_token() -> None:
    first = ListQuery.parse("status=failed&window=1h&page_size=2")
    second_href = first.next_href("token-1", NOW)
    assert params(second_href) == {
        "status": ["failed"],
        "window": ["1h"],
        "since": ["20261122_060000"],
        "page_size": ["2"],
        "page": ["token-1"],
    }
    later = datetime(2026, 11, 22, 8, 0, 0, tzinfo=UTC)
    second = ListQuery.parse(urlsplit(second_href).query)
    assert second.api_filters(later) == {
        "status": ["failed"],
        "updated_since": "20261122_060000",
        "page_size": 2,
        "page_token": "token-1",
    }
    assert second.page_number == 2


def test_previous_pops_the_token_stack_and_the_first_page_has_no_previous() -> None:
    third = ListQuery.parse("page=token-1&page=token-2%2B%2F%3D")
    assert third.tokens == ("token-1", "token-2+/=")
    assert third.api_filters(NOW)["page_token"] == "token-2+/="
    assert params(third.previous_href() or "") == {"page": ["token-1"]}
    assert ListQuery.parse("page=token-1").previous_href() == "/"
    assert ListQuery.parse("").previous_href() is None


@pytest.mark.parametrize(
    ("operation_id", "page", "raw"),
    [
        ("op-42", "/operations/op-42", "/operations/op-42.json"),
        ("3f2b8c1e.v2~x_y", "/operations/3f2b8c1e.v2~x_y", "/operations/3f2b8c1e.v2~x_y.json"),
        ("report.json", "/operations/report%2Ejson", "/operations/report.json.json"),
    ],
)
def test_an_operation_s_page_and_its_raw_json_never_share_a_url(
    operation_id: str, page: str, raw: str
) -> None:
    assert operation_href(operation_id) == page
    assert operation_href(operation_id, raw=True) == raw
