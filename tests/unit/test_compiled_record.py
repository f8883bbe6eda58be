"""The compiled validator (`record.compiled`, what the PUT runs) against the one it replaces, pydantic-core
with the committed schema (`devtools.record_schema.validate_with_core`): the same status, problem code and
errors (pointer and detail, in order), or the same record (key order included), on every fixture and on
hypothesis-drawn records, valid and mutated."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from types import ModuleType, SimpleNamespace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devtools.record_schema import validate_with_core
from operations_api import jsonbody
from operations_api.problems import FAULT_WORDING, Problem
from operations_api.record import compiled, validation
from operations_api.record.rules import (
    CLUSTER_ID_MAX_LENGTH,
    OPERATION_URI_MAX_LENGTH,
    STATUSES,
    SUB_STATUS_MAX_LENGTH,
)
from tests.support.environment import EVENTS
from tests.support.events import put_event
from tests.support.handlers import Invoke
from tests.support.records import full_record, minimal_record

Validate = Callable[[Any], dict[str, Any]]


def outcome(validate: Validate, body: Any) -> tuple[Any, ...]:
    """What a client would see of a validation: the problem's status, code and errors, or the record."""
    try:
        document = validate(copy.deepcopy(body))
    except Problem as problem:
        return (int(problem.status), problem.code, problem.errors)
    return (200, json.dumps(document))


def assert_alike(body: Any) -> tuple[Any, ...]:
    compiled = outcome(validation.validate, body)
    assert compiled == outcome(validate_with_core, body)
    return compiled


# --- every fixture -------------------------------------------------------------------------------------

PUT_FIXTURES = sorted(path.stem for path in EVENTS.glob("put_operation*.json"))


def fixture_body(name: str) -> Any:
    try:
        return jsonbody.loads_object(json.loads((EVENTS / f"{name}.json").read_text("utf-8"))["body"])
    except jsonbody.MalformedJson:
        return None


def test_the_fixtures_include_valid_and_invalid_records() -> None:
    outcomes = {name: assert_alike(fixture_body(name))[0] for name in PUT_FIXTURES if fixture_body(name)}
    assert {200, 400} <= set(outcomes.values()), outcomes


def through_the_handler(
    event: dict[str, Any], put: Invoke, put_handler: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> tuple[int, Any]:
    """The PUT's answer (status and body) with the compiled validator, asserted equal to the answer with
    the reference; a valid record is written twice, the second write accepted as the first."""
    compiled = put(copy.deepcopy(event))
    with monkeypatch.context() as patched:
        patched.setattr(put_handler, "record", SimpleNamespace(validate=validate_with_core))
        reference = put(copy.deepcopy(event))
    answer = (compiled["statusCode"], json.loads(compiled["body"]))
    assert answer == (reference["statusCode"], json.loads(reference["body"]))
    return answer


@pytest.mark.parametrize("name", PUT_FIXTURES)
def test_every_put_fixture_gets_the_same_answer_through_the_handler(
    name: str, put: Invoke, put_handler: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    event = json.loads((EVENTS / f"{name}.json").read_text("utf-8"))
    status, _ = through_the_handler(event, put, put_handler, monkeypatch)
    assert status == (200 if name in ("put_operation", "put_operation_stale") else 400)


@pytest.mark.parametrize(
    ("record", "status"),
    [(full_record(), 200), (minimal_record(), 200), ({}, 400), (minimal_record(status="done"), 400)],
    ids=["full", "minimal", "empty", "bad-status"],
)
def test_the_records_of_the_tests_get_the_same_answer_through_the_handler(
    record: dict[str, Any], status: int, put: Invoke, put_handler: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert through_the_handler(put_event(record), put, put_handler, monkeypatch)[0] == status


# --- hypothesis: records drawn valid, then mutated ------------------------------------------------------

TIMES = st.datetimes().map(lambda moment: moment.strftime("%Y%m%d_%H%M%S"))
TEXT = st.text(max_size=12)
NON_EMPTY = st.text(min_size=1, max_size=12)
HTTP_METHODS = st.sampled_from(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
STATUS_CODES = st.integers(100, 599)


def bounded(limit: int) -> st.SearchStrategy[str]:
    """Text short, or at its bound (docs/api.md, "Identifiers"), or one past it."""
    return st.one_of(NON_EMPTY, st.sampled_from(["c" * limit, "c" * (limit + 1), "é" * limit]))


def optional(strategy: st.SearchStrategy[Any], nullable: bool = True) -> st.SearchStrategy[Any]:
    """A value, null, or ABSENT (the key left out)."""
    return st.one_of(strategy, st.just(None) if nullable else strategy, st.just(ABSENT))


ABSENT = object()


def objects(**fields: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(fields).map(
        lambda drawn: {key: value for key, value in drawn.items() if value is not ABSENT}
    )


CLUSTER_RESPONSES = objects(status_code=optional(STATUS_CODES), body=optional(TEXT))
TARGET_CLUSTERS = objects(
    cluster_id=bounded(CLUSTER_ID_MAX_LENGTH),
    request=objects(uri=NON_EMPTY, method=HTTP_METHODS, body=TEXT),
    response=optional(CLUSTER_RESPONSES),
)
ROLLBACKS = objects(
    result=NON_EMPTY,
    occurred_time=TIMES,
    target_clusters=optional(
        st.lists(
            objects(
                cluster_id=bounded(CLUSTER_ID_MAX_LENGTH),
                request=objects(uri=NON_EMPTY, method=HTTP_METHODS, body=optional(TEXT)),
                response=optional(CLUSTER_RESPONSES),
            ),
            max_size=3,
        )
    ),
)


@st.composite
def records(draw: st.DrawFn) -> dict[str, Any]:
    """A record the contract accepts, mostly: times in either order, a finished one maybe without its
    response, strings at and past their bounds."""
    times = sorted(draw(st.lists(TIMES, min_size=2, max_size=2)), reverse=draw(st.booleans()))
    record = {
        "operation_id": draw(st.from_regex(r"[A-Za-z0-9._~-]{1,128}", fullmatch=True)),
        "occurred_time": times[0],
        "last_update_time": times[1],
        "status": draw(st.sampled_from(STATUSES)),
        "sub_status": draw(optional(bounded(SUB_STATUS_MAX_LENGTH), nullable=False)),
        "request": draw(
            objects(
                uri=bounded(OPERATION_URI_MAX_LENGTH),
                method=st.sampled_from(["POST", "PUT", "DELETE"]),
                body=TEXT,
            )
        ),
        "response": draw(optional(objects(status_code=STATUS_CODES, body=TEXT))),
        "target_clusters": draw(optional(st.lists(TARGET_CLUSTERS, max_size=3))),
        "rollbacks": draw(optional(ROLLBACKS)),
    }
    return {key: value for key, value in record.items() if value is not ABSENT}


# What a mutation puts in place of a value: every JSON type, the bounds of the numbers and strings, times
# real and not, words of the record's literals, objects and lists empty and not.
WRONG_VALUES = st.one_of(
    st.sampled_from(
        [
            *[None, True, False, 0, 99, 100, 599, 600, -1, 2**70, 1.5, 200.0, "", "x", ".", "..", "a/b"],
            *["20261122_064230", "20260230_000000", "2026-11-22", "completed", "failed", "POST", "GET"],
            *[[], [{}], [None], {}, {"uri": "/"}, {"status_code": 200, "body": ""}],
        ]
    ),
    st.sampled_from([CLUSTER_ID_MAX_LENGTH, SUB_STATUS_MAX_LENGTH, OPERATION_URI_MAX_LENGTH]).flatmap(
        lambda limit: st.sampled_from(["u" * limit, "u" * (limit + 1)])
    ),
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=5),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
        max_leaves=6,
    ),
)


def containers(node: Any) -> list[Any]:
    """Every object and list in a document, the document first."""
    if isinstance(node, dict):
        return [node, *(found for value in node.values() for found in containers(value))]
    if isinstance(node, list):
        return [node, *(found for value in node for found in containers(value))]
    return []


# What a mutation puts in place of a string or an integer of the record: the edges of its rules.
EDGES = {
    str: st.sampled_from(
        ["", ".", "..", "a b", "20260230_000000", "20261122_064230", "19991231_235960", "DONE"]
    ),
    int: st.sampled_from([99, 100, 599, 600, -(2**70), 2**70]),
}


def leaves(node: Any) -> list[tuple[Any, Any]]:
    """Every (container, key) of a document whose value is a string or an integer."""
    keys = node.keys() if isinstance(node, dict) else range(len(node))
    return [(node, key) for key in keys if type(node[key]) in EDGES]


@st.composite
def mutated(draw: st.DrawFn) -> dict[str, Any]:
    """A drawn record with one to four faults, anywhere in it: a value replaced (by any JSON, or at the
    edge of its rule: integers as often as strings), a key removed, or an unknown key added."""
    record = draw(records())
    for _ in range(draw(st.integers(1, 4))):
        target = draw(st.sampled_from(containers(record)))
        keys = sorted(target) if isinstance(target, dict) else list(range(len(target)))
        how = draw(st.sampled_from(["replace", "edge", "remove", "add"]))
        edges = [leaf for node in containers(record) for leaf in leaves(node)]
        if how == "edge" and edges:
            kind = draw(st.sampled_from(sorted({type(node[key]).__name__ for node, key in edges})))
            node, key = draw(
                st.sampled_from([leaf for leaf in edges if type(leaf[0][leaf[1]]).__name__ == kind])
            )
            node[key] = draw(EDGES[type(node[key])])
        elif how == "add" and isinstance(target, dict):
            added = draw(st.sampled_from(["extra", "Status", "response", "sub_status", "id"]))
            target[added] = draw(WRONG_VALUES.map(copy.deepcopy))
        elif keys:
            key = draw(st.sampled_from(keys))
            if how == "remove" and isinstance(target, dict):
                del target[key]
            else:
                target[key] = draw(WRONG_VALUES.map(copy.deepcopy))
    return record


RUNS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@RUNS
@given(records())
def test_drawn_records_get_the_same_answer(record: dict[str, Any]) -> None:
    assert_alike(record)


@RUNS
@given(mutated())
def test_mutated_records_get_the_same_problems(record: dict[str, Any]) -> None:
    assert_alike(record)


@RUNS
@given(WRONG_VALUES)
def test_a_body_of_any_shape_gets_the_same_answer(body: Any) -> None:
    assert_alike(body)


def single_faults(record: Any) -> list[Any]:
    """The record with one fault, every way: each value replaced by each of EVERY_WRONG_VALUE, each key
    removed, an unknown key added to each object."""
    found: list[Any] = []
    for index, node in enumerate(containers(record)):
        keys = list(node) if isinstance(node, dict) else list(range(len(node)))
        for key in keys:
            for value in [*EVERY_WRONG_VALUE, ABSENT]:
                changed = copy.deepcopy(record)
                target = containers(changed)[index]
                if value is not ABSENT:
                    target[key] = value
                elif isinstance(target, dict):
                    del target[key]
                found.append(changed)
        if isinstance(node, dict):
            changed = copy.deepcopy(record)
            containers(changed)[index]["unknown"] = 1
            found.append(changed)
    return found


EVERY_WRONG_VALUE = [
    *[None, True, 0, 99, 100, 599, 600, 2**70, 1.5, "", ".", "a b", "DONE", "GET", "completed"],
    *["20260230_000000", "20261122_064230", "19991231_235959", "u" * CLUSTER_ID_MAX_LENGTH],
    *[
        "u" * (CLUSTER_ID_MAX_LENGTH + 1),
        "u" * (SUB_STATUS_MAX_LENGTH + 1),
        "u" * (OPERATION_URI_MAX_LENGTH + 1),
    ],
    *[[], [{}], {}, {"status_code": 200, "body": ""}],
]


def test_every_single_fault_of_the_full_record_gets_the_same_problems() -> None:
    """Each value of the full record (clusters, rollbacks, a sub_status) at each edge, each key removed,
    an unknown key in each object: the same answer, and every fault the record has wording for."""
    kinds: set[str] = set()
    for body in single_faults({**full_record(), "sub_status": "rolling back"}):
        assert_alike(body)
        kinds.update(fault["type"] for fault in compiled.validate(body)[1])
    assert not set(FAULT_WORDING) - kinds, "no single fault reaches these"
