"""The rules across requests, directly: entity tags, versions, and why a write was refused."""

from __future__ import annotations

from typing import Any

import pytest

from operations_api import service
from operations_api.problems import Problem
from operations_api.record.validation import validate as validate_record
from operations_api.store import StoredOperation, VersionGuard
from tests.support.records import minimal_record


def stored(status: str = "executing", time: str = "20261122_064230", version: str = "v1") -> StoredOperation:
    return StoredOperation(minimal_record(status=status, last_update_time=time), version)


def incoming(status: str = "executing", time: str = "20261122_064230") -> dict[str, Any]:
    response = {"status_code": 200, "body": ""} if status in ("completed", "failed") else None
    return validate_record(minimal_record(status=status, last_update_time=time, response=response))


def code(problem: Problem) -> str:
    return problem.code


@pytest.mark.parametrize(
    ("value", "weak_matches", "tags"),
    [
        (None, False, frozenset()),
        ("  ", False, frozenset()),
        ("*", False, frozenset({"*"})),
        ('"abc"', False, frozenset({"abc"})),
        ('"a", "b" ,"c"', False, frozenset({"a", "b", "c"})),
        ('W/"a", "b"', False, frozenset({"b"})),
        ('W/"a", "b"', True, frozenset({"a", "b"})),
        ('""', False, frozenset({""})),
    ],
)
def test_entity_tag_lists_are_parsed(value: str | None, weak_matches: bool, tags: frozenset[str]) -> None:
    assert service.parse_entity_tags("If-Match", value, weak_matches=weak_matches) == tags


def test_only_weak_tags_in_if_match_can_never_hold() -> None:
    with pytest.raises(Problem) as caught:
        service.parse_entity_tags("If-Match", 'W/"a"', weak_matches=False)
    assert caught.value.code == "PRECONDITION_FAILED"


@pytest.mark.parametrize("tag", [None, '"same"', 'W/"weak"'], ids=["distinct", "repeated", "weak"])
def test_too_many_entity_tags_are_refused_as_listed(tag: str | None) -> None:
    """Counted as listed, repeats and weak tags included: the limit openapi.json states in a pattern."""
    value = ", ".join(tag or f'"{n}"' for n in range(service.MAX_ENTITY_TAGS + 1))
    for header in ("If-Match", "If-None-Match"):
        with pytest.raises(Problem) as caught:
            service.parse_entity_tags(header, value, weak_matches=header == "If-None-Match")
        assert caught.value.code == "INVALID_HEADER"
        assert caught.value.errors == [{"header": header.lower(), "detail": "lists more than 20 entity tags"}]


def test_as_many_entity_tags_as_allowed_are_read() -> None:
    value = ", ".join(f'"{n}"' for n in range(service.MAX_ENTITY_TAGS))
    assert len(service.parse_entity_tags("If-Match", value, weak_matches=False)) == service.MAX_ENTITY_TAGS


def test_the_version_is_a_digest_of_the_content_not_of_key_order() -> None:
    record = minimal_record()
    reordered = dict(reversed(list(record.items())))
    assert service.version_of(record) == service.version_of(reordered)
    assert service.version_of(record) != service.version_of({**record, "sub_status": "x"})
    assert service.etag("abc") == '"abc"'


@pytest.mark.parametrize(
    ("guard", "current", "record", "expected"),
    [
        (VersionGuard(if_match=frozenset({"v0"})), stored(), incoming(), "PRECONDITION_FAILED"),
        (VersionGuard(if_match=frozenset({"*"})), None, incoming(), "PRECONDITION_FAILED"),
        (VersionGuard(if_none_match=frozenset({"*"})), stored(), incoming(), "PRECONDITION_FAILED"),
        (VersionGuard(if_none_match=frozenset({"v1"})), stored(), incoming(), "PRECONDITION_FAILED"),
        (VersionGuard(), stored("completed"), incoming("failed", "20261122_070000"), "TERMINAL_STATUS"),
        (VersionGuard(), stored("canceled", "20261122_080000"), incoming("executing"), "TERMINAL_STATUS"),
        (VersionGuard(), stored(time="20261122_080000"), incoming(), "STALE_UPDATE"),
        (
            VersionGuard(if_match=frozenset({"v1"})),
            stored(time="20261122_080000"),
            incoming(),
            "STALE_UPDATE",
        ),
        (VersionGuard(), stored(), incoming(), "WRITE_CONFLICT"),
        (VersionGuard(), None, incoming(), "WRITE_CONFLICT"),
    ],
)
def test_a_refusal_is_explained_from_the_record_as_it_stood(
    guard: VersionGuard, current: StoredOperation | None, record: dict[str, Any], expected: str
) -> None:
    assert service.explain_refusal(record, guard, current).code == expected
