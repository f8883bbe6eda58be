"""The list over real HTTP against the local server (`make run`): what curl sees."""

from __future__ import annotations

import json
from typing import Any

from tests.support.http import call
from tests.support.listing import walk
from tests.support.records import minimal_record

WINDOW = {"updated_since": "20310101_000000", "updated_before": "20310102_000000"}  # this module's records


def put(local_api: str, record: dict[str, Any]) -> None:
    answer = call(
        f"{local_api}/v1/operations/{record['operation_id']}",
        "PUT",
        json.dumps(record),
        Content_Type="application/json",
    )
    assert answer.status == 200, answer.body


def test_the_list_pages_through_what_was_put(local_api: str) -> None:
    for index in range(7):
        status = "executing" if index % 2 else "unexecuted"
        put(
            local_api,
            minimal_record(
                operation_id=f"http-list-{index}",
                status=status,
                occurred_time="20310101_000000",
                last_update_time=f"20310101_00000{index}",
            ),
        )

    def over_http(raw_query: str) -> tuple[int, dict[str, Any]]:
        answer = call(f"{local_api}/v1/operations?{raw_query}")
        assert answer.headers["Content-Type"].startswith(
            "application/json" if answer.status == 200 else "application/problem+json"
        )
        body: dict[str, Any] = answer.json()
        return answer.status, body

    everything = walk(over_http, page_size=3, **WINDOW)
    assert [summary["operation_id"] for summary in everything] == [f"http-list-{i}" for i in range(6, -1, -1)]
    running = walk(over_http, status="executing", **WINDOW)
    assert [summary["operation_id"] for summary in running] == ["http-list-5", "http-list-3", "http-list-1"]


def test_bad_input_over_http_is_a_400_problem_naming_the_parameter(local_api: str) -> None:
    answer = call(f"{local_api}/v1/operations?page_size=1.5&status=executing,paused&order=asc")
    assert answer.status == 400
    assert answer.headers["Content-Type"] == "application/problem+json"
    problem = answer.json()
    assert problem["code"] == "VALIDATION_ERROR"
    assert {error["parameter"] for error in problem["errors"]} == {"page_size", "status", "order"}


def test_a_token_from_another_query_is_a_400_over_http(local_api: str) -> None:
    for index in range(3):
        put(
            local_api,
            minimal_record(
                operation_id=f"http-token-{index}",
                occurred_time="20310101_000000",
                last_update_time="20310101_120000",
            ),
        )
    first = call(f"{local_api}/v1/operations?page_size=1&updated_since=20310101_120000").json()
    token = first["next_page_token"]
    answer = call(f"{local_api}/v1/operations?page_size=1&updated_since=20310101_115959&page_token={token}")
    assert answer.status == 400
    assert answer.json()["errors"][0]["parameter"] == "page_token"
