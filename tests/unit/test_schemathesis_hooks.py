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


def test_a_list_query_that_fits_drops_a_made_up_token_and_orders_the_times() -> None:
    from devtools.schemathesis_hooks import list_query_that_fits

    assert list_query_that_fits({"page_token": "x", "page_size": 3}) == {"page_size": 3}
    swapped = list_query_that_fits({"updated_since": "20261123_000000", "updated_before": "20261122_000000"})
    assert swapped == {"updated_since": "20261122_000000", "updated_before": "20261123_000000"}
    same = list_query_that_fits({"updated_since": "20261122_000000", "updated_before": "20261122_000000"})
    assert same == {"updated_since": "20261122_000000"}
