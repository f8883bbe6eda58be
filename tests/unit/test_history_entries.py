"""An entry's changes (history/entries.py): the JSON Patch `jsonpatch` makes, kept only when applying it to
the version before gives exactly the new one; otherwise one `replace` of the whole record at the root path,
which always does. Pure: no table."""

from __future__ import annotations

from typing import Any

import jsonpatch
import pytest

from operations_api.history import entries
from tests.support.records import cluster, minimal_record

BEFORE = minimal_record(target_clusters=[cluster("east-1", None), cluster("west-2", None)])
AFTER = {
    **BEFORE,
    "last_update_time": "20261122_064231",
    "target_clusters": [cluster("east-1", 200), cluster("west-2", None)],
}
ROOT_REPLACE = [{"op": "replace", "path": "", "value": AFTER}]
NEW_TIME: dict[str, Any] = {"op": "replace", "path": "/last_update_time", "value": "20261122_064231"}
# 200.0 == 200 for Python, but not in JSON, nor so in the version (a digest of the canonical JSON)
ANSWERED_AS_FLOAT: list[dict[str, Any]] = [
    NEW_TIME,
    {"op": "replace", "path": "/target_clusters/0/response", "value": {"status_code": 200.0, "body": ""}},
]


def test_a_patch_that_rebuilds_the_new_record_is_kept_as_made() -> None:
    made = jsonpatch.make_patch(BEFORE, AFTER).patch
    assert entries.changes(BEFORE, AFTER) == made
    assert all(change["path"] for change in made), "no change of the whole record"
    assert entries.apply_changes(BEFORE, made) == AFTER


def test_a_record_equal_for_python_but_not_as_json_does_not_count_as_rebuilt() -> None:
    assert jsonpatch.apply_patch(BEFORE, ANSWERED_AS_FLOAT) == AFTER, "what == would let through"
    assert not entries.rebuilds(BEFORE, ANSWERED_AS_FLOAT, AFTER)


@pytest.mark.parametrize(
    "wrong",
    [
        pytest.param([], id="empty"),
        pytest.param([NEW_TIME], id="short"),
        pytest.param([{"op": "remove", "path": "/no_such_field"}], id="does-not-apply"),
        pytest.param([{"op": "move", "from": "/target_clusters/9", "path": "/x"}], id="bad-index"),
        pytest.param(ANSWERED_AS_FLOAT, id="equal-for-python-only"),
    ],
)
def test_a_patch_that_does_not_rebuild_the_new_record_becomes_one_replace_of_it(
    wrong: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(jsonpatch, "make_patch", lambda before, after: jsonpatch.JsonPatch(wrong))
    assert entries.changes(BEFORE, AFTER) == ROOT_REPLACE
    assert entries.apply_changes(BEFORE, ROOT_REPLACE) == AFTER
    entry = entries.build_entry(
        entries.Written(BEFORE, 4, "sha256:previous"),
        AFTER,
        version="v5",
        recorded_time=None,
        principal=None,
    )
    assert entry["changes"] == ROOT_REPLACE
    assert entry["digest"] == entries.digest("sha256:previous", entry), "the digest covers what is stored"
