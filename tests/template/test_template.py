"""What the stack gets: authentication, least privilege, data protection, limits (issue: secure to deploy)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from devtools.template import load_template
from operations_api.fleet import layout as fleet_layout
from operations_api.history import layout as history_layout

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


# The keys an upgrade must never change: a new key schema makes CloudFormation replace the table.
KEYS = {
    "OperationsTable": [("operation_id", "HASH")],
    "HistoryTable": [(history_layout.PARTITION_KEY, "HASH"), (history_layout.SORT_KEY, "RANGE")],
    "FleetTable": [(fleet_layout.PARTITION_KEY, "HASH"), (fleet_layout.SORT_KEY, "RANGE")],
}


@pytest.mark.parametrize("table_id", sorted(KEYS))
def test_the_records_the_history_and_the_fleet_survive_mistakes_and_upgrades(table_id: str) -> None:
    table = RESOURCES[table_id]
    assert table["DeletionPolicy"] == table["UpdateReplacePolicy"] == "Retain"
    properties = table["Properties"]
    assert properties["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert properties["SSESpecification"] == {"SSEEnabled": True}
    assert properties["DeletionProtectionEnabled"] is True
    assert properties["BillingMode"] == "PAY_PER_REQUEST"
    assert [(key["AttributeName"], key["KeyType"]) for key in properties["KeySchema"]] == KEYS[table_id]


def test_only_the_history_loops_stream_marks_expire() -> None:
    """HistoryTable's TTL reads `_expires_at`, which the loop sets on its stream marks alone (2 days after
    writing them, tests/handlers/test_fleet_loop.py): the head and the entries are kept."""
    properties = RESOURCES["HistoryTable"]["Properties"]
    assert properties["TimeToLiveSpecification"] == {
        "AttributeName": history_layout.EXPIRES_ATTRIBUTE,
        "Enabled": True,
    }


def test_every_log_group_is_declared_with_a_retention_period() -> None:
    groups = {name: res for name, res in RESOURCES.items() if res["Type"] == "AWS::Logs::LogGroup"}
    assert set(groups) == {
        "ApiAccessLogGroup",
        "PutOperationLogGroup",
        "GetOperationLogGroup",
        "ListOperationsLogGroup",
        "CountOperationsLogGroup",
        "PublishEventsLogGroup",
        "GetHistoryLogGroup",
    }
    for group in groups.values():
        assert group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionInDays"}
    functions = (
        "PutOperationFunction",
        "GetOperationFunction",
        "ListOperationsFunction",
        "CountOperationsFunction",
        "PublishEventsFunction",
        "GetHistoryFunction",
    )
    for function in functions:
        assert RESOURCES[function]["Properties"]["LoggingConfig"]["LogGroup"]["Ref"] in groups


def test_the_stage_is_throttled_by_parameters_and_logs_no_content() -> None:
    api = RESOURCES["OperationsApi"]["Properties"]
    assert api["DefaultRouteSettings"] == {
        "DetailedMetricsEnabled": True,  # per-route metrics, for the dashboard (test_operate.py)
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
        "GET /v1/operations": [{"AWS_IAM": []}],
        "GET /v1/operation-counts": [{"AWS_IAM": []}],
        "GET /v1/operations/{operation_id}/history": [{"AWS_IAM": []}],
        "GET /v1/operations/{operation_id}/history/{sequence}": [{"AWS_IAM": []}],
    }


def test_a_sandbox_may_turn_authentication_off() -> None:
    security = route_security(transformed(Stage="sandbox", AuthMode="NONE"))
    assert set(security.values()) == {None}


def test_the_history_function_may_only_read_the_history_never_the_records() -> None:
    history, logs = statements_of("GetHistoryRole")
    assert (history["Action"], history["Resource"]) == (
        ["dynamodb:GetItem", "dynamodb:Query"],
        {"Fn::GetAtt": ["HistoryTable", "Arn"]},
    )
    assert logs["Resource"] == {"Fn::GetAtt": ["GetHistoryLogGroup", "Arn"]}
    environment = RESOURCES["GetHistoryFunction"]["Properties"]["Environment"]["Variables"]
    assert environment == {"HISTORY_TABLE_NAME": {"Ref": "HistoryTable"}}


def test_the_list_function_may_only_query_the_two_list_indexes_and_the_fleet_table() -> None:
    properties = RESOURCES["ListOperationsFunction"]["Properties"]
    assert properties["Environment"]["Variables"] == {"FLEET_TABLE_NAME": {"Ref": "FleetTable"}}
    assert properties["Role"] == {"Fn::GetAtt": ["ListOperationsRole", "Arn"]}
    assert "Policies" not in properties
    query, logs = statements_of("ListOperationsRole")
    assert (query["Effect"], query["Action"]) == ("Allow", "dynamodb:Query")
    assert query["Resource"] == [
        {"Fn::Sub": "${OperationsTable.Arn}/index/by-status-and-update"},
        {"Fn::Sub": "${OperationsTable.Arn}/index/by-update"},
        {"Fn::GetAtt": ["FleetTable", "Arn"]},
    ]
    assert logs["Resource"] == {"Fn::GetAtt": ["ListOperationsLogGroup", "Arn"]}
    assert "*" not in json.dumps(RESOURCES["ListOperationsRole"])


def test_the_counts_function_may_only_query_the_fleet_table() -> None:
    properties = RESOURCES["CountOperationsFunction"]["Properties"]
    assert properties["Role"] == {"Fn::GetAtt": ["CountOperationsRole", "Arn"]}
    assert properties["Environment"]["Variables"] == {"FLEET_TABLE_NAME": {"Ref": "FleetTable"}}
    assert "Policies" not in properties
    query, logs = statements_of("CountOperationsRole")
    assert (query["Effect"], query["Action"]) == ("Allow", "dynamodb:Query")
    assert query["Resource"] == {"Fn::GetAtt": ["FleetTable", "Arn"]}
    assert logs["Resource"] == {"Fn::GetAtt": ["CountOperationsLogGroup", "Arn"]}
    assert "*" not in json.dumps(RESOURCES["CountOperationsRole"])


def test_the_list_indexes_spread_their_writes_and_project_only_the_summary() -> None:
    from operations_api.listing import index as list_index

    properties = RESOURCES["OperationsTable"]["Properties"]
    by_status, every_status = properties["GlobalSecondaryIndexes"]
    for index, name, partition in (
        (by_status, list_index.INDEX_NAME, list_index.SHARD_ATTRIBUTE),
        (every_status, list_index.ALL_INDEX_NAME, list_index.ALL_SHARD_ATTRIBUTE),
    ):
        assert index["IndexName"] == name
        assert index["KeySchema"] == [
            {"AttributeName": partition, "KeyType": "HASH"},
            {"AttributeName": list_index.ORDER_ATTRIBUTE, "KeyType": "RANGE"},
        ]
        assert index["Projection"] == {
            "ProjectionType": "INCLUDE",
            "NonKeyAttributes": [list_index.SUMMARY_ATTRIBUTE, list_index.EXPIRES_ATTRIBUTE],
        }
    assert properties["TimeToLiveSpecification"] == {
        "AttributeName": list_index.EXPIRES_ATTRIBUTE,
        "Enabled": True,
    }


def test_shards_and_retention_are_parameters_every_function_reads() -> None:
    from operations_api.settings import DEFAULT_LIST_SHARDS

    template = load_template()
    assert template.parameter_default("ListShards") == DEFAULT_LIST_SHARDS
    assert template.parameter_default("RetentionDays") == 0
    variables = template.document["Globals"]["Function"]["Environment"]["Variables"]
    assert variables["LIST_SHARDS"] == {"Ref": "ListShards"}
    assert variables["RETENTION_DAYS"] == {"Ref": "RetentionDays"}
