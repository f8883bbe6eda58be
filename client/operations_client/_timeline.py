"""An operation's history in words, for a person: per entry, its status and what changed, each cluster's
answer as `east-1: pending → 200` (a cluster is `pending` until its response has a status code).

Each version is rebuilt from the one before it by applying the entry's changes; where that is impossible
(the history does not verify: `opsctl history --verify` says why) the changed paths are listed instead.
opsctl's timeline and the console's are both drawn from `steps`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final

from operations_client._history import apply_changes
from operations_client._printable import printable

PENDING: Final = "pending"
DESCRIBED: Final = frozenset(
    {"status", "last_update_time", "sub_status", "response", "target_clusters", "rollbacks"}
)


@dataclass(frozen=True)
class Step:
    entry: Mapping[str, Any]
    status: str  # `created: executing`, `executing → completed`, or the status unchanged
    changes: list[str]  # what changed, one phrase each

    @property
    def sequence(self) -> int:
        return int(self.entry["sequence"])


def steps(entries: Iterable[Mapping[str, Any]], before: dict[str, Any] | None = None) -> Iterator[Step]:
    """Each entry in words. `before` is the record as it was before the first entry (None when the
    entries start at sequence 1)."""
    record = before
    for entry in entries:
        after = _rebuilt(record, entry)
        if after is None:
            changes = changed_paths(entry.get("changes"))
        else:
            changes = describe(None if entry.get("sequence") == 1 else record, after)
        record = after
        yield Step(entry, status_change(entry), changes)


def _rebuilt(record: dict[str, Any] | None, entry: Mapping[str, Any]) -> dict[str, Any] | None:
    if record is None and entry.get("sequence") != 1:
        return None
    try:
        return apply_changes(record, entry.get("changes"))
    except ValueError:
        return None


def status_change(entry: Mapping[str, Any]) -> str:
    status, previous = entry.get("status"), entry.get("previous_status")
    if previous is None:
        return f"created: {status}"
    return str(status) if previous == status else f"{previous} → {status}"


def describe(before: Mapping[str, Any] | None, after: Mapping[str, Any]) -> list[str]:
    """What changed from `before` (None: the record was created) to `after`, in words."""
    old: Mapping[str, Any] = before or {}
    phrases = _text_change("sub status", old.get("sub_status"), after.get("sub_status"), before is None)
    phrases += _response_change(old.get("response"), after.get("response"))
    phrases += cluster_changes(old.get("target_clusters"), after.get("target_clusters"), before is None)
    old_rollbacks, new_rollbacks = old.get("rollbacks") or {}, after.get("rollbacks") or {}
    if new_rollbacks.get("result") != old_rollbacks.get("result"):
        phrases.append(f"rollback: {new_rollbacks.get('result') or 'removed'}")
    rollback_clusters = cluster_changes(
        old_rollbacks.get("target_clusters"), new_rollbacks.get("target_clusters"), not old_rollbacks
    )
    phrases += [f"rollback {phrase}" for phrase in rollback_clusters]
    if before is not None:
        others = sorted(key for key in {*old, *after} - DESCRIBED if old.get(key) != after.get(key))
        phrases += [f"{key} changed" for key in others]
    return phrases


def cluster_state(cluster: Mapping[str, Any]) -> str:
    """A cluster's answer: its response's status code, or `pending` while it has none."""
    code = (cluster.get("response") or {}).get("status_code")
    return PENDING if code is None else str(code)


def cluster_changes(before: Any, after: Any, created: bool) -> list[str]:
    """Each cluster whose answer changed (`east-1: pending → 200`), was added or was removed."""
    old = {str(cluster.get("cluster_id")): cluster for cluster in before or ()}
    new = {str(cluster.get("cluster_id")): cluster for cluster in after or ()}
    phrases = []
    for cluster_id, cluster in new.items():
        state = cluster_state(cluster)
        if created:
            phrases.append(f"{cluster_id}: {state}")
        elif cluster_id not in old:
            phrases.append(f"{cluster_id}: added, {state}")
        elif state != cluster_state(old[cluster_id]):
            phrases.append(f"{cluster_id}: {cluster_state(old[cluster_id])} → {state}")
        elif cluster != old[cluster_id]:
            phrases.append(f"{cluster_id}: changed, {state}")
    phrases += [f"{cluster_id}: removed" for cluster_id in old if cluster_id not in new]
    return phrases


def _text_change(name: str, before: Any, after: Any, created: bool) -> list[str]:
    if before == after:
        return []
    if after is None:
        return [f"{name} removed"]
    return [f"{name}: {after}" if before is None or created else f"{name}: {before} → {after}"]


def _response_change(before: Any, after: Any) -> list[str]:
    if before == after:
        return []
    if not after:
        return ["response removed"]
    code = after.get("status_code")
    old_code = (before or {}).get("status_code")
    return [f"response: {old_code} → {code}" if before and old_code != code else f"response: {code}"]


def changed_paths(changes: Any) -> list[str]:
    """The paths an entry's changes touch, for an entry whose version cannot be rebuilt."""
    if not isinstance(changes, list):
        return ["changes unreadable"]
    return [f"{change.get('op')} {change.get('path')}" for change in changes if isinstance(change, dict)]


def step_lines(step: Step) -> list[str]:
    """One entry as opsctl prints it: when and who, then its status and each change, indented; a record's
    text with its control characters shown, never obeyed."""
    entry = step.entry
    when = entry.get("recorded_time") or "(before history)"
    who = entry.get("principal") or "unknown"
    updated = f"  (last update {entry.get('last_update_time')})"
    lines = [f"#{step.sequence}  {when}  by {who}", f"    {step.status}{updated}"]
    lines += [f"    {change}" for change in step.changes]
    return [printable(line) for line in lines]
