"""The list and retention through the handlers, with API Gateway events from events/ (docs/api.md,
"Listing operations", "Retention")."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from types import ModuleType
from typing import Any
from unittest import mock
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from operations_api import store
from operations_api.listing import query as listing
from operations_api.listing import token as page_token
from operations_api.listing.index import epoch_seconds, order_key
from operations_api.record.rules import STATUSES
from tests.support.events import get_event, load_event, put_event
from tests.support.handlers import Invoke, invoker
from tests.support.listing import service_settings, walk
from tests.support.records import full_record, minimal_record


def finished(operation_id: str, time: str, status: str = "completed") -> dict[str, Any]:
    record = minimal_record(operation_id=operation_id, last_update_time=time, occurred_time="20261101_000000")
    record.update(status=status, response={"status_code": 201, "body": '{"id": "n-1"}'})
    return record


def test_the_event_fixture_lists_the_statuses_and_times_it_asks_for(put: Invoke, list_call: Any) -> None:
    records = [
        minimal_record(
            operation_id="old", last_update_time="20261121_235959", occurred_time="20261121_000000"
        ),
        minimal_record(operation_id="running", last_update_time="20261122_064231"),
        finished("done", "20261122_064232", status="failed"),
        finished("other", "20261122_064233", status="completed"),
    ]
    for record in records:
        assert put(put_event(record))["statusCode"] == 200
    status, page = list_call(load_event("list_operations")["rawQueryString"])
    assert status == 200
    assert page == {
        "operations": [
            {
                "operation_id": "done",
                "status": "failed",
                "occurred_time": "20261101_000000",
                "last_update_time": "20261122_064232",
                "request": {"method": "POST", "uri": "/v1/networks"},
                "response_status_code": 201,
                "target_clusters": {"total": 0, "succeeded": 0, "failed": 0, "pending": 0},
            },
            {
                "operation_id": "running",
                "status": "executing",
                "occurred_time": "20261122_064230",
                "last_update_time": "20261122_064231",
                "request": {"method": "POST", "uri": "/v1/networks"},
                "target_clusters": {"total": 0, "succeeded": 0, "failed": 0, "pending": 0},
            },
        ]
    }


def test_the_list_answers_json_that_is_never_cached(table: Any, list_handler: ModuleType) -> None:
    result = invoker(list_handler)(load_event("list_operations"))
    assert result["statusCode"] == 200
    assert result["headers"]["Content-Type"] == "application/json"
    assert result["headers"]["Cache-Control"] == "no-store"
    assert json.loads(result["body"]) == {"operations": []}


def test_an_update_moves_an_operation_to_the_front_and_to_its_new_status(put: Invoke, list_call: Any) -> None:
    for index in range(3):
        put(put_event(minimal_record(operation_id=f"op-{index}", last_update_time=f"20261122_06424{index}")))
    put(put_event(finished("op-0", "20261122_070000")))
    assert [s["operation_id"] for s in walk(list_call, page_size=2)] == ["op-0", "op-2", "op-1"]
    assert [s["operation_id"] for s in walk(list_call, status="executing")] == ["op-2", "op-1"]
    assert [s["operation_id"] for s in walk(list_call, status="completed")] == ["op-0"]


BAD_QUERIES = [
    ("status=paused", "status"),
    ("updated_since=20261122", "updated_since"),
    ("updated_since=20260230_000000", "updated_since"),
    ("updated_before=20261122_246000", "updated_before"),
    ("updated_since=20261123_000000&updated_before=20261122_000000", "updated_since"),
    ("page_size=0", "page_size"),
    ("page_size=101", "page_size"),
    ("page_size=-1", "page_size"),
    ("page_size=1.5", "page_size"),
    ("page_size=abc", "page_size"),
    ("page_size=5&page_size=6", "page_size"),
    ("sort=asc", "sort"),
    ("page_token=bm90IG91cnM", "page_token"),
]


@pytest.mark.parametrize(("raw_query", "parameter"), BAD_QUERIES)
def test_bad_input_is_a_400_problem_naming_the_parameter(
    list_call: Any, raw_query: str, parameter: str
) -> None:
    status, problem = list_call(raw_query)
    assert status == 400
    assert problem["instance"] == "/v1/operations"
    assert [error["parameter"] for error in problem["errors"]] == [parameter]


def test_a_token_is_refused_when_truncated_altered_or_used_with_other_filters(
    put: Invoke, list_call: Any
) -> None:
    for index in range(3):
        put(put_event(minimal_record(operation_id=f"op-{index}")))
    token = list_call("status=executing&page_size=1")[1]["next_page_token"]
    assert list_call(f"status=executing&page_size=1&page_token={token}")[0] == 200
    altered = token[:5] + ("A" if token[5] != "A" else "B") + token[6:]
    for raw_query in (
        f"status=executing&page_token={token[:-3]}",
        f"status=executing&page_token={altered}",
        f"status=executing,failed&page_token={token}",
        f"page_token={token}",
    ):
        status, problem = list_call(raw_query)
        assert (status, problem["code"]) == (400, "INVALID_PAGE_TOKEN"), raw_query
        assert problem["errors"][0]["parameter"] == "page_token"


def test_a_get_never_returns_the_stores_own_attributes(put: Invoke, get: Invoke, table: Any) -> None:
    record = full_record()
    put(put_event(record))
    item = table.get_item(TableName="operations-test", Key={"operation_id": {"S": record["operation_id"]}})
    assert {"_version", "_list_shard", "_list_all", "_list_order", "_summary"} <= set(item["Item"])
    assert json.loads(get(get_event(record["operation_id"]))["body"]) == record
    assert json.loads(put(put_event(record))["body"]) == record


# --- retention ---------------------------------------------------------------------------------------

ENDED = "20261122_064230"
EXPIRY = epoch_seconds(ENDED) + 86_400  # with RetentionDays 1


@pytest.fixture
def retention_of_one_day(table: Any) -> Iterator[None]:
    with service_settings(RETENTION_DAYS="1"):
        yield


def at(moment: float) -> Any:
    return mock.patch.object(store, "now_seconds", return_value=float(moment))


@pytest.mark.usefixtures("retention_of_one_day")
def test_a_finished_operation_is_gone_for_every_reader_once_its_retention_ends(
    put: Invoke, get: Invoke, list_call: Any
) -> None:
    with at(EXPIRY - 1):
        assert put(put_event(finished("op-1", ENDED)))["statusCode"] == 200
        assert get(get_event("op-1"))["statusCode"] == 200
        assert [s["operation_id"] for s in walk(list_call)] == ["op-1"]
    with at(EXPIRY):
        result = get(get_event("op-1"))
        assert result["statusCode"] == 404
        assert json.loads(result["body"])["code"] == "OPERATION_NOT_FOUND"
        assert walk(list_call) == []


@pytest.mark.usefixtures("retention_of_one_day")
def test_a_running_operation_never_expires(put: Invoke, get: Invoke) -> None:
    with at(EXPIRY - 1):
        put(put_event(minimal_record(last_update_time=ENDED)))
    with at(EXPIRY + 10 * 365 * 86_400):
        answer = get(get_event("op-1"))
    assert (answer["statusCode"], json.loads(answer["body"])) == (200, minimal_record(last_update_time=ENDED))


@pytest.mark.usefixtures("retention_of_one_day")
def test_rollbacks_reported_later_push_the_expiry_back(put: Invoke, get: Invoke) -> None:
    with at(EXPIRY - 1):
        put(put_event(finished("op-1", ENDED, status="failed")))
        later = finished("op-1", "20261123_000000", status="failed")
        later["rollbacks"] = {"result": "rolled back", "occurred_time": "20261123_000000"}
        assert put(put_event(later))["statusCode"] == 200
    with at(EXPIRY):
        assert json.loads(get(get_event("op-1"))["body"]) == later


@pytest.mark.usefixtures("retention_of_one_day")
def test_a_put_over_an_expired_operation_creates_it_anew(put: Invoke, get: Invoke) -> None:
    with at(EXPIRY - 1):
        first = put(put_event(finished("op-1", ENDED)))
    anew = minimal_record(last_update_time="20261101_000000", occurred_time="20261101_000000")
    with at(EXPIRY):
        # an older time and another status after a terminal one: no conflict, the old record is gone
        assert put(put_event(anew, If_Match=first["headers"]["ETag"]))["statusCode"] == 412
        assert put(put_event(anew, If_None_Match="*"))["statusCode"] == 200
        assert json.loads(get(get_event("op-1"))["body"]) == anew


@pytest.mark.usefixtures("retention_of_one_day")
def test_with_retention_a_put_and_a_get_are_still_one_request_each(
    put: Invoke, get: Invoke, requests_sent: list[str]
) -> None:
    with at(EXPIRY):
        put(put_event(finished("op-1", ENDED)))
        get(get_event("op-1"))
        put(put_event(finished("op-1", ENDED)))
    assert requests_sent == ["PutItem", "GetItem", "PutItem"]


FILTERS = [
    "",
    "status=failed",
    "status=executing,failed",
    "updated_since=20261122_000000",
    "updated_before=20261123_000000&status=completed",
]


def forged(raw_filters: str, position: str) -> str:
    """A token with a real digest (the digest is no secret) over any position, for these filters."""
    return listing.make_token(listing.parse_query(raw_filters), 4, position)


positions = st.one_of(
    st.text(max_size=150),
    st.builds(
        order_key,
        st.sampled_from(["20261121_000000", "20261122_120000", "20261124_000000"]),
        st.text("abc-~._Z9", min_size=1, max_size=128),
    ),
)
list_tokens = st.one_of(
    st.binary(max_size=600).map(lambda raw: base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")),
    st.binary(max_size=600).map(lambda raw: raw.decode("latin-1")),
    st.text(max_size=700),
    st.builds(forged, st.sampled_from(FILTERS), positions),
    st.builds(page_token.make_token, st.text(max_size=100), st.just({"history": "op", "life": "1"})),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(token=list_tokens, filters=st.sampled_from(FILTERS))
def test_no_page_token_is_ever_a_500(put: Invoke, list_call: Any, token: str, filters: str) -> None:
    """Random bytes, base64 of random bytes, tokens with a real digest over any position or of another
    list: a page of these filters, or a 400 naming page_token alone."""
    if list_call("page_size=1")[1]["operations"] == []:
        for index, status in enumerate(STATUSES * 3):
            record = finished(f"op-{index}", f"20261122_0000{index:02d}", status)
            if status in ("unexecuted", "executing"):
                del record["response"]
            assert put(put_event(record))["statusCode"] == 200
    query = "&".join(part for part in (filters, f"page_token={quote(token, safe='')}", "page_size=2") if part)
    status, body = list_call(query)
    assert status in (200, 400), body
    if status == 400:
        assert body["errors"] == [{"parameter": "page_token", "detail": body["errors"][0]["detail"]}]
