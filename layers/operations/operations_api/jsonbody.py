"""Strict JSON for request bodies (`api.json_body`).

Python's `json.loads` is lenient where a record store must not be: it keeps the last of two duplicate
keys (silently dropping one), accepts NaN and Infinity, and parses lone UTF-16 surrogates that cannot be
stored or sent back as UTF-8. Each of these is refused here as `MalformedJson`, which `api` answers with
a 400 MALFORMED_JSON. So is a top level that is not an object: it can never be a record. A syntax error
keeps its position (line and column), so the sender can find it.
"""

from __future__ import annotations

import json
from typing import Any

_SURROGATE_ESCAPES = ("\\ud8", "\\ud9", "\\uda", "\\udb", "\\udc", "\\udd", "\\ude", "\\udf")


class MalformedJson(ValueError):
    """A body that is not one strict JSON object; its message says why, for the sender."""


_JSON_TYPE_NAMES = {str: "string", int: "number", float: "number", bool: "boolean", list: "array"}


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {key[:64]!r}")
        result[key] = value
    return result


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _has_lone_surrogate(value: Any) -> bool:
    if isinstance(value, str):
        return not value.isascii() and any("\ud800" <= char <= "\udfff" for char in value)
    if isinstance(value, dict):
        return any(_has_lone_surrogate(key) or _has_lone_surrogate(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_has_lone_surrogate(item) for item in value)
    return False


def loads_object(document: str) -> dict[str, Any]:
    """Parse a request body that must be one JSON object, refusing what cannot round-trip exactly."""
    try:
        value = json.loads(document, object_pairs_hook=_unique_keys, parse_constant=_no_constants)
    except json.JSONDecodeError as error:
        raise MalformedJson(f"{error.msg} at line {error.lineno}, column {error.colno}") from None
    except RecursionError:
        raise MalformedJson("the JSON is nested too deeply") from None
    except ValueError as error:  # our hooks, or an integer too long to convert
        raise MalformedJson(str(error)) from None
    if not isinstance(value, dict):
        raise MalformedJson(f"the top level is {_JSON_TYPE_NAMES.get(type(value), 'null')}, not an object")
    lowered = document.lower()
    if any(escape in lowered for escape in _SURROGATE_ESCAPES) and _has_lone_surrogate(value):
        raise MalformedJson("a string holds a lone UTF-16 surrogate, which is not Unicode text")
    return value
