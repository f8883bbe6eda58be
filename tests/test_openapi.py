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
