"""The counts and the list of one cluster over real HTTP against the local server (`make run`): what curl
sees, with the fleet table's items seeded as the stream loop keeps them; and docs/api.md's examples of
both, run as written, printing the answers it shows."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import quote

from devtools.template import ROOT
from operations_api.fleet import layout
from tests.http.test_doc_examples import Example, examples, failure, run_example, shown_answer
from tests.support.fleet import cluster_items, put_items, with_cluster
from tests.support.http import call
from tests.support.listing import walk
from tests.support.records import cluster, record_for
from tests.support.servers import running_server


def over_http(local_api: str, path: str, raw_query: str) -> tuple[int, dict[str, Any]]:
    answer = call(f"{local_api}{path}?{raw_query}")
    assert answer.headers["Content-Type"].startswith(
        "application/json" if answer.status == 200 else "application/problem+json"
    )
    body: dict[str, Any] = answer.json()
    return answer.status, body


def test_the_counts_count_what_the_counters_hold(local_api: str, local_fleet: tuple[Any, str]) -> None:
    client, table_name = local_fleet
    status, before = over_http(local_api, "/v1/operation-counts", "hours=3")
    assert status == 200
    assert set(before) == {"in_progress", "finished", "hours"}
    # the previous hour: still in a 3-hour window if the hour turns before the next read
    hour = time.strftime("%Y%m%d%H", time.gmtime(time.time() - 3_600))
    for shard in (0, 7):
        client.update_item(
            TableName=table_name,
            Key={
                layout.PARTITION_KEY: {"S": layout.counts_partition(shard)},
                layout.SORT_KEY: {"S": layout.finished_key(hour, "canceled")},
            },
            UpdateExpression="ADD #count :two",
            ExpressionAttributeNames={"#count": layout.COUNT_ATTRIBUTE},
            ExpressionAttributeValues={":two": {"N": "2"}},
        )
    _, after = over_http(local_api, "/v1/operation-counts", "hours=3")
    assert after["finished"]["canceled"] == before["finished"]["canceled"] + 4
    assert after["hours"] == 3


def test_bad_hours_and_unknown_parameters_are_400s_naming_them(local_api: str) -> None:
    for raw_query, parameter in [
        ("hours=0", "hours"),
        ("hours=721", "hours"),
        ("hours=1&hours=2", "hours"),
        ("hours=abc", "hours"),
        ("since=1", "since"),
    ]:
        status, problem = over_http(local_api, "/v1/operation-counts", raw_query)
        assert (status, [error["parameter"] for error in problem["errors"]]) == (400, [parameter]), raw_query


def test_the_list_of_one_cluster_pages_through_its_operations(
    local_api: str, local_fleet: tuple[Any, str]
) -> None:
    client, table_name = local_fleet
    cluster_id = f"集群-é-{uuid.uuid4()}"  # its own: no other test's record names it
    records = [
        record_for(
            f"http-cluster-{n}",
            status="executing" if n % 2 else "unexecuted",
            occurred_time="20310101_000000",
            last_update_time=f"20310101_00000{n}",
            target_clusters=[cluster(cluster_id, None if n % 3 else 500), cluster("elsewhere", 200)],
        )
        for n in range(7)
    ]
    put_items(client, [item for record in records for item in cluster_items(record, 4)], table_name)

    def listed(raw_query: str) -> tuple[int, dict[str, Any]]:
        return over_http(local_api, "/v1/operations", raw_query)

    newest_first = [with_cluster(record, cluster_id) for record in reversed(records)]
    assert walk(listed, cluster=cluster_id, page_size=3) == newest_first
    running = walk(listed, cluster=cluster_id, status="executing")
    assert running == [summary for summary in newest_first if summary["status"] == "executing"]
    assert listed(f"cluster={quote('x' * 512)}") == (200, {"operations": []})
    status, problem = listed(f"cluster={quote('x' * 513)}")
    assert (status, problem["errors"][0]["parameter"]) == (400, "cluster")


def contract_example(marker: str) -> Example:
    (example,) = [example for example in examples(ROOT / "docs" / "api.md") if marker in example.text]
    return example


def printed(example: Example, base_url: str, workdir: Path) -> Any:
    answer = run_example(example, base_url, workdir)
    assert failure(example, answer) is None, failure(example, answer)
    return json.loads(answer.stdout)


def test_the_contracts_cluster_example_prints_the_answer_it_shows(local_api: str, tmp_path: Path) -> None:
    example = contract_example("cluster=eu-west-3&status=")
    shown = shown_answer(example)
    assert [summary["operation_id"] for summary in shown["operations"]] == ["op-77"]
    assert printed(example, local_api, tmp_path) == shown


def test_the_contracts_counts_example_prints_the_answer_it_shows(tmp_path: Path) -> None:
    """On a server of its own: the counts are of every operation the server holds."""
    example = contract_example("/v1/operation-counts' > counts.json")
    shown = shown_answer(example)
    assert (shown["in_progress"]["executing"], shown["finished"]["failed"]) == (3, 1)
    with running_server() as base_url:
        assert printed(example, base_url, tmp_path) == shown
