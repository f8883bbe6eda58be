"""What the stack gets: authentication, least privilege, data protection, limits (issue: secure to deploy)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from devtools.template import load_template

ROOT = Path(__file__).resolve().parent.parent.parent
SAM_PYTHON = ROOT / ".venv-sam" / "bin" / "python"
RESOURCES = load_template().resources


def statements_of(role: str) -> list[dict[str, Any]]:
    (policy,) = RESOURCES[role]["Properties"]["Policies"]
    statements: list[dict[str, Any]] = policy["PolicyDocument"]["Statement"]
    return statements


@pytest.mark.parametrize(
    ("function", "role", "action", "log_group"),
    [
        ("PutOperationFunction", "PutOperationRole", "dynamodb:PutItem", "PutOperationLogGroup"),
        ("GetOperationFunction", "GetOperationRole", "dynamodb:GetItem", "GetOperationLogGroup"),
    ],
)
def test_each_function_may_do_only_what_its_route_needs(
    function: str, role: str, action: str, log_group: str
) -> None:
    properties = RESOURCES[function]["Properties"]
    assert properties["Role"] == {"Fn::GetAtt": [role, "Arn"]}
    assert "Policies" not in properties, "no SAM policy templates, no managed policies"
    assert "ManagedPolicyArns" not in RESOURCES[role]["Properties"]
    table, logs = statements_of(role)
    assert (table["Effect"], table["Action"], table["Resource"]) == (
        "Allow",
        action,
        {"Fn::GetAtt": ["OperationsTable", "Arn"]},
    )
    assert logs["Action"] == ["logs:CreateLogStream", "logs:PutLogEvents"]
    assert logs["Resource"] == {"Fn::GetAtt": [log_group, "Arn"]}
    assert "*" not in json.dumps(RESOURCES[role]), "no wildcard anywhere in the role"


def test_the_table_survives_mistakes() -> None:
    table = RESOURCES["OperationsTable"]
    assert table["DeletionPolicy"] == table["UpdateReplacePolicy"] == "Retain"
    properties = table["Properties"]
    assert properties["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert properties["SSESpecification"] == {"SSEEnabled": True}
    assert properties["DeletionProtectionEnabled"] is True
    assert properties["BillingMode"] == "PAY_PER_REQUEST"
    assert properties["KeySchema"] == [{"AttributeName": "operation_id", "KeyType": "HASH"}]


def test_every_log_group_is_declared_with_a_retention_period() -> None:
    groups = {name: res for name, res in RESOURCES.items() if res["Type"] == "AWS::Logs::LogGroup"}
    assert set(groups) == {
        "ApiAccessLogGroup",
        "PutOperationLogGroup",
        "GetOperationLogGroup",
        "PublishEventsLogGroup",
    }
    for group in groups.values():
        assert group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionInDays"}
    for function in ("PutOperationFunction", "GetOperationFunction", "PublishEventsFunction"):
        assert RESOURCES[function]["Properties"]["LoggingConfig"]["LogGroup"]["Ref"] in groups


def test_the_stage_is_throttled_by_parameters_and_logs_no_content() -> None:
    api = RESOURCES["OperationsApi"]["Properties"]
    assert api["DefaultRouteSettings"] == {
        "ThrottlingRateLimit": {"Ref": "ThrottlingRateLimit"},
        "ThrottlingBurstLimit": {"Ref": "ThrottlingBurstLimit"},
    }
    log_format = api["AccessLogSettings"]["Format"]
    assert "$context.requestId" in log_format
    assert "header" not in log_format.lower()
    assert "body" not in log_format.lower()


def test_timeouts_and_memory_are_set_on_purpose() -> None:
    globals_function = load_template().document["Globals"]["Function"]
    assert globals_function["Timeout"] == 10
    assert globals_function["MemorySize"] >= 128


def test_authentication_can_be_off_only_in_a_sandbox() -> None:
    document = load_template().document
    rule = document["Rules"]["AuthenticationOffOnlyInSandbox"]
    assert rule["RuleCondition"] == {"Fn::Equals": [{"Ref": "AuthMode"}, "NONE"]}
    assert rule["Assertions"][0]["Assert"] == {"Fn::Equals": [{"Ref": "Stage"}, "sandbox"]}
    assert document["Parameters"]["AuthMode"]["Default"] == "AWS_IAM"


def transformed(**parameters: str) -> dict[str, Any]:
    if not SAM_PYTHON.exists():
        pytest.fail("the aws-sam-cli environment is missing: run `make test` (or `make .venv-sam/.stamp`)")
    command = [
        str(SAM_PYTHON),
        "-m",
        "devtools.transform_template",
        *(f"{k}={v}" for k, v in parameters.items()),
    ]
    output = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True, timeout=120).stdout
    result: dict[str, Any] = json.loads(output)
    return result


def route_security(stack: dict[str, Any]) -> dict[str, Any]:
    (api,) = [res for res in stack["Resources"].values() if res["Type"] == "AWS::ApiGatewayV2::Api"]
    return {
        f"{method.upper()} {path}": operation.get("security")
        for path, operations in api["Properties"]["Body"]["paths"].items()
        for method, operation in operations.items()
    }


def test_every_route_requires_a_sigv4_signature_by_default() -> None:
    assert route_security(transformed(Stage="prod")) == {
        "PUT /v1/operations/{operation_id}": [{"AWS_IAM": []}],
        "GET /v1/operations/{operation_id}": [{"AWS_IAM": []}],
    }


def test_a_sandbox_may_turn_authentication_off() -> None:
    security = route_security(transformed(Stage="sandbox", AuthMode="NONE"))
    assert set(security.values()) == {None}
