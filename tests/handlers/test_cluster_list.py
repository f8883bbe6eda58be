"""GET /v1/operations?cluster=ID through the list's handler (docs/api.md, "Listing operations"), on moto's
fleet table seeded with the items the stream loop keeps for each record and cluster."""

from __future__ import annotations

import random
from typing import Any
from urllib.parse import quote

import pytest

from operations_api.record.rules import STATUSES
from tests.support.fleet import cluster_items, listed, put_items
from tests.support.listing import ListCall, query_string, service_settings, walk
from tests.support.records import cluster, record_for


def naming(operation_id: str, time: str, clusters: list[dict[str, Any]], **overrides: Any) -> dict[str, Any]:
    record = record_for(
        operation_id, last_update_time=time, occurred_time="20261101_000000", target_clusters=clusters
    )
    record.update(overrides)
    if record["status"] in ("completed", "failed") and "response" not in record:
        record["response"] = {"status_code": 500, "body": ""}
    return record


def seed(fleet: Any, records: list[dict[str, Any]]) -> None:
    put_items(fleet, [item for record in records for item in cluster_items(record)])


def test_a_cluster_no_record_names_lists_nothing(fleet: Any, list_call: ListCall) -> None:
    seed(fleet, [naming("op-1", "20261122_060000", [cluster("eu-west-3", None)])])
    assert list_call("cluster=us-east-1") == (200, {"operations": []})
    assert list_call("cluster=us-east-1&status=failed&page_size=1") == (200, {"operations": []})


def test_one_operation_naming_the_cluster_twice_appears_once_with_its_worst_states(
    fleet: Any, list_call: ListCall
) -> None:
    record = naming(
        "op-1",
        "20261122_060000",
        [cluster("eu-west-3", 201), cluster("eu-west-3", None), cluster("other", 500)],
        status="failed",
        rollbacks={
            "result": "rolled back",
            "occurred_time": "20261122_060000",
            "target_clusters": [cluster("eu-west-3", 200), cluster("eu-west-3", 503)],
        },
    )
    seed(fleet, [record])
    status, answer = list_call("cluster=eu-west-3")
    assert status == 200
    (summary,) = answer["operations"]
    assert summary["cluster"] == {"cluster_id": "eu-west-3", "state": "pending", "rollback": "failed"}
    assert summary["operation_id"] == "op-1"
    assert summary["target_clusters"] == {"total": 3, "succeeded": 1, "failed": 1, "pending": 1}
    status, answer = list_call("cluster=other")
    assert answer["operations"][0]["cluster"] == {"cluster_id": "other", "state": "failed"}


def test_a_cluster_only_in_the_rollback_has_no_state(fleet: Any, list_call: ListCall) -> None:
    rollbacks = {"result": "r", "occurred_time": "20261122_060000", "target_clusters": [cluster("b", 200)]}
    seed(
        fleet, [naming("op-1", "20261122_060000", [cluster("a", 500)], status="failed", rollbacks=rollbacks)]
    )
    _, answer = list_call("cluster=b")
    assert answer["operations"][0]["cluster"] == {"cluster_id": "b", "rollback": "succeeded"}


STATUS_FILTERS = [None, *STATUSES, "executing,failed", ",".join(STATUSES)]


def workload(count: int) -> list[dict[str, Any]]:
    """`count` records over three clusters (each naming one to three), every status, three days."""
    draw = random.Random(count)  # noqa: S311 (a reproducible workload, not a secret)
    records = []
    for n in range(count):
        names = draw.sample(["eu-west-3", "us-east-1", "ap-1"], draw.randint(1, 3))
        clusters = [cluster(name, draw.choice([None, 200, 500])) for name in names]
        time = f"202611{draw.randint(20, 22)}_{draw.randint(0, 5):02d}{draw.randint(0, 59):02d}00"
        records.append(naming(f"op-{n:04d}", time, clusters, status=draw.choice(STATUSES)))
    return records


@pytest.fixture
def hundreds(fleet: Any) -> list[dict[str, Any]]:
    records = workload(200)
    seed(fleet, records)
    return records


def test_a_thousand_operations_list_by_cluster_over_pages(fleet: Any, list_call: ListCall) -> None:
    records = workload(1_000)
    seed(fleet, records)
    want = listed(records, "eu-west-3")
    assert len(want) > 500
    assert walk(list_call, cluster="eu-west-3", page_size=100) == want


def test_every_status_filter_lists_the_clusters_operations_in_that_status(
    list_call: ListCall, hundreds: list[dict[str, Any]]
) -> None:
    for status in STATUS_FILTERS:
        want = listed(hundreds, "eu-west-3", status=status)
        assert len(want) > 7, status
        assert walk(list_call, cluster="eu-west-3", status=status, page_size=7) == want, status


def test_the_cluster_combines_with_the_time_filters(
    list_call: ListCall, hundreds: list[dict[str, Any]]
) -> None:
    filters = {"updated_since": "20261121_030000", "updated_before": "20261122_010000", "status": "failed"}
    want = listed(hundreds, "ap-1", **filters)
    assert want
    assert walk(list_call, cluster="ap-1", page_size=3, **filters) == want


@pytest.mark.parametrize("cluster_id", ["c" * 512, "集群-東京-é" * 50, "a b&c=d/é?", "%41"])
def test_long_and_non_ascii_cluster_ids_list_their_operations(
    fleet: Any, list_call: ListCall, cluster_id: str
) -> None:
    records = [naming(f"op-{n}", f"20261122_0{n}0000", [cluster(cluster_id, 200)]) for n in range(3)]
    seed(fleet, [*records, naming("other", "20261122_050000", [cluster(cluster_id[:-1] or "x", None)])])
    assert walk(list_call, cluster=cluster_id, page_size=2) == listed(records, cluster_id)


def test_expired_operations_are_hidden(fleet: Any, list_call: ListCall) -> None:
    records = [
        naming("old", "20261120_000000", [cluster("a", 500)], status="failed"),  # expired a day later
        naming("recent", "20261122_000000", [cluster("a", 500)], status="failed"),
        naming("running", "20261001_000000", [cluster("a", None)]),  # in progress: never expires
        naming("at-now", "20261121_064514", [cluster("a", 500)], status="failed"),  # expires at FLEET_NOW
        naming("after-now", "20261121_064515", [cluster("a", 500)], status="failed"),  # a second later
    ]
    seed(fleet, records)
    with service_settings(RETENTION_DAYS="1"):
        ids = [summary["operation_id"] for summary in walk(list_call, cluster="a", page_size=1)]
        failed = [summary["operation_id"] for summary in walk(list_call, cluster="a", status="failed")]
    assert ids == ["recent", "after-now", "running"]
    assert failed == ["recent", "after-now"]
    everything = [summary["operation_id"] for summary in walk(list_call, cluster="a", page_size=2)]
    assert len(everything) == 5, "kept forever (RetentionDays 0): nothing hidden"


@pytest.mark.parametrize(
    "raw_query",
    [
        "cluster=",
        "cluster=a&cluster=b",
        "cluster=a&cluster=a",
        f"cluster={'c' * 513}",
        f"cluster={quote('é' * 513)}",
    ],
)
def test_an_empty_repeated_or_too_long_cluster_is_a_400_naming_cluster(
    list_call: ListCall, raw_query: str
) -> None:
    status, problem = list_call(raw_query)
    assert status == 400
    assert problem["code"] == "VALIDATION_ERROR"
    assert [error["parameter"] for error in problem["errors"]] == ["cluster"]


def test_a_token_is_bound_to_its_cluster(list_call: ListCall, hundreds: list[dict[str, Any]]) -> None:
    _, first = list_call("cluster=eu-west-3&page_size=5")
    token = first["next_page_token"]
    _, second = list_call(query_string(cluster="eu-west-3", page_size=5, page_token=token))
    want = listed(hundreds, "eu-west-3")
    assert first["operations"] + second["operations"] == want[:10]
    for other in ({"cluster": "us-east-1"}, {}, {"cluster": "eu-west-3", "status": "failed"}):
        status, problem = list_call(query_string(**other, page_size=5, page_token=token))
        assert status == 400, other
        assert problem["errors"][0]["parameter"] == "page_token"
    tampered = token[:10] + ("A" if token[10] != "A" else "B") + token[11:]
    status, problem = list_call(query_string(cluster="eu-west-3", page_size=5, page_token=tampered))
    assert (status, problem["errors"][0]["parameter"]) == (400, "page_token")


def test_a_token_of_the_whole_list_is_refused_with_a_cluster(
    fleet: Any, put: Any, list_call: ListCall
) -> None:
    from tests.support.events import put_event

    for n in range(3):
        assert put(put_event(naming(f"op-{n}", "20261122_060000", [cluster("a", None)])))["statusCode"] == 200
    token = list_call("page_size=1")[1]["next_page_token"]
    status, problem = list_call(query_string(cluster="a", page_size=1, page_token=token))
    assert (status, problem["errors"][0]["parameter"]) == (400, "page_token")


def test_the_longest_cluster_token_stays_within_512_characters(fleet: Any, list_call: ListCall) -> None:
    """The longest ids (128 characters) and the longest non-ASCII cluster id: the token holds a position,
    and the cluster only in its digest."""
    cluster_id = "東" * 512
    ids = ["~" * 128, "z" * 128, "-" * 128]
    records = [naming(operation_id, "20261122_060000", [cluster(cluster_id, None)]) for operation_id in ids]
    seed(fleet, records)
    _, first = list_call(query_string(cluster=cluster_id, page_size=1, status="executing"))
    token = first["next_page_token"]
    assert len(token) <= 512
    assert walk(list_call, cluster=cluster_id, page_size=1, status="executing") == listed(records, cluster_id)
