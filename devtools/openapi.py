"""Generate openapi.json from the code: every HttpApi function of template.yaml, merged into one document.

`make openapi` writes it; tests/test_openapi.py fails when the committed file drifts from this output.
Generated offline: enabling Swagger in the deployed handlers would lengthen their cold start.
"""

from __future__ import annotations

import ast
import copy
import json
import os
import re
import sys
from http import HTTPStatus
from pathlib import Path
from typing import Any

from aws_lambda_powertools.event_handler.openapi.merge import OpenAPIMerge

from devtools.template import load_template
from operations_api import api, problems, store
from operations_api.fleet import counts
from operations_api.history import query as history
from operations_api.history.layout import SEQUENCE_DIGITS
from operations_api.listing import query as listing
from operations_api.listing import token as page_token
from operations_api.record.models import RECORD
from operations_api.record.rules import (
    CLUSTER_ID_MAX_LENGTH,
    OPERATION_ID_MAX_LENGTH,
    OPERATION_ID_PATTERN,
    STATUSES,
    TIMESTAMP_SCHEMA_PATTERN,
    UNREADABLE_OPERATION_IDS,
)
from operations_api.service import ENTITY_TAG_PATTERN, MAX_ENTITY_TAGS

TITLE = "Operations API"
VERSION = "1.0.0"
DESCRIPTION = (
    "Records and serves the state of long-running asynchronous operations. Errors are RFC 9457 problem "
    "details (application/problem+json) with a stable `code`. Calls are signed with AWS SigV4 (AWS_IAM)."
)


def generate() -> dict[str, Any]:
    os.environ.setdefault("TABLE_NAME", "operations")  # the handlers read it lazily; set for safety only
    merge = OpenAPIMerge(title=TITLE, version=VERSION, description=DESCRIPTION, on_conflict="error")
    for function in load_template().functions.values():
        if function.routes:
            merge.add_file(function.code_dir / f"{function.module_name}.py", resolver_name="app")
    schema: dict[str, Any] = json.loads(merge.get_openapi_json_schema())
    return _codes_listed(named_after_handlers(_inputs_documented(_without_framework_defaults(schema))))


def problem_codes() -> dict[str, int]:
    """Every problem `code` the service can answer, with its status, as problems.py builds them: each
    `Problem(HTTPStatus.X, "CODE", ...)` there. Read from its source, so that no hand list can fall behind."""
    source = Path(problems.__file__).read_text(encoding="utf-8")
    codes: dict[str, int] = {}
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Problem":
            status, code = node.args[:2]
            if not (isinstance(status, ast.Attribute) and isinstance(code, ast.Constant)):
                raise ValueError(
                    f"problems.py line {node.lineno}: a Problem's status and code must be literal"
                )
            codes[str(code.value)] = int(HTTPStatus[status.attr])
    return dict(sorted(codes.items(), key=lambda item: (item[1], item[0])))


def _codes_listed(schema: dict[str, Any]) -> dict[str, Any]:
    """Each problem answer's `code` as an enum of every code the service can answer."""
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            for response in operation.get("responses", {}).values():
                content = response.get("content", {})
                if problems.PROBLEM_CONTENT_TYPE in content:
                    problem = copy.deepcopy(content[problems.PROBLEM_CONTENT_TYPE]["schema"])
                    problem["properties"]["code"]["enum"] = list(problem_codes())
                    content[problems.PROBLEM_CONTENT_TYPE]["schema"] = problem
    return schema


def named_after_handlers(schema: dict[str, Any]) -> dict[str, Any]:
    """Each operation's id, where its route gives none (`operation_id=`), is its handler function's name in
    camel case (put_operation -> putOperation). Powertools' default id is that name followed by the path
    and the method (put_operation_v1_operations__operation_id__put), which no client wants as a method."""
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            suffix = re.sub(r"\W", "_", path) + "_" + method
            default: str = operation.get("operationId", "")
            if default.endswith(suffix) and len(default) > len(suffix):
                operation["operationId"] = camel_case(default.removesuffix(suffix))
    return schema


def camel_case(name: str) -> str:
    first, *rest = name.split("_")
    return first + "".join(word.capitalize() for word in rest)


# A precondition header as `service.parse_entity_tags` reads it: blank (as if absent), `*`, or a list of
# at most MAX_ENTITY_TAGS entity tags.
_TAG = ENTITY_TAG_PATTERN.replace("(W/)?", "(?:W/)?").replace('"(', '"(?:')
ENTITY_TAGS = rf"^(?:\s*|\s*\*\s*|{_TAG}(?:,{_TAG}){{0,{MAX_ENTITY_TAGS - 1}}})$"


def _inputs_documented(schema: dict[str, Any]) -> dict[str, Any]:
    """What the handlers' signatures cannot tell Powertools: they take only the path's id and check their
    inputs themselves, never importing pydantic (docs/performance.md). The id's rule (`rules`), the PUT's
    precondition headers (`api`) and its body, the record as the models define it."""
    path_id = {
        "name": "operation_id",
        "in": "path",
        "required": True,
        "description": "the operation's id: 1 to 128 ASCII letters, digits, '-', '.', '_' or '~', "
        "and not '.' or '..'",
        "schema": {
            "type": "string",
            "minLength": 1,
            "maxLength": OPERATION_ID_MAX_LENGTH,
            "pattern": OPERATION_ID_PATTERN,
            "not": {"enum": list(UNREADABLE_OPERATION_IDS)},
        },
    }
    headers = [
        {
            "name": name,
            "in": "header",
            "required": False,
            "description": f"{description}; `*` or a list of at most {MAX_ENTITY_TAGS} quoted entity tags",
            "schema": {"type": "string", "pattern": ENTITY_TAGS},
        }
        for name, description in api.PRECONDITION_HEADERS.items()
    ]
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            if path == api.COUNTS_PATH:
                operation["parameters"] = _counts_parameters()
                continue
            if "{operation_id}" not in path:
                operation["parameters"] = _list_parameters()
                continue
            operation["parameters"] = [
                path_id,
                *(headers if method == "put" else []),
                *_history_parameters(path),
            ]
            if method == "put":
                operation["requestBody"] = {
                    "description": "the whole record of the operation, stored as one DynamoDB item of at "
                    f"most {store.ITEM_SIZE_LIMIT_BYTES:,} bytes (attribute names included), else 413 "
                    "RECORD_TOO_LARGE",
                    "required": True,
                    "content": {
                        api.JSON_CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/Operation"}}
                    },
                }
    record = RECORD.json_schema(ref_template="#/components/schemas/{model}")
    definitions = record.pop("$defs", {})
    schema.setdefault("components", {}).setdefault("schemas", {}).update(
        {
            **definitions,
            record["title"]: record,
            "OperationSummary": listing.SUMMARY_SCHEMA,
            "OperationPage": listing.PAGE_SCHEMA,
            "OperationCounts": counts.COUNTS_SCHEMA,
            "HistoryEntry": history.ENTRY_SCHEMA,
            "HistoryPage": history.PAGE_SCHEMA,
        }
    )
    return schema


def _list_parameters() -> list[dict[str, Any]]:
    """The list's query parameters (`listing`): all optional, each with its rule."""
    schemas: dict[str, dict[str, Any]] = {
        "status": {"type": "string", "pattern": f"^({'|'.join(STATUSES)})(,({'|'.join(STATUSES)}))*$"},
        "updated_since": {"type": "string", "pattern": TIMESTAMP_SCHEMA_PATTERN},
        "updated_before": {"type": "string", "pattern": TIMESTAMP_SCHEMA_PATTERN},
        "page_size": {
            "type": "integer",
            "minimum": 1,
            "maximum": listing.MAX_PAGE_SIZE,
            "default": listing.DEFAULT_PAGE_SIZE,
        },
        "cluster": {"type": "string", "minLength": 1, "maxLength": CLUSTER_ID_MAX_LENGTH},
        # base64url text: a pattern also keeps generated tokens short once percent-encoded in a URL
        "page_token": {
            "type": "string",
            "minLength": 1,
            "maxLength": listing.MAX_TOKEN_LENGTH,
            "pattern": "^[A-Za-z0-9_-]+$",
        },
    }
    return _query_parameters(listing.PARAMETERS, schemas)


def _history_parameters(path: str) -> list[dict[str, Any]]:
    """A history page's query parameters, or a version's sequence (`history.query`)."""
    if path.endswith("/{sequence}"):
        sequence = {"type": "integer", "minimum": 1, "maximum": 10**SEQUENCE_DIGITS - 1}
        rule = f"the change's sequence in the history: {history.SEQUENCE_RULE}"
        return [{"name": "sequence", "in": "path", "required": True, "description": rule, "schema": sequence}]
    if not path.endswith("/history"):
        return []
    page_size = {"minimum": 1, "maximum": history.MAX_PAGE_SIZE, "default": history.DEFAULT_PAGE_SIZE}
    token = {"minLength": 1, "maxLength": page_token.MAX_TOKEN_LENGTH, "pattern": "^[A-Za-z0-9_-]+$"}
    schemas = {"page_size": {"type": "integer", **page_size}, "page_token": {"type": "string", **token}}
    return _query_parameters(history.PARAMETERS, schemas)


def _query_parameters(described: dict[str, str], schemas: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """A route's query parameters, all optional, each with its description and schema."""
    return [
        {"name": name, "in": "query", "required": False, "description": description, "schema": schemas[name]}
        for name, description in described.items()
    ]


def _counts_parameters() -> list[dict[str, Any]]:
    """The counts' one query parameter (`fleet.counts`)."""
    schema = {"type": "integer", "minimum": 1, "maximum": counts.MAX_HOURS, "default": counts.DEFAULT_HOURS}
    return [
        {"name": name, "in": "query", "required": False, "description": description, "schema": schema}
        for name, description in counts.PARAMETERS.items()
    ]


def _without_framework_defaults(schema: dict[str, Any]) -> dict[str, Any]:
    """Powertools documents its own validation errors' schemas and a 500 answer; ours are problems."""
    problem_500 = api.route_responses("", 500)[500]
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.get("responses", {})
            responses["500"] = dict(problem_500)
    components = schema.get("components", {}).get("schemas", {})
    for name in ("HTTPValidationError", "ValidationError", "ResponseValidationError"):
        components.pop(name, None)
    schema.setdefault("components", {})["securitySchemes"] = {
        "sigv4": {
            "type": "apiKey",
            "name": "Authorization",
            "in": "header",
            "description": "AWS Signature Version 4 (the HttpApi's AWS_IAM authorizer)",
        }
    }
    schema["security"] = [{"sigv4": []}]
    return schema


def render() -> str:
    return json.dumps(generate(), indent=2, sort_keys=False) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render())
