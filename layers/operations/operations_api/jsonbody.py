"""Strict JSON for request bodies (`api.json_body`).

Python's `json.loads` is lenient where a record store must not be: it keeps the last of two duplicate
keys (silently dropping one), accepts NaN and Infinity, and parses lone UTF-16 surrogates that cannot be
stored or sent back as UTF-8. Each of these is refused here as a `JSONDecodeError`, which `api` answers
with a 400 MALFORMED_JSON. So is a top level that is not an object: it can never be a record.
"""

from __future__ import annotations

import json
from typing import Any

_SURROGATE_ESCAPES = ("\\ud8", "\\ud9", "\\uda", "\\udb", "\\udc", "\\udd", "\\ude", "\\udf")


def _refuse(message: str, document: str, position: int = 0) -> json.JSONDecodeError:
    return json.JSONDecodeError(message, document, position)


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
    except json.JSONDecodeError:
        raise
    except RecursionError:
        raise _refuse("the JSON is nested too deeply", document) from None
    except ValueError as error:  # our hooks, or an integer too long to convert
        raise _refuse(str(error), document) from None
    if not isinstance(value, dict):
        raise _refuse(
            f"the top level is {_JSON_TYPE_NAMES.get(type(value), 'null')}, not an object", document
        )
    lowered = document.lower()
    if any(escape in lowered for escape in _SURROGATE_ESCAPES) and _has_lone_surrogate(value):
        raise _refuse("a string holds a lone UTF-16 surrogate, which is not Unicode text", document)
    return value
