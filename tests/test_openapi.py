"""The committed OpenAPI document is the one the code generates, and it documents every answer."""

from __future__ import annotations

import json
from pathlib import Path

from devtools.openapi import render

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
    assert body["content"] == {"application/json": {"schema": {"$ref": "#/components/schemas/Operation"}}}
    headers = {p["name"] for p in operations["put"]["parameters"] if p["in"] == "header"}
    assert headers == {"if-match", "if-none-match"}
    for operation in operations.values():
        (path_id,) = [p for p in operation["parameters"] if p["in"] == "path"]
        assert path_id["required"] is True
        assert path_id["schema"]["pattern"] == "^[A-Za-z0-9._~-]{1,128}$"
    record = document["components"]["schemas"]["Operation"]
    assert record["additionalProperties"] is False
    assert record["required"] == ["operation_id", "occurred_time", "last_update_time", "status", "request"]


def test_the_list_documents_its_query_parameters_and_its_page() -> None:
    document = json.loads(COMMITTED.read_text(encoding="utf-8"))
    operation = document["paths"]["/v1/operations"]["get"]
    assert operation["operationId"] == "listOperations"
    parameters = {p["name"]: p for p in operation["parameters"]}
    assert set(parameters) == {"status", "updated_since", "updated_before", "page_size", "page_token"}
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
