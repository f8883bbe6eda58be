"""The strict JSON reader of request bodies: what plain json.loads would let through is refused."""

from __future__ import annotations

import pytest

from operations_api.jsonbody import MalformedJson, loads_object


def test_an_object_is_read_as_it_is() -> None:
    assert loads_object('{"a": [1, null, "x", {"b": true}]}') == {"a": [1, None, "x", {"b": True}]}


@pytest.mark.parametrize(
    ("document", "reason"),
    [
        ('{"status": "executing", "status": "completed"}', "duplicate key 'status'"),
        ('{"a": {"k": 1, "k": 2}}', "duplicate key 'k'"),
        ('{"n": NaN}', "NaN is not a JSON number"),
        ('{"n": -Infinity}', "-Infinity is not a JSON number"),
        ("[1, 2]", "the top level is array, not an object"),
        ('"text"', "the top level is string, not an object"),
        ("null", "the top level is null, not an object"),
        ("12", "the top level is number, not an object"),
        ("true", "the top level is boolean, not an object"),
        ('{"s": "\\ud800"}', "lone UTF-16 surrogate"),
        ('{"\\udfff": 1}', "lone UTF-16 surrogate"),
        ('{"n": ' + "9" * 5000 + "}", "Exceeds the limit"),
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ],
)
def test_what_cannot_round_trip_is_refused(document: str, reason: str) -> None:
    with pytest.raises(MalformedJson) as caught:
        loads_object(document)
    assert reason in str(caught.value)
    assert "line 1" not in str(caught.value), "no position where it would mislead"


def test_a_surrogate_pair_is_one_character_and_accepted() -> None:
    assert loads_object('{"s": "\\ud83d\\ude00"}') == {"s": "\U0001f600"}


@pytest.mark.parametrize(
    ("document", "reason"),
    [
        ('{"a": ', "Expecting value at line 1, column 7"),
        ('{\n  "a": 1,\n}', "Expecting property name enclosed in double quotes at line 3, column 1"),
        (" \r\n\t ", "Expecting value at line 2, column 3"),
    ],
)
def test_a_syntax_error_keeps_its_line_and_column(document: str, reason: str) -> None:
    with pytest.raises(MalformedJson) as caught:
        loads_object(document)
    assert str(caught.value) == reason
