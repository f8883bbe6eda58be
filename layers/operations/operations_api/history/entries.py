"""An entry of the history (docs/api.md): what one accepted change adds, built from the record
before and after it. Pure: no request, no clock.

`changes` is the RFC 6902 JSON Patch (`jsonpatch`) that turns the previous record into this one, and for
sequence 1 a single `add` of the whole record at the root path `""`. A patch is applied before it is stored
and kept only if it rebuilds the new record exactly (the same canonical JSON, so the same version):
`make_patch` has open bugs, and a patch that does not rebuild its version would break every later one for
readers. Otherwise the entry holds a single `replace` of the whole record at the root path, which always
does. `digest` chains the entries: the SHA-256 of the previous entry's digest followed by this entry's
canonical JSON without its digest.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, Final

import jsonpatch

from operations_api.history.layout import canonical_json

DIGEST_PREFIX: Final = "sha256:"
ROOT_PATH: Final = ""


@dataclass(frozen=True)
class Written:
    """What an entry is written after: the record as the API returned it (None before sequence 1), and
    the last entry's sequence and digest (0 and "" before sequence 1)."""

    document: dict[str, Any] | None
    sequence: int = 0
    digest: str = ""


def build_entry(
    previous: Written,
    document: dict[str, Any],
    *,
    version: str,
    recorded_time: str | None,
    principal: str | None,
) -> dict[str, Any]:
    """The entry of the write that turned `previous.document` into `document` (a new life when it is None)."""
    before = previous.document
    entry: dict[str, Any] = {
        "sequence": previous.sequence + 1,
        "version": version,
        "recorded_time": recorded_time,
        "principal": principal,
        "status": document["status"],
        "previous_status": None if before is None else before["status"],
        "last_update_time": document["last_update_time"],
        "changes": changes(before, document),
    }
    entry["digest"] = digest(previous.digest, entry)
    return entry


def changes(before: dict[str, Any] | None, after: dict[str, Any]) -> list[dict[str, Any]]:
    if before is None:
        return [{"op": "add", "path": ROOT_PATH, "value": after}]
    patch: list[dict[str, Any]] = jsonpatch.make_patch(before, after).patch
    if rebuilds(before, patch, after):
        return patch
    return [{"op": "replace", "path": ROOT_PATH, "value": after}]


def rebuilds(before: dict[str, Any], patch: list[dict[str, Any]], after: dict[str, Any]) -> bool:
    """Whether the patch turns `before` into exactly `after`: compared as canonical JSON, as the version
    is, since Python's == takes 1, 1.0 and True for one another."""
    try:
        rebuilt = jsonpatch.apply_patch(before, patch)
    except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException, TypeError, KeyError):
        return False
    return canonical_json(rebuilt) == canonical_json(after)


def digest(previous_digest: str, entry: dict[str, Any]) -> str:
    """The entry's link in the chain: it covers every key of the entry but `digest` itself."""
    unsigned = {key: value for key, value in entry.items() if key != "digest"}
    text = previous_digest + canonical_json(unsigned)
    return DIGEST_PREFIX + hashlib.sha256(text.encode("utf-8")).hexdigest()


def apply_changes(before: dict[str, Any] | None, entry_changes: list[dict[str, Any]]) -> dict[str, Any]:
    """The record an entry's changes make of the previous one (None before sequence 1)."""
    result: dict[str, Any] = jsonpatch.apply_patch(before if before is not None else {}, entry_changes)
    return result
