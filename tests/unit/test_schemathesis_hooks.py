"""What the schemathesis hooks change in a generated request: only what openapi.json cannot say."""

from __future__ import annotations

from devtools.schemathesis_hooks import integers_as_integers


def test_whole_floats_become_integers_and_nothing_else_changes() -> None:
    body = {"response": {"status_code": 540.0, "body": "1.0"}, "target_clusters": [{"n": 2.5}, 7, None, True]}
    converted = integers_as_integers(body)
    assert converted == {
        "response": {"status_code": 540, "body": "1.0"},
        "target_clusters": [{"n": 2.5}, 7, None, True],
    }
    assert type(converted["response"]["status_code"]) is int
    assert converted["target_clusters"][3] is True
