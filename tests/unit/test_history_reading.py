"""The history's reads (operations_api/history/reading.py, query.py): pages cut by size, the page token,
the path's sequence. Pages are read from moto's table, written straight (tests/support/history.py)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from operations_api import problems, store
from operations_api.history import layout, query, reading
from tests.support.history import HISTORY_TABLE_NAME, versions_of, write_history

LONGEST_ID = "i" * 128
BIG = 399 * 1024


def entry_of(text_bytes: int, filler: str = "a") -> dict[str, Any]:
    return {
        "sequence": 1,
        "changes": [{"op": "replace", "path": "/request/body", "value": filler * text_bytes}],
    }


def stored_history(client: Any, operation_id: str, count: int, body_bytes: int = 0) -> list[dict[str, Any]]:
    versions = versions_of(operation_id, count, body_bytes=body_bytes)  # no record: the reads never read it
    return write_history(client, HISTORY_TABLE_NAME, operation_id, versions)


def walk(operation_id: str, page_size: int) -> list[list[dict[str, Any]]]:
    pages, raw_query = [], f"page_size={page_size}"
    while True:
        page = reading.history_page(operation_id, raw_query)
        pages.append(page["entries"])
        if "next_page_token" not in page:
            return pages
        raw_query = f"page_size={page_size}&page_token={page['next_page_token']}"


def test_a_hundred_entries_of_1_kb_fill_a_page_of_a_hundred() -> None:
    entries = [entry_of(1024)] * 100
    assert reading.fitting_entries(iter(entries)) == entries


def test_entries_of_399_kb_stop_a_page_under_5_mb() -> None:
    page = reading.fitting_entries(iter([entry_of(BIG)] * 25))
    body = json.dumps({"entries": page, "next_page_token": "x" * 40}, separators=(",", ":"))
    assert len(page) == 12
    assert len(body.encode()) < reading.BODY_LIMIT < len(body.encode()) + BIG


def test_entries_escaped_twice_stop_a_page_within_lambdas_6_mb_answer() -> None:
    """Quotes are escaped in the body, and the body once more in the function's answer: the answer binds."""
    page = reading.fitting_entries(iter([entry_of(BIG, '"')] * 25))
    body = json.dumps({"entries": page, "next_page_token": "x" * 40}, separators=(",", ":"))
    answer = json.dumps({"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": body})
    assert len(page) == 3
    assert len(body.encode()) < reading.BODY_LIMIT
    assert len(answer.encode()) <= 6_291_456 < len(answer.encode()) + 2 * len(json.dumps(page[0]))


def test_an_entry_larger_than_a_page_is_a_page_alone() -> None:
    huge = entry_of(6_000_000)
    assert reading.fitting_entries(iter([huge, entry_of(1)])) == [huge]


def test_a_history_of_399_kb_entries_is_read_back_whole_in_pages_under_5_mb(table: Any) -> None:
    entries = stored_history(table, "big", 14, body_bytes=BIG)
    pages = walk("big", 25)
    assert [len(page) for page in pages] == [12, 2]
    assert [entry for page in pages for entry in page] == entries
    item = table.get_item(
        TableName=HISTORY_TABLE_NAME,
        Key={
            "operation_id": {"S": "big"},
            "position": {"S": layout.chunk_position("100000000000000000001", 1, 0)},
        },
    )["Item"]
    assert int(item["chunks"]["N"]) >= 2  # the first entry and its snapshot need more than one item


def test_a_version_or_a_page_is_the_heads_getitem_and_one_query_of_the_history_never_the_record(
    table: Any,
) -> None:
    """The head alone says whether the history is shown (docs/design.md, "Reading the history"): no request
    reaches the records' table, where a GetItem is priced by the whole record's size."""
    entries = stored_history(table, "rebuilt", 31, body_bytes=2048)
    versions = versions_of("rebuilt", 31, body_bytes=2048)
    sent: list[tuple[str, str]] = []
    events = store.dynamodb_client().meta.events
    events.register(
        "provide-client-params.dynamodb.*",
        lambda params, model, **_: sent.append((model.name, params["TableName"])),
        unique_id="history-reads-sent",
    )
    try:
        for sequence in (16, 17, 31):
            sent.clear()
            assert reading.version_at("rebuilt", str(sequence)).document == versions[sequence - 1]
            assert sent == [("GetItem", HISTORY_TABLE_NAME), ("Query", HISTORY_TABLE_NAME)]
        sent.clear()
        assert reading.history_page("rebuilt", "page_size=25")["entries"] == entries[:25]
        assert sent == [("GetItem", HISTORY_TABLE_NAME), ("Query", HISTORY_TABLE_NAME)]
    finally:
        events.unregister("provide-client-params.dynamodb.*", unique_id="history-reads-sent")


def test_the_longest_token_is_far_under_512_characters_for_the_longest_id() -> None:
    token = query.make_token(LONGEST_ID, "9" * 40, 10**layout.SEQUENCE_DIGITS - 1)
    assert len(token) <= 40 < 512
    assert token.isascii()
    assert all(character.isalnum() or character in "._-" for character in token)
    assert query.read_token(token, LONGEST_ID, "9" * 40, 10**layout.SEQUENCE_DIGITS - 1) == 10**10 - 1


@pytest.mark.parametrize(
    ("operation_id", "life", "altered"),
    [
        ("another", "1", lambda token: token),  # another operation's
        (LONGEST_ID, "2", lambda token: token),  # an earlier life of this id
        (LONGEST_ID, "1", lambda token: token[:-1]),  # cut short
        (LONGEST_ID, "1", lambda token: token[:5] + ("A" if token[5] != "A" else "B") + token[6:]),  # altered
        (LONGEST_ID, "1", lambda token: ""),
        (LONGEST_ID, "1", lambda token: "x" * 100_000),
    ],
)
def test_a_token_not_given_by_this_history_is_a_400_naming_page_token(
    operation_id: str, life: str, altered: Any
) -> None:
    token = altered(query.make_token(LONGEST_ID, "1", 2))
    with pytest.raises(problems.Problem) as raised:
        query.read_token(token, operation_id, life, 10)
    assert raised.value.code == "INVALID_PAGE_TOKEN"
    assert raised.value.errors == [{"parameter": "page_token", "detail": raised.value.errors[0]["detail"]}]


def test_a_token_past_the_head_is_refused() -> None:
    with pytest.raises(problems.Problem):
        query.read_token(query.make_token("op", "1", 11), "op", "1", 10)


def test_every_fault_of_the_query_is_named_at_once() -> None:
    with pytest.raises(problems.Problem) as raised:
        query.parse_query("page_size=0&order=desc&page_token=a&page_token=b")
    assert sorted(fault["parameter"] for fault in raised.value.errors) == ["order", "page_size", "page_token"]
    assert query.parse_query("") == query.HistoryQuery(query.DEFAULT_PAGE_SIZE, None)
    assert query.parse_query("page_size=100&page_token=t") == query.HistoryQuery(100, "t")


@pytest.mark.parametrize("text", ["0", "-2", "+2", "2.0", "1e3", " 2", "٢", "12345678901", ""])
def test_a_sequence_that_is_not_a_positive_whole_number_is_a_400_naming_sequence(text: str) -> None:
    with pytest.raises(problems.Problem) as raised:
        query.parse_sequence(text)
    assert raised.value.errors[0]["parameter"] == "sequence"
    assert query.parse_sequence("9999999999") == 9999999999
