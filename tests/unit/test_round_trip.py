"""Property: whatever valid record a PUT stores, a GET gives back exactly
(docs/api.md, "Nulls and absence")."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from operations_api import service
from operations_api.record import rules
from operations_api.record.validation import validate as validate_record
from tests.support.environment import TABLE_NAME

pytestmark = pytest.mark.fuzzing

text = st.text(max_size=40)
non_empty = st.text(min_size=1, max_size=40)
status_codes = st.integers(min_value=100, max_value=599)
http_methods = st.sampled_from(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
times = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31))


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y%m%d_%H%M%S")


cluster_response = st.fixed_dictionaries(
    {}, optional={"status_code": st.none() | status_codes, "body": st.none() | text}
)


def cluster(body: st.SearchStrategy[Any], *, body_optional: bool) -> st.SearchStrategy[dict[str, Any]]:
    request = st.fixed_dictionaries(
        {"uri": non_empty, "method": http_methods, **({} if body_optional else {"body": body})},
        optional={"body": body} if body_optional else {},
    )
    return st.fixed_dictionaries(
        {"cluster_id": non_empty, "request": request}, optional={"response": st.none() | cluster_response}
    )


targets = st.none() | st.lists(cluster(text, body_optional=False), max_size=4)
rollback_targets = st.none() | st.lists(cluster(st.none() | text, body_optional=True), max_size=3)


operation_ids = st.from_regex(r"[A-Za-z0-9._~-]{1,128}", fullmatch=True).filter(rules.is_operation_id)


@st.composite
def records(draw: st.DrawFn) -> dict[str, Any]:
    occurred = draw(times)
    updated = occurred + draw(st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=30)))
    status = draw(st.sampled_from(["unexecuted", "executing", "completed", "failed", "canceled"]))
    record: dict[str, Any] = {
        "operation_id": draw(operation_ids),
        "occurred_time": stamp(occurred),
        "last_update_time": stamp(updated),
        "status": status,
        "request": {
            "uri": draw(non_empty),
            "method": draw(st.sampled_from(["POST", "PUT", "DELETE"])),
            "body": draw(text),
        },
    }
    response = st.fixed_dictionaries({"status_code": status_codes, "body": text})
    if status in ("completed", "failed"):
        record["response"] = draw(response)
    elif draw(st.booleans()):
        record["response"] = draw(st.none() | response)
    optional = {
        "sub_status": text,
        "target_clusters": targets,
        "rollbacks": st.none()
        | st.fixed_dictionaries(
            {"result": non_empty, "occurred_time": times.map(stamp)},
            optional={"target_clusters": rollback_targets},
        ),
    }
    for key, strategy in optional.items():
        if draw(st.booleans()):
            record[key] = draw(strategy)
    return record


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(record=records())
def test_a_stored_record_round_trips_exactly(table: Any, record: dict[str, Any]) -> None:
    operation_id = record["operation_id"]
    table.delete_item(
        TableName=TABLE_NAME, Key={"operation_id": {"S": operation_id}}
    )  # examples share a table
    document = validate_record(json.loads(json.dumps(record)))
    put = service.put_operation(operation_id, document)
    got = service.get_operation(operation_id)
    assert put.document == record
    assert got.document == record
    assert json.dumps(got.document, sort_keys=True) == json.dumps(record, sort_keys=True)
    assert got.version == put.version == service.version_of(record)
