"""The history's routes through their function, with the events of events/ on moto (docs/api.md, "History").
The history is written straight into its table (tests/support/history.py), apart from the stream loop."""

from __future__ import annotations

import base64
import json
import time
from datetime import UTC, datetime
from types import ModuleType
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from operations_api import service
from operations_api.history import layout
from operations_api.history import query as history_query
from operations_api.listing import token as page_token
from tests.support.events import load_event, put_event
from tests.support.handlers import Invoke, invoker
from tests.support.history import HISTORY_TABLE_NAME, history_event, versions_of, walk_history, write_history
from tests.support.listing import service_settings
from tests.support.records import record_at

FIXTURE_ID = load_event("get_history")["pathParameters"]["operation_id"]
LIFE = "100000000000000000001"  # write_history's


@pytest.fixture
def read(table: Any, history_handler: ModuleType) -> Invoke:
    return invoker(history_handler)


def stored(put: Invoke, table: Any, operation_id: str, count: int, **head: Any) -> list[dict[str, Any]]:
    """`count` versions PUT through the service, and their history written as the loop would."""
    versions = versions_of(operation_id, count)
    for record in versions:
        assert put(put_event(record))["statusCode"] == 200
    return write_history(table, HISTORY_TABLE_NAME, operation_id, versions, **head)


def answer(result: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    return result["statusCode"], json.loads(result["body"])


def test_the_page_fixture_gives_the_first_two_entries_and_a_token_to_the_rest(
    put: Invoke, read: Invoke, table: Any
) -> None:
    entries = stored(put, table, FIXTURE_ID, 3)
    status, page = answer(read(load_event("get_history")))
    assert status == 200
    assert page["entries"] == entries[:2]
    status, rest = answer(read(history_event(FIXTURE_ID, raw_query=f"page_token={page['next_page_token']}")))
    assert (status, rest) == (200, {"entries": entries[2:]})


def test_empty_one_and_many_entries_are_walked_oldest_first(put: Invoke, read: Invoke, table: Any) -> None:
    assert answer(read(history_event("never-written")))[0] == 404
    one = stored(put, table, "one", 1)
    assert answer(read(history_event("one"))) == (200, {"entries": one})
    many = stored(put, table, "many", 60)
    pages, _ = walk_history(read, "many", page_size=7)
    walked = [entry for page in pages for entry in page]
    assert walked == many
    assert [entry["sequence"] for entry in walked] == list(range(1, 61))


def test_the_version_fixture_is_the_record_as_it_was_with_its_etag(
    put: Invoke, read: Invoke, table: Any
) -> None:
    stored(put, table, FIXTURE_ID, 3)
    result = read(load_event("get_history_version"))
    second = versions_of(FIXTURE_ID, 3)[1]
    assert result["statusCode"] == 200
    assert json.loads(result["body"]) == second
    assert result["headers"]["ETag"] == service.etag(service.version_of(second))


def test_every_version_of_a_long_history_is_rebuilt_past_its_checkpoints(
    put: Invoke, read: Invoke, table: Any
) -> None:
    stored(put, table, "long", 40)
    versions = versions_of("long", 40)
    for sequence in (1, 2, 16, 17, 18, 33, 40):
        result = read(history_event("long", str(sequence)))
        assert result["statusCode"] == 200
        assert json.loads(result["body"]) == versions[sequence - 1]
        assert result["headers"]["ETag"] == service.etag(service.version_of(versions[sequence - 1]))


@pytest.mark.parametrize(
    ("fixture", "status", "code"),
    [
        ("get_history_not_found", 404, "OPERATION_NOT_FOUND"),
        ("get_history_invalid", 400, "VALIDATION_ERROR"),
    ],
)
def test_the_problem_fixtures(read: Invoke, fixture: str, status: int, code: str) -> None:
    result = read(load_event(fixture))
    assert result["statusCode"] == status
    assert json.loads(result["body"])["code"] == code


def test_a_sequence_not_reached_is_404_and_a_bad_one_400_naming_sequence(
    put: Invoke, read: Invoke, table: Any
) -> None:
    stored(put, table, "op-3", 3)
    status, problem = answer(read(history_event("op-3", "4")))
    assert (status, problem["code"]) == (404, "SEQUENCE_NOT_FOUND")
    for bad in ("0", "-1", "1.0", "x", "٣", "99999999999"):
        status, problem = answer(read(history_event("op-3", bad)))
        assert (status, problem["errors"][0]["parameter"]) == (400, "sequence"), bad


def test_an_ended_life_or_a_record_without_history_is_unknown(put: Invoke, read: Invoke, table: Any) -> None:
    stored(put, table, "ended", 2, ended=3)
    assert put(put_event(versions_of("unrecorded", 1)[0]))["statusCode"] == 200
    for operation_id in ("ended", "unrecorded"):
        assert answer(read(history_event(operation_id)))[1]["code"] == "OPERATION_NOT_FOUND"
        assert answer(read(history_event(operation_id, "1")))[1]["code"] == "OPERATION_NOT_FOUND"


def test_a_life_whose_last_version_expired_is_never_shown_beside_a_record_created_anew(
    put: Invoke, read: Invoke, table: Any
) -> None:
    """A PUT over an expired record starts a new life; until the loop has recorded it, the head is still the
    old life's, not ended (DynamoDB never deleted the item): the old entries, page, version or token, are
    not shown; the head's expires_at (its last version's expiry) tells that life is over."""
    old_life = stored(put, table, "reborn", 3, expires_at=int(time.time()) - 60)
    token = f"page_size=1&page_token={history_query.make_token('reborn', LIFE, 2)}"
    for event in (
        history_event("reborn"),
        history_event("reborn", "1"),
        history_event("reborn", raw_query=token),
    ):
        status, problem = answer(read(event))
        assert (status, problem["code"]) == (404, "OPERATION_NOT_FOUND"), old_life[0]
    write_history(
        table, HISTORY_TABLE_NAME, "later", versions_of("later", 2), expires_at=int(time.time()) + 60
    )
    assert put(put_event(versions_of("later", 1)[0]))["statusCode"] == 200
    assert answer(read(history_event("later")))[0] == 200  # a life that has not expired yet is shown


def delete_entries(table: Any, operation_id: str, sequences: range) -> None:
    """What the loop does to a life's entries once a new life began (the head read before still the old)."""
    for sequence in sequences:
        position = layout.chunk_position(LIFE, sequence, 0)
        key = {layout.PARTITION_KEY: {"S": operation_id}, layout.SORT_KEY: {"S": position}}
        table.delete_item(TableName=HISTORY_TABLE_NAME, Key=key)


@pytest.mark.parametrize(
    ("deleted", "asked"), [(range(18, 21), "19"), (range(1, 21), "19"), (range(17, 18), "18")]
)
def test_a_version_whose_entries_are_deleted_while_read_is_unknown_never_another_version(
    put: Invoke, read: Invoke, table: Any, deleted: range, asked: str
) -> None:
    """The head still names the old life, its entries going: a 404, not a 500 nor the checkpoint's record."""
    stored(put, table, "going", 20)
    delete_entries(table, "going", deleted)
    status, problem = answer(read(history_event("going", asked)))
    assert (status, problem.get("code")) == (404, "OPERATION_NOT_FOUND")


@pytest.mark.parametrize("deleted", [range(1, 21), range(3, 5)])
def test_a_page_whose_entries_are_deleted_while_read_is_unknown_never_empty_with_a_token(
    put: Invoke, read: Invoke, table: Any, deleted: range
) -> None:
    stored(put, table, "going", 20)
    delete_entries(table, "going", deleted)
    status, problem = answer(
        read(
            history_event(
                "going", raw_query="page_size=5&page_token=" + history_query.make_token("going", LIFE, 3)
            )
        )
    )
    assert (status, problem.get("code")) == (404, "OPERATION_NOT_FOUND")


def test_a_record_deleted_by_hand_keeps_its_history_shown_until_the_loop_ends_its_life(
    read: Invoke, table: Any
) -> None:
    """The route reads the head alone, never the record (docs/design.md, "Reading the history"): within the
    loop's lag a deletion by hand is not seen yet, and once the loop marks the life `ended` it is a 404."""
    versions = versions_of("deleted", 2)  # no record stored: as after its deletion, before the loop
    entries = write_history(table, HISTORY_TABLE_NAME, "deleted", versions)
    assert answer(read(history_event("deleted"))) == (200, {"entries": entries})
    write_history(table, HISTORY_TABLE_NAME, "deleted", versions, ended=3)  # the loop recorded the REMOVE
    for event in (history_event("deleted"), history_event("deleted", "2")):
        assert answer(read(event))[1]["code"] == "OPERATION_NOT_FOUND"


def test_a_version_expired_when_put_hides_the_history_once_the_loop_records_its_expiry(
    put: Invoke, read: Invoke, table: Any
) -> None:
    """A finished report older than the retention period is expired as it is stored (a GET 404s at once);
    the head learns its expiry from the loop, so within the loop's lag the history is still shown."""
    executing = record_at("late", datetime(2020, 1, 1), status="executing")  # never expires while running
    finished = record_at("late", datetime(2020, 1, 1, 1), status="completed")
    with service_settings(RETENTION_DAYS="1"):
        assert put(put_event(executing))["statusCode"] == 200
        write_history(table, HISTORY_TABLE_NAME, "late", [executing])  # as the loop records it
        assert put(put_event(finished))["statusCode"] == 200
        status, page = answer(read(history_event("late")))
        assert (status, len(page["entries"])) == (200, 1), "the loop has not recorded the expired version yet"
        expiry = int(datetime(2020, 1, 2, 1, tzinfo=UTC).timestamp())
        write_history(table, HISTORY_TABLE_NAME, "late", [executing, finished], expires_at=expiry)
        assert answer(read(history_event("late")))[1]["code"] == "OPERATION_NOT_FOUND"


def test_bad_query_parameters_and_another_operations_token_are_400_naming_them(
    put: Invoke, read: Invoke, table: Any
) -> None:
    stored(put, table, "first", 3)
    stored(put, table, "second", 3)
    token = answer(read(history_event("first", raw_query="page_size=1")))[1]["next_page_token"]
    cases = {
        f"page_token={token}": "page_token",
        f"page_token={token[:-1]}": "page_token",
        "page_token=": "page_token",
        "page_size=0": "page_size",
        "page_size=101": "page_size",
        "page_size=ten": "page_size",
        "page_size=1&page_size=2": "page_size",
        "sort=newest": "sort",
    }
    for query, parameter in cases.items():
        status, problem = answer(read(history_event("second", raw_query=query)))
        assert status == 400, query
        assert [fault["parameter"] for fault in problem["errors"]] == [parameter], query


def test_a_bad_id_is_400_naming_operation_id(read: Invoke) -> None:
    status, problem = answer(read(history_event("a" * 129)))
    assert (status, problem["errors"][0]["parameter"]) == (400, "operation_id")


garbage_tokens = st.one_of(
    st.binary(max_size=600).map(lambda raw: base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")),
    st.binary(max_size=600).map(lambda raw: raw.decode("latin-1")),
    st.text(max_size=700),
    # valid-looking: a real digest over another operation's, another life's, or a position not a sequence
    st.builds(
        history_query.make_token,
        st.sampled_from(["fuzzed", "other"]),
        st.sampled_from([LIFE, "0", "2"]),
        st.integers(-3, 10**10 - 1),
    ),
    st.text(max_size=60).map(lambda text: page_token.make_token(text, {"history": "fuzzed", "life": LIFE})),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    token=garbage_tokens, page_size=st.one_of(st.none(), st.text(max_size=5)), sequence=st.text(max_size=12)
)
def test_no_token_page_size_or_sequence_is_ever_a_500(
    put: Invoke, read: Invoke, table: Any, token: str, page_size: str | None, sequence: str
) -> None:
    """Random bytes, base64 of random bytes and tokens with a real digest: a page, or a 400 naming what is
    wrong; a version, or a 400 naming sequence, or a 404."""
    if table.get_item(TableName=HISTORY_TABLE_NAME, Key=_head_key("fuzzed")).get("Item") is None:
        stored(put, table, "fuzzed", 20)
    raw_query = f"page_token={quote(token, safe='')}" + (
        "" if page_size is None else f"&page_size={quote(page_size, safe='')}"
    )
    status, body = answer(read(history_event("fuzzed", raw_query=raw_query)))
    assert status in (200, 400), body
    if status == 400:
        assert {fault["parameter"] for fault in body["errors"]} <= {"page_token", "page_size"}
    status, body = answer(read(history_event("fuzzed", sequence or "0")))
    assert status in (200, 400, 404), body
    if status == 400:
        assert [fault["parameter"] for fault in body["errors"]] == ["sequence"]


def _head_key(operation_id: str) -> dict[str, Any]:
    return {layout.PARTITION_KEY: {"S": operation_id}, layout.SORT_KEY: {"S": layout.HEAD}}
