"""Generate openapi.json from the code: every HttpApi function of template.yaml, merged into one document.

`make openapi` writes it; tests/test_openapi.py fails when the committed file drifts from this output.
Generated offline: enabling Swagger in the deployed handlers would cost ~300 ms of cold start.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

from aws_lambda_powertools.event_handler.openapi.merge import OpenAPIMerge

from devtools.template import load_template
from operations_api import api

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
    return _path_parameters_documented_alike(_without_framework_defaults(schema))


def _path_parameters_documented_alike(schema: dict[str, Any]) -> dict[str, Any]:
    """Every operation of a path gets a path parameter as the route that validates it declares it.

    The GET function checks its path id itself, with `operations_api.rules`, so that it never imports
    pydantic (docs/performance.md); Powertools then knows the parameter only as a string. The PUT route
    declares it with `api.OPERATION_ID_PARAMETER`, and that one declaration documents both.
    """
    for operations in schema.get("paths", {}).values():
        declared = {
            parameter["name"]: parameter
            for operation in operations.values()
            for parameter in operation.get("parameters", [])
            if parameter.get("in") == "path" and "description" in parameter
        }
        for operation in operations.values():
            if "parameters" not in operation:
                continue
            operation["parameters"] = [
                dict(declared.get(parameter["name"], parameter))
                if parameter.get("in") == "path"
                else parameter
                for parameter in operation["parameters"]
            ]
    return schema


def _without_framework_defaults(schema: dict[str, Any]) -> dict[str, Any]:
    """Powertools documents its own 422 and 500 validation answers; ours are 400 and 500 problems."""
    problem_500 = api.route_responses("", 500)[500]
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.get("responses", {})
            responses.pop("422", None)
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
