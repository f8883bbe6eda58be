"""The contract's rules across requests: what a GET and a PUT do and return, and why a write is refused.

Field rules live in `record.rules` (and `record.models`, which builds on them; a PUT body comes here
validated, from `record.validation`). Here: the path id is checked (400), the path and body ids agree
(400), a missing record is 404, a refused conditional write is explained (412 before 409 TERMINAL_STATUS
before 409 STALE_UPDATE), an oversized record is 413 and an unavailable store 503.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any, Final

from operations_api import problems, store
from operations_api.record import rules
from operations_api.record.rules import TERMINAL_STATUSES
from operations_api.store import ConditionFailed, StoredOperation, VersionGuard

MAX_ENTITY_TAGS: Final = 20
ENTITY_TAG_PATTERN: Final = r'\s*(W/)?"([\x21\x23-\x2b\x2d-\x7e\x80-\xff]*)"\s*'  # one of a list (no comma)
_ENTITY_TAG = re.compile(ENTITY_TAG_PATTERN)


def check_path_operation_id(operation_id: str, *, write: bool) -> None:
    """`write`: the path is a PUT's, whose problem says that nothing was stored."""
    if not rules.is_operation_id(operation_id):
        raise problems.invalid_path_parameter("operation_id", rules.OPERATION_ID_RULE, write=write)


def get_operation(operation_id: str) -> StoredOperation:
    check_path_operation_id(operation_id, write=False)
    try:
        stored = store.get_operation(operation_id)
    except store.StoreUnavailable:
        raise problems.store_unavailable(write=False) from None
    if stored is None:
        raise problems.operation_not_found(operation_id)
    return stored


def put_operation(
    path_operation_id: str,
    document: dict[str, Any],
    *,
    if_match: str | None = None,
    if_none_match: str | None = None,
    principal: str | None = None,
) -> StoredOperation:
    """Store a record that `record.validate` accepted, under the id of the path (so that id is valid too),
    with who wrote it (`principal`, the caller's IAM identity; None when no authorizer ran)."""
    if document["operation_id"] != path_operation_id:
        raise problems.operation_id_mismatch()
    guard = VersionGuard(
        if_match=parse_entity_tags("If-Match", if_match, weak_matches=False),
        if_none_match=parse_entity_tags("If-None-Match", if_none_match, weak_matches=True),
    )
    try:
        return store.put_operation(document, version_of(document), guard, principal)
    except ConditionFailed as refusal:
        raise explain_refusal(document, guard, refusal.current) from None
    except store.ItemTooLarge:
        raise problems.record_too_large(store.ITEM_SIZE_LIMIT_BYTES) from None
    except store.StoreUnavailable:
        raise problems.store_unavailable(write=True) from None


def version_of(document: dict[str, Any]) -> str:
    """The record's version (ETag): a digest of its content, so an identical replay keeps its ETag."""
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:32]


def etag(version: str) -> str:
    return f'"{version}"'


def parse_entity_tags(header: str, value: str | None, *, weak_matches: bool) -> frozenset[str]:
    """`*` or a comma-separated list of quoted entity tags (RFC 9110 section 13.1). If-Match compares
    strongly, so a weak tag W/"…" never matches there; If-None-Match compares weakly. An empty set means
    the header was absent."""
    if value is None or not value.strip():
        return frozenset()
    if value.strip() == "*":
        return frozenset({"*"})
    parts = value.split(",")
    if len(parts) > MAX_ENTITY_TAGS:  # counted as listed, repeats included: what openapi.json can state
        raise problems.invalid_header(header, f"lists more than {MAX_ENTITY_TAGS} entity tags")
    tags = set()
    for part in parts:
        match = _ENTITY_TAG.fullmatch(part)
        if match is None:
            raise problems.invalid_header(
                header, 'must be * or a list of quoted entity tags, as in ETag: "…"'
            )
        if weak_matches or not match.group(1):
            tags.add(match.group(2))
    if not tags:  # only weak tags in If-Match: it can never hold
        raise problems.precondition_failed(header)
    return frozenset(tags)


def explain_refusal(
    document: dict[str, Any], guard: VersionGuard, current: StoredOperation | None
) -> problems.Problem:
    """Why the store refused the write, from the record as it stood when the condition was checked."""
    stored_version = current.version if current else None
    if guard.if_match and (
        current is None or ("*" not in guard.if_match and stored_version not in guard.if_match)
    ):
        return problems.precondition_failed("If-Match")
    if (
        guard.if_none_match
        and current is not None
        and ("*" in guard.if_none_match or stored_version in guard.if_none_match)
    ):
        return problems.precondition_failed("If-None-Match")
    if current is not None:
        stored_status = current.document["status"]
        if stored_status in TERMINAL_STATUSES and stored_status != document["status"]:
            return problems.terminal_status(stored_status)
        if current.document["last_update_time"] > document["last_update_time"]:
            return problems.stale_update(current.document["last_update_time"])
    return problems.write_conflict()
