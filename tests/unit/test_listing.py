"""The list's query parameters and page token (docs/api.md, "Listing operations"): every fault a 400
naming its parameter, and a token that only the query that made it can use."""

from __future__ import annotations

import base64
from collections.abc import Mapping

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from operations_api import problems
from operations_api.listing import query as listing
from operations_api.listing import token as page_token
from operations_api.listing.index import ID_ALPHABET, order_key
from operations_api.listing.query import ListQuery, make_token, parse_query, read_token
from operations_api.record.rules import OPERATION_ID_MAX_LENGTH, STATUSES


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
POSITION = order_key("20261122_064230", "op-7")


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


def test_a_token_gives_back_the_position_the_next_page_resumes_after() -> None:
    token = make_token(QUERY, SHARDS, POSITION)
    assert read_token(token_for(QUERY, token), SHARDS) == POSITION


def test_a_token_is_opaque_url_safe_text() -> None:
    token = make_token(QUERY, SHARDS, POSITION)
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert "executing" not in token


@settings(deadline=None)  # no per-example time budget: a loaded machine is slow, not wrong
@given(
    operation_id=st.text(ID_ALPHABET, min_size=OPERATION_ID_MAX_LENGTH - 3, max_size=OPERATION_ID_MAX_LENGTH),
    statuses=st.lists(st.sampled_from(STATUSES), min_size=1, unique=True),
    shard_count=st.integers(1, 10_000),
)
def test_a_token_of_the_longest_id_fits_512_characters_whatever_the_filters(
    operation_id: str, statuses: list[str], shard_count: int
) -> None:
    query = parse_query(
        f"status={','.join(statuses)}&updated_since=20261122_000000&updated_before=20261123_000000"
    )
    token = make_token(query, shard_count, order_key("20261122_235959", operation_id))
    assert len(token) <= 512
    assert read_token(token_for(query, token), shard_count) == order_key("20261122_235959", operation_id)


@settings(deadline=None)  # no per-example time budget: a loaded machine is slow, not wrong
@given(position=st.text(min_size=1, max_size=page_token.MAX_POSITION_BYTES // 4))
def test_any_position_another_list_keeps_fits_512_characters(position: str) -> None:
    """Four UTF-8 bytes at most a character: the history's and the cluster list's positions fit too."""
    binding = {"list": "elsewhere", "filters": {"cluster": "c" * 600}}
    token = page_token.make_token(position, binding)
    assert len(token) <= page_token.MAX_TOKEN_LENGTH == 512
    assert page_token.read_token(token, binding) == position


def test_a_position_too_long_for_a_token_is_refused_where_it_is_made() -> None:
    with pytest.raises(ValueError, match="does not fit a page token"):
        page_token.make_token("x" * (page_token.MAX_POSITION_BYTES + 1), {})
    assert len(page_token.make_token("x" * page_token.MAX_POSITION_BYTES, {})) == 512


def test_the_same_filters_in_another_order_or_page_size_accept_the_token() -> None:
    token = make_token(QUERY, SHARDS, POSITION)
    reordered = "updated_since=20261122_000000&status=failed,executing,failed&page_size=7"
    same = parse_query(f"{reordered}&page_token={token}")
    assert read_token(same, SHARDS) == POSITION


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
    token = make_token(QUERY, SHARDS, POSITION)
    assert refusal(token_for(parse_query(other), token)) == "it was altered, or made for other filters"


def test_a_token_made_before_the_shard_count_changed_is_refused() -> None:
    token = make_token(QUERY, SHARDS, POSITION)
    refusal(token_for(QUERY, token), shard_count=8)


def test_a_token_of_another_list_is_refused() -> None:
    token = page_token.make_token(POSITION, {"list": "history", "filters": QUERY.filters(), "shards": SHARDS})
    refusal(token_for(QUERY, token))


@settings(deadline=None)  # no per-example time budget: a loaded machine is slow, not wrong
@given(st.data())
def test_a_token_altered_by_one_character_is_refused(data: st.DataObject) -> None:
    token = make_token(QUERY, SHARDS, POSITION)
    where = data.draw(st.integers(0, len(token) - 1))
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=+/. %"
    replacement = data.draw(st.sampled_from(alphabet).filter(lambda char: char != token[where]))
    refusal(token_for(QUERY, token[:where] + replacement + token[where + 1 :]))


@settings(deadline=None)  # no per-example time budget: a loaded machine is slow, not wrong
@given(st.data())
def test_a_truncated_token_is_refused(data: st.DataObject) -> None:
    token = make_token(QUERY, SHARDS, POSITION)
    length = data.draw(st.integers(0, len(token) - 1), label="kept characters")
    assert refusal(token_for(QUERY, token[:length]))


def test_a_token_from_before_the_change_is_refused() -> None:
    """Release 2's tokens: base64url JSON, a position per shard and a digest."""
    old = b'{"v":2,"p":[null,false,"20261122_064230#Zb~",null,false,false,null,null],"d":"0123456789abcdef"}'
    detail = refusal(token_for(QUERY, base64.urlsafe_b64encode(old).decode("ascii").rstrip("=")))
    assert detail == "it is not a token of this API, or of an earlier release"


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
        "Aw",  # the version byte alone
        base64.urlsafe_b64encode(b"\x03" + b"\xff" * 40).decode("ascii"),
    ],
)
def test_a_token_that_is_not_ours_is_refused(foreign: str) -> None:
    refusal(token_for(QUERY, foreign))


@pytest.mark.parametrize(
    "position",
    [
        "not an order key",
        order_key("20261121_235959", "op-1"),  # before updated_since
        "20261122_064230#",
        order_key("20261122_064230", "op-1")[:-1],
    ],
)
def test_a_forged_token_with_a_position_that_is_not_real_is_refused(position: str) -> None:
    """Anyone can compute the digest: the position must still be one of this list's."""
    forged = token_for(QUERY, make_token(QUERY, SHARDS, position))
    assert refusal(forged) == "it holds a position that is not one of this list"


def test_a_forged_position_at_or_after_updated_before_is_refused() -> None:
    query = parse_query("updated_before=20261122_000000")
    refusal(token_for(query, make_token(query, SHARDS, order_key("20261122_000000", "op-1"))))
    inside = order_key("20261121_235959", "op-1")
    assert read_token(token_for(query, make_token(query, SHARDS, inside)), SHARDS) == inside


def test_an_empty_page_token_is_refused_not_ignored() -> None:
    query = parse_query("page_token=")
    assert query.page_token == ""
    with pytest.raises(problems.Problem) as raised:
        listing.list_operations("page_token=")
    assert raised.value.errors == [{"parameter": "page_token", "detail": "it is empty or far too long"}]
