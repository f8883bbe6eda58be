"""An operation's history (docs/api.md): its pages, and the check that it is what it claims.

`verify_history` recomputes every entry's digest, rebuilds each version by applying the entries' changes
(RFC 6902 JSON Patches) in order, checks each against its entry's `version`, status and update time, and
the last against the current record. jsonpatch is imported only when a patch is applied.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final

DIGEST_PREFIX: Final = "sha256:"


@dataclass(frozen=True)
class HistoryPage:
    entries: list[dict[str, Any]]  # oldest first (docs/api.md)
    next_page_token: str | None


@dataclass(frozen=True)
class Verified:
    """A history that verified: how many entries, and the version of the last (the current record's)."""

    entries: int
    version: str


class HistoryMismatch(Exception):
    """The first entry of a history that does not verify: its `sequence` (the position where one was
    expected, for an entry missing or out of order) and `reason`, what is wrong with it."""

    def __init__(self, sequence: int, reason: str) -> None:
        self.sequence = sequence
        self.reason = reason
        super().__init__(f"sequence {sequence}: {reason}")


def canonical_json(value: Any) -> str:
    """The API's canonical JSON: sorted keys, no spaces, UTF-8 text as it is."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def version_of(record: Mapping[str, Any]) -> str:
    """A record's version, its ETag unquoted: the first 32 hex digits of the SHA-256 of its canonical JSON."""
    return hashlib.sha256(canonical_json(record).encode("utf-8")).hexdigest()[:32]


def digest_of(entry: Mapping[str, Any], previous_digest: str) -> str:
    """An entry's digest: of the previous digest ("" for sequence 1), then this entry without its own."""
    unsigned = {key: value for key, value in entry.items() if key != "digest"}
    text = previous_digest + canonical_json(unsigned)
    return DIGEST_PREFIX + hashlib.sha256(text.encode("utf-8")).hexdigest()


def apply_changes(record: dict[str, Any] | None, changes: Any) -> dict[str, Any]:
    """The record after an entry's changes; ValueError saying why when they do not apply to it."""
    import jsonpatch
    import jsonpointer

    if not isinstance(changes, list):
        raise ValueError("its changes are not a JSON Patch (a list of operations)")
    try:
        rebuilt = jsonpatch.apply_patch(record if record is not None else {}, changes)
    except (jsonpatch.JsonPatchException, jsonpointer.JsonPointerException, TypeError, KeyError) as error:
        raise ValueError(f"its changes do not apply to the version before it: {error}") from None
    if not isinstance(rebuilt, dict):
        raise ValueError("its changes do not make a record (a JSON object)")
    return rebuilt


def rebuilt_versions(
    entries: Iterable[Mapping[str, Any]],
) -> Iterator[tuple[Mapping[str, Any], dict[str, Any]]]:
    """Each entry with the record as it was after it, from sequence 1, checking the chain on the way:
    HistoryMismatch at the first entry that does not verify."""
    previous_digest, record, expected = "", None, 1
    for entry in entries:
        _check_sequence(entry, expected)
        _check_digest(entry, previous_digest, expected)
        if expected == 1:
            _check_creation(entry)
        try:
            after = apply_changes(record, entry.get("changes"))
        except ValueError as error:
            raise HistoryMismatch(expected, str(error)) from None
        _check_version(entry, after, record, expected)
        yield entry, after
        previous_digest, record, expected = str(entry["digest"]), after, expected + 1


def verify_history(
    entries: Iterable[Mapping[str, Any]], current: Mapping[str, Any] | None = None
) -> Verified:
    """Verify a whole history, oldest first, and (when given) that its last version is `current`, the
    record as GET returns it now. HistoryMismatch names the first entry that does not verify."""
    count, last = 0, None
    for count, (_, last) in enumerate(rebuilt_versions(entries), start=1):  # noqa: B007  (the last one)
        pass
    if last is None:
        raise HistoryMismatch(1, "the history has no entries")
    if current is not None and last != current:
        reason = (
            f"the last entry's version {version_of(last)} is not the current record's {version_of(current)} "
            "(the history trails a write by about a second: verify again if the operation was just written)"
        )
        raise HistoryMismatch(count, reason)
    return Verified(entries=count, version=version_of(last))


def _check_sequence(entry: Mapping[str, Any], expected: int) -> None:
    sequence = entry.get("sequence")
    if sequence != expected:
        raise HistoryMismatch(expected, f"the entry found there has sequence {sequence!r}")


def _check_digest(entry: Mapping[str, Any], previous_digest: str, sequence: int) -> None:
    recomputed = digest_of(entry, previous_digest)
    if entry.get("digest") != recomputed:
        raise HistoryMismatch(
            sequence, f"its digest {entry.get('digest')!r} is not {recomputed!r}, recomputed from the entry"
        )


def _check_creation(entry: Mapping[str, Any]) -> None:
    changes = entry.get("changes")
    if not (isinstance(changes, list) and len(changes) == 1 and isinstance(changes[0], dict)) or (
        changes[0].get("op"),
        changes[0].get("path"),
    ) != ("add", ""):
        raise HistoryMismatch(1, 'its changes are not one `add` of the whole record at the path ""')


def _check_version(
    entry: Mapping[str, Any], after: dict[str, Any], before: dict[str, Any] | None, sequence: int
) -> None:
    facts = {
        "version": (entry.get("version"), version_of(after)),
        "status": (entry.get("status"), after.get("status")),
        "previous_status": (entry.get("previous_status"), None if before is None else before.get("status")),
        "last_update_time": (entry.get("last_update_time"), after.get("last_update_time")),
    }
    for key, (claimed, rebuilt) in facts.items():
        if claimed != rebuilt:
            raise HistoryMismatch(sequence, f"its {key} {claimed!r} is not the rebuilt record's {rebuilt!r}")
