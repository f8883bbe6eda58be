"""The list's query parameters and page token (docs/api.md, "Listing operations"): every fault a 400
naming its parameter, and a token that only the query that made it can use."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from operations_api import problems
from operations_api.listing import query as listing
from operations_api.listing.index import order_key, shard_number
from operations_api.listing.query import ListQuery, make_token, parse_query, read_token
from operations_api.record.rules import STATUSES


def faults_of(raw_query: str) -> list[Mapping[str, str]]:
    with pytest.raises(problems.Problem) as raised:
        parse_query(raw_query)
    assert raised.value.status == 400
    return raised.value.errors


def test_no_parameter_means_every_status_newest_first_in_pages_of_25() -> None:
    assert parse_query("") == ListQuery(STATUSES, None, None, 25, None)


def test_statuses_are_read_in_any_order() -> None:
    assert parse_query("status=failed,executing").statuses == ("executing", "failed")
    assert parse_query("status=failed,executing,failed").statuses == ("executing", "failed")
    query = parse_query("status=completed&updated_since=20261122_000000&updated_before=20261123_000000")
    assert (query.since, query.before) == ("20261122_000000", "20261123_000000")
    assert parse_query("page_size=100").page_size == 100
    assert parse_query("page_size=1").page_size == 1


@pytest.mark.parametrize(
    ("raw_query", "parameter"),
    [
        ("status=running", "status"),
        ("status=", "status"),
        ("status=executing,", "status"),
        ("status=EXECUTING", "status"),
        ("updated_since=2026-11-22", "updated_since"),
        ("updated_since=20261131_000000", "updated_since"),
        ("updated_before=20261122_250000", "updated_before"),
        ("updated_before=", "updated_before"),
        ("updated_since=20261122_000000&updated_before=20261122_000000", "updated_since"),
        ("updated_since=20261123_000000&updated_before=20261122_000000", "updated_since"),
        ("page_size=0", "page_size"),
        ("page_size=101", "page_size"),
        ("page_size=-1", "page_size"),
        ("page_size=1.5", "page_size"),
        ("page_size=abc", "page_size"),
        ("page_size=", "page_size"),
        ("page_size=%C2%B2", "page_size"),
        ("page_size=0010", "page_size"),
        ("page_size=10&page_size=10", "page_size"),
        ("updated_since=20261122_000000&updated_since=20261122_000000", "updated_since"),
        ("limit=10", "limit"),
        ("Status=failed", "Status"),
        ("page_token=a&page_token=b", "page_token"),
        ("status=failed&status=executing", "status"),
    ],
)
def test_each_bad_parameter_is_a_400_naming_it(raw_query: str, parameter: str) -> None:
    assert [fault["parameter"] for fault in faults_of(raw_query)] == [parameter]


def test_every_fault_is_told_at_once() -> None:
    faults = faults_of("status=x&page_size=0&updated_before=soon&colour=red")
    assert {fault["parameter"] for fault in faults} == {"status", "page_size", "updated_before", "colour"}


def test_a_hostile_parameter_name_is_clipped() -> None:
    (fault,) = faults_of("x" * 5000 + "=1")
    assert len(fault["parameter"]) == listing.MAX_NAME_SHOWN


# --- the token ---------------------------------------------------------------------------------------

SHARDS = 4
QUERY = parse_query("status=executing,failed&updated_since=20261122_000000")


def position_in(status: str, number: int, time: str = "20261122_064230") -> str:
    """An order key of some id that lives in shard <status>#<number>."""
    for index in range(1000):
        if shard_number(f"op-{index}", SHARDS) == number:
            return order_key(time, f"op-{index}")
    raise AssertionError("no id found for the shard")


def positions() -> list[Any]:
    shards = listing.shards_of(QUERY, SHARDS)
    values: list[Any] = [None, False, position_in("executing", 2), None, False, False, None, None]
    assert len(values) == len(shards)
    return values


def token_for(query: ListQuery, token: str) -> ListQuery:
    return ListQuery(query.statuses, query.since, query.before, query.page_size, token)


def refusal(query: ListQuery, shard_count: int = SHARDS) -> str:
    with pytest.raises(problems.Problem) as raised:
        read_token(query, shard_count)
    assert raised.value.status == 400
    assert raised.value.code == "INVALID_PAGE_TOKEN"
    (fault,) = raised.value.errors
    assert fault["parameter"] == "page_token"
    return fault["detail"]


def test_a_token_gives_back_where_each_shard_stands() -> None:
    token = make_token(QUERY, SHARDS, positions())
    starts = read_token(token_for(QUERY, token), SHARDS)
    assert starts == {
        "executing#0": None,
        "executing#2": position_in("executing", 2),
        "executing#3": None,
        "failed#2": None,
        "failed#3": None,
    }


def test_a_token_is_opaque_url_safe_text() -> None:
    token = make_token(QUERY, SHARDS, positions())
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert "executing" not in token


def test_the_same_filters_in_another_order_or_page_size_accept_the_token() -> None:
    token = make_token(QUERY, SHARDS, positions())
    reordered = "updated_since=20261122_000000&status=failed,executing,failed&page_size=7"
    same = parse_query(f"{reordered}&page_token={token}")
    assert read_token(same, SHARDS) == read_token(token_for(QUERY, token), SHARDS)


@pytest.mark.parametrize(
    "other",
    [
        "status=executing",
        "status=executing,failed",
        "status=executing,failed&updated_since=20261122_000001",
        "status=executing,failed&updated_since=20261122_000000&updated_before=20270101_000000",
        "",
    ],
)
def test_a_token_used_with_other_filters_is_refused(other: str) -> None:
    token = make_token(QUERY, SHARDS, positions())
    refusal(token_for(parse_query(other), token))


def test_a_token_made_before_the_shard_count_changed_is_refused() -> None:
    token = make_token(QUERY, SHARDS, positions())
    refusal(token_for(QUERY, token), shard_count=8)


@settings(deadline=None)  # no per-example time budget: a loaded machine is slow, not wrong
@given(st.data())
def test_a_token_altered_by_one_character_is_refused(data: st.DataObject) -> None:
    token = make_token(QUERY, SHARDS, positions())
    where = data.draw(st.integers(0, len(token) - 1))
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=+/. %"
    replacement = data.draw(st.sampled_from(alphabet).filter(lambda char: char != token[where]))
    refusal(token_for(QUERY, token[:where] + replacement + token[where + 1 :]))


@settings(deadline=None)  # no per-example time budget: a loaded machine is slow, not wrong
@given(st.data())
def test_a_truncated_token_is_refused(data: st.DataObject) -> None:
    token = make_token(QUERY, SHARDS, positions())
    length = data.draw(st.integers(0, len(token) - 1), label="kept characters")
    assert refusal(token_for(QUERY, token[:length]))


@pytest.mark.parametrize(
    "foreign",
    [
        "abc",
        "e30",  # {}
        "W10",  # []
        "bnVsbA",  # null
        "eyJwIjpbXX0",  # {"p":[]}
        "%%%%",
        "x" * (listing.MAX_TOKEN_LENGTH + 1),
        "🙂",
        "CiAgeyJ2IjogMX0K",
        # JSON nested deeper than the parser's recursion limit, in a token well within a URL's length
        base64.urlsafe_b64encode(b"[" * 12_000).decode("ascii").rstrip("="),
        base64.urlsafe_b64encode(b'{"p":' + b"[" * 3_000 + b"]" * 3_000 + b"}").decode("ascii"),
    ],
)
def test_a_token_that_is_not_ours_is_refused(foreign: str) -> None:
    refusal(token_for(QUERY, foreign))


def forged(query: ListQuery, values: list[Any]) -> ListQuery:
    """A token whose digest matches (anyone can compute it): its positions must still be real ones."""
    return token_for(query, make_token(query, SHARDS, values))


@pytest.mark.parametrize(
    "position",
    [
        "not an order key",
        order_key("20261121_235959", "op-1"),  # before updated_since
        True,
        0,
        {"a": 1},
    ],
)
def test_a_forged_token_with_a_position_that_is_not_real_is_refused(position: Any) -> None:
    values = positions()
    values[0] = position
    refusal(forged(QUERY, values))


def test_a_forged_token_with_an_id_from_another_shard_is_refused() -> None:
    values = positions()
    values[0] = position_in("executing", 1)  # in the place of executing#0
    refusal(forged(QUERY, values))
    values[0] = position_in("executing", 0)
    assert read_token(forged(QUERY, values), SHARDS)["executing#0"] == values[0]


def test_an_empty_page_token_is_refused_not_ignored() -> None:
    query = parse_query("page_token=")
    assert query.page_token == ""
    with pytest.raises(problems.Problem) as raised:
        listing.list_operations("page_token=")
    assert raised.value.errors == [{"parameter": "page_token", "detail": "it is empty or far too long"}]
