"""The metrics each request publishes: the EMF lines the handlers print, as CloudWatch would read them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest
from botocore.stub import Stubber

from devtools.local_events import creations
from operations_api import metrics, settings, store
from operations_api.events import publisher
from tests.support.change_events import BUS_NAME, Pipeline, use_bus
from tests.support.events import get_event, load_event, put_event
from tests.support.handlers import FakeLambdaContext, Invoke, invoker, load_function
from tests.support.records import minimal_record

STAGE = "prod"


@pytest.fixture(autouse=True)
def stage(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The stage the template would set; the metrics read it once per process, so their caches go."""
    monkeypatch.setenv("STAGE", STAGE)
    settings.get_stage.cache_clear()
    metrics._metrics.cache_clear()
    yield
    settings.get_stage.cache_clear()
    metrics._metrics.cache_clear()


def published(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    """The metrics in the EMF lines printed so far, each checked as CloudWatch reads the format: every
    dimension and metric it declares has its value in the line. One metric per line, with its dimensions."""
    found = []
    for line in capsys.readouterr().out.splitlines():
        document = json.loads(line) if line.startswith("{") else {}
        if "_aws" not in document:
            continue
        (directive,) = document["_aws"]["CloudWatchMetrics"]
        assert isinstance(document["_aws"]["Timestamp"], int)
        (metric,) = directive["Metrics"]
        assert metric["Unit"] == "Count"
        (value,) = document[metric["Name"]]
        dimensions = directive["Dimensions"]
        values = {name: document[name] for names in dimensions for name in names}
        found.append(
            {"namespace": directive["Namespace"], "name": metric["Name"], "dimensions": dimensions, **values}
        )
        if value != 1:
            found[-1]["value"] = value
    return found


def test_an_accepted_write_is_counted_by_stage_and_by_the_records_status(
    put: Invoke, capsys: pytest.CaptureFixture[str]
) -> None:
    assert put(load_event("put_operation"))["statusCode"] == 200
    assert published(capsys) == [
        {
            "namespace": "OperationsApi",
            "name": "AcceptedWrites",
            "dimensions": [["stage"], ["stage", "status"]],
            "stage": STAGE,
            "status": "failed",
        }
    ]


@pytest.mark.parametrize(
    ("event", "code"),
    [
        (load_event("put_operation_invalid"), "VALIDATION_ERROR"),
        (load_event("put_operation_malformed_json"), "MALFORMED_JSON"),
        (load_event("put_operation_id_mismatch"), "OPERATION_ID_MISMATCH"),
        (put_event(minimal_record(), if_match='"no-such-version"'), "PRECONDITION_FAILED"),
    ],
)
def test_a_refused_write_is_counted_by_its_problem_code(
    put: Invoke, capsys: pytest.CaptureFixture[str], event: dict[str, Any], code: str
) -> None:
    assert put(event)["statusCode"] in {400, 412}
    (metric,) = published(capsys)
    assert (metric["name"], metric["dimensions"], metric["code"]) == (
        "RefusedWrites",
        [["stage"], ["stage", "code"]],
        code,
    )


def test_a_write_going_back_is_refused_and_counted_as_stale(
    put: Invoke, capsys: pytest.CaptureFixture[str]
) -> None:
    put(put_event(minimal_record(occurred_time="20261122_050000", last_update_time="20261122_070000")))
    put(put_event(minimal_record(occurred_time="20261122_050000", last_update_time="20261122_060000")))
    assert [(metric["name"], metric.get("status") or metric.get("code")) for metric in published(capsys)] == [
        ("AcceptedWrites", "executing"),
        ("RefusedWrites", "STALE_UPDATE"),
    ]


@pytest.mark.parametrize("method", ["PUT", "GET"])
def test_an_unavailable_store_is_counted_on_either_route(
    put: Invoke, get: Invoke, capsys: pytest.CaptureFixture[str], method: str
) -> None:
    with Stubber(store.dynamodb_client()) as stub:
        stub.add_client_error("put_item" if method == "PUT" else "get_item", "ThrottlingException")
        result = put(put_event(minimal_record())) if method == "PUT" else get(get_event("op-1"))
    assert result["statusCode"] == 503
    assert published(capsys) == [
        {"namespace": "OperationsApi", "name": "StoreUnavailable", "dimensions": [["stage"]], "stage": STAGE}
    ]


def test_reads_and_answers_that_are_no_write_publish_nothing(
    put: Invoke, get: Invoke, capsys: pytest.CaptureFixture[str]
) -> None:
    put(load_event("put_operation"))
    capsys.readouterr()
    assert get(load_event("get_operation"))["statusCode"] == 200
    assert get(load_event("get_operation_not_found"))["statusCode"] == 404
    assert get(get_event("not an id"))["statusCode"] == 400
    assert published(capsys) == []


def test_an_unexpected_fault_is_not_counted_as_a_refusal(
    put: Invoke, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(*_: Any, **__: Any) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(store, "put_operation", broken)
    assert put(put_event(minimal_record()))["statusCode"] == 500
    assert published(capsys) == []


def test_no_operation_id_is_ever_a_dimension(put: Invoke, capsys: pytest.CaptureFixture[str]) -> None:
    put(put_event(minimal_record(operation_id="op-unique-4711"), "op-unique-4711"))
    put(put_event(minimal_record(operation_id="op-unique-4711"), "op-other"))
    lines = published(capsys)
    assert len(lines) == 2
    assert "op-unique-4711" not in json.dumps(lines)
    assert {name for metric in lines for names in metric["dimensions"] for name in names} <= {
        "stage",
        *filter(None, metrics.METRICS.values()),
    }


def test_the_consumer_counts_the_events_a_batch_published(
    put: Invoke, pipeline: Pipeline, capsys: pytest.CaptureFixture[str]
) -> None:
    for number in range(3):
        put(put_event(minimal_record(operation_id=f"op-{number}")))
    capsys.readouterr()
    assert len(pipeline.deliver()) == 3
    assert published(capsys) == [
        {"namespace": "OperationsApi", "name": name, "dimensions": [["stage"]], "stage": STAGE, **value}
        for name, value in (
            ("HistoryEntriesWritten", {"value": 3}),
            ("EventsPublished", {"value": 3}),
            ("OperationsInProgress", {"value": 3}),  # the gauges (fleet/gauges.py)
            ("OperationsFailedThisHour", {"value": 0}),
        )
    ]


class RefusingEventBridge:
    """PutEvents that refuses the entry of one operation, every time it is put."""

    def __init__(self, refused: str) -> None:
        self.refused = refused

    def put_events(self, Entries: list[dict[str, Any]]) -> dict[str, Any]:
        results = [
            {"ErrorCode": "InternalFailure", "ErrorMessage": "refused"}
            if json.loads(entry["Detail"])["operation_id"] == self.refused
            else {"EventId": "accepted"}
            for entry in Entries
        ]
        return {"FailedEntryCount": sum("ErrorCode" in result for result in results), "Entries": results}


def test_the_loop_counts_entries_events_refused_and_the_changes_it_holds_back(
    table: Any,
    publish_handler: ModuleType,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("EVENT_BUS_NAME", BUS_NAME)  # undone after the test
    use_bus()
    monkeypatch.setattr(publisher, "RETRY_PAUSES_SECONDS", (0.0, 0.0))
    monkeypatch.setattr(publisher, "events_client", lambda: RefusingEventBridge("op-002"))
    response = publish_handler.lambda_handler({"Records": creations(4)}, FakeLambdaContext())
    # no dead-letter queue here: op-002's record fails, and op-003's after it
    assert len(response["batchItemFailures"]) == 2
    assert [(metric["name"], metric.get("value", 1)) for metric in published(capsys)] == [
        ("HistoryEntriesWritten", 4),
        ("EventsPublished", 3),
        ("EventsNotPublished", 1),
        ("HistoryChangesHeldBack", 2),
    ]


def test_each_page_of_the_list_is_counted(put: Invoke, capsys: pytest.CaptureFixture[str]) -> None:
    put(load_event("put_operation"))
    capsys.readouterr()
    list_operations = invoker(load_function("list_operations"))
    assert list_operations(load_event("list_operations"))["statusCode"] == 200
    assert published(capsys) == [
        {"namespace": "OperationsApi", "name": "ListPagesServed", "dimensions": [["stage"]], "stage": STAGE}
    ]
