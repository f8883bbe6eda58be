"""The committed OpenAPI document is the one the code generates, and it documents every answer."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from devtools.openapi import named_after_handlers, render
from operations_api import service
from operations_api.problems import Problem
from operations_api.record import rules

COMMITTED = Path(__file__).resolve().parent.parent / "openapi.json"


def test_the_committed_openapi_document_matches_the_code() -> None:
    assert COMMITTED.read_text(encoding="utf-8") == render(), "openapi.json is stale: run `make openapi`"


def test_every_route_documents_its_status_codes_with_the_problem_schema() -> None:
    document = json.loads(COMMITTED.read_text(encoding="utf-8"))
    operations = document["paths"]["/v1/operations/{operation_id}"]
    expected = {
        "put": {"200", "400", "409", "412", "413", "500", "503"},
        "get": {"200", "400", "404", "500", "503"},
    }
    assert {method: set(operation["responses"]) for method, operation in operations.items()} == expected
    for operation in operations.values():
        for status, response in operation["responses"].items():
            (media_type,) = response["content"]
            if status == "200":
                assert response["content"][media_type]["schema"] == {"$ref": "#/components/schemas/Operation"}
            else:
                assert media_type == "application/problem+json"
                assert "code" in response["content"][media_type]["schema"]["required"]


def test_the_put_documents_its_body_headers_and_the_path_ids_rule() -> None:
    document = json.loads(COMMITTED.read_text(encoding="utf-8"))
    operations = document["paths"]["/v1/operations/{operation_id}"]
    body = operations["put"]["requestBody"]
    assert body["required"] is True
    assert "at most 409,600 bytes" in body["description"], "the limit of a record, beyond a schema's words"
    assert body["content"] == {"application/json": {"schema": {"$ref": "#/components/schemas/Operation"}}}
    headers = {p["name"] for p in operations["put"]["parameters"] if p["in"] == "header"}
    assert headers == {"if-match", "if-none-match"}
    for operation in operations.values():
        (path_id,) = [p for p in operation["parameters"] if p["in"] == "path"]
        assert path_id["required"] is True
        assert path_id["schema"]["pattern"] == "^[A-Za-z0-9._~-]{1,128}$"
        assert path_id["schema"]["not"] == {"enum": [".", ".."]}, "ids no URL can carry"
    record = document["components"]["schemas"]["Operation"]
    assert record["properties"]["operation_id"]["not"] == {"enum": [".", ".."]}
    assert record["additionalProperties"] is False
    assert record["required"] == ["operation_id", "occurred_time", "last_update_time", "status", "request"]


def test_the_counts_document_hours_and_their_answer() -> None:
    document = json.loads(COMMITTED.read_text(encoding="utf-8"))
    operation = document["paths"]["/v1/operation-counts"]["get"]
    assert operation["operationId"] == "countOperations"
    (hours,) = operation["parameters"]
    assert (hours["name"], hours["in"], hours["required"]) == ("hours", "query", False)
    assert hours["schema"] == {"type": "integer", "minimum": 1, "maximum": 720, "default": 24}
    assert set(operation["responses"]) == {"200", "400", "500", "503"}
    answer = document["components"]["schemas"]["OperationCounts"]
    assert answer["required"] == ["in_progress", "finished", "hours"]
    assert answer["properties"]["in_progress"]["required"] == ["unexecuted", "executing"]
    assert answer["properties"]["finished"]["required"] == ["completed", "failed", "canceled"]


def test_the_list_documents_its_query_parameters_and_its_page() -> None:
    document = json.loads(COMMITTED.read_text(encoding="utf-8"))
    operation = document["paths"]["/v1/operations"]["get"]
    assert operation["operationId"] == "listOperations"
    # the rules across parameters, which no parameter's schema states
    assert "may be given once" in operation["description"]
    assert "not before updated_before" in operation["description"]
    parameters = {p["name"]: p for p in operation["parameters"]}
    assert set(parameters) == {
        "status",
        "updated_since",
        "updated_before",
        "page_size",
        "page_token",
        "cluster",
    }
    assert parameters["cluster"]["schema"] == {"type": "string", "minLength": 1, "maxLength": 512}
    assert all(p["in"] == "query" and p["required"] is False for p in parameters.values())
    assert parameters["page_size"]["schema"] == {
        "type": "integer",
        "minimum": 1,
        "maximum": 100,
        "default": 25,
    }
    assert set(operation["responses"]) == {"200", "400", "500", "503"}
    page = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert page == {"$ref": "#/components/schemas/OperationPage"}
    schemas = document["components"]["schemas"]
    assert schemas["OperationPage"]["properties"]["operations"]["items"] == {
        "$ref": "#/components/schemas/OperationSummary"
    }
    summary = schemas["OperationSummary"]["properties"]
    assert "body" not in summary
    assert set(summary["request"]["properties"]) == {"method", "uri"}


def components() -> dict[str, Any]:
    schemas: dict[str, Any] = json.loads(COMMITTED.read_text(encoding="utf-8"))["components"]["schemas"]
    return schemas


def test_operations_are_named_for_clients() -> None:
    document = json.loads(COMMITTED.read_text(encoding="utf-8"))
    operations = document["paths"]["/v1/operations/{operation_id}"]
    assert {method: operation["operationId"] for method, operation in operations.items()} == {
        "put": "putOperation",
        "get": "getOperation",
    }


def test_a_route_without_an_operation_id_is_named_after_its_handler() -> None:
    """Powertools' default id is the handler's name, the path and the method; a route's own id is kept."""
    schema = {
        "paths": {
            "/v1/operations": {
                "get": {"operationId": "list_operations_v1_operations_get"},
                "post": {"operationId": "findOperations"},
            }
        }
    }
    named = named_after_handlers(schema)["paths"]["/v1/operations"]
    assert (named["get"]["operationId"], named["post"]["operationId"]) == ("listOperations", "findOperations")


def test_nulls_are_accepted_exactly_where_the_contract_says() -> None:
    nullable = {
        (name, key)
        for name, schema in components().items()
        for key, field in schema.get("properties", {}).items()
        if {"type": "null"} in field.get("anyOf", [])
    }
    assert nullable == {
        ("Operation", "response"),
        ("Operation", "target_clusters"),
        ("Operation", "rollbacks"),
        ("TargetCluster", "response"),
        ("ClusterResponse", "status_code"),
        ("ClusterResponse", "body"),
        ("Rollbacks", "target_clusters"),
        ("RollbackCluster", "response"),
        ("RollbackRequest", "body"),
    }


def test_a_finished_operation_must_carry_a_response_that_is_not_null() -> None:
    record = components()["Operation"]
    assert record["if"] == {
        "properties": {"status": {"enum": ["completed", "failed"]}},
        "required": ["status"],
    }
    assert record["then"] == {"required": ["response"], "properties": {"response": {"type": "object"}}}


def test_every_time_has_the_pattern_of_real_times_and_the_order_is_described() -> None:
    schemas = components()
    times = [
        schemas["Operation"]["properties"]["occurred_time"],
        schemas["Operation"]["properties"]["last_update_time"],
        schemas["Rollbacks"]["properties"]["occurred_time"],
    ]
    assert all(time["pattern"] == rules.TIMESTAMP_SCHEMA_PATTERN for time in times)
    assert "never earlier than occurred_time" in times[1]["description"]


@pytest.mark.parametrize(
    "value",
    [
        "",
        " ",
        "*",
        ' "abc" ',
        'W/"a", "b"',
        '"a","b"',
        '"a"',
        "abc",
        '"a',
        '*, "a"',
        '"a,b"',
        '"a" "b"',
        ",",
        "**",
        ",".join(['"a"'] * 20),
        ",".join(['"a"'] * 21),
        ", ".join(f'W/"{n}"' for n in range(21)),
        ", ".join(f'"{n}"' for n in range(20)),
    ],
)
def test_the_precondition_headers_pattern_is_the_services_rule(value: str) -> None:
    document = json.loads(COMMITTED.read_text(encoding="utf-8"))
    (if_match,) = [
        parameter
        for parameter in document["paths"]["/v1/operations/{operation_id}"]["put"]["parameters"]
        if parameter["name"] == "if-match"
    ]
    fits = re.search(if_match["schema"]["pattern"], value) is not None
    try:
        service.parse_entity_tags("If-Match", value, weak_matches=True)
        accepted = True
    except Problem as problem:
        accepted = problem.code != "INVALID_HEADER"
    assert fits is accepted
