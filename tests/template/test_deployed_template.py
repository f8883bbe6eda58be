"""The template as CloudFormation deploys it (devtools/transform_template.py): what only the deploy can
fill in stays an `Fn::Sub`, and the roles may do exactly what docs/deploy.md says."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from typing import Any, Final

from devtools.template import ROOT, load_template
from tests.template.test_template import transformed

ROLE_TABLE_HEADER: Final = "| role (function) | actions | resources |"
CODE: Final = re.compile(r"`([^`]+)`")


@cache
def deployed() -> dict[str, Any]:
    return transformed(Stage="prod")


def strings_outside_fn_sub(value: Any, where: str = "") -> Iterator[tuple[str, str]]:
    """Each string holding `${` that is not an `Fn::Sub`'s text, with where it is."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "Fn::Sub" and isinstance(item, list):  # [text, variables]: the variables may hold more
                yield from strings_outside_fn_sub(item[1], f"{where}/{key}/1")
            elif key != "Fn::Sub":
                yield from strings_outside_fn_sub(item, f"{where}/{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from strings_outside_fn_sub(item, f"{where}/{index}")
    elif isinstance(value, str) and "${" in value:
        yield where, value[:80]


def test_no_placeholder_survives_as_plain_text_where_an_fn_sub_stood() -> None:
    """aws-sam-cli's LanguageExtensions turned a partly resolved `Fn::Sub` into a plain string, which
    CloudFormation would deploy with `${OperationsTable.Arn}` in it."""
    assert list(strings_outside_fn_sub(deployed())) == []


def test_partial_subs_keep_what_the_deploy_fills_in_and_get_the_parameters() -> None:
    resources = deployed()["Resources"]
    dashboard = resources["OperationsDashboard"]["Properties"]
    assert dashboard["DashboardName"] == {"Fn::Sub": "operations-api-prod-${AWS::Region}"}
    body = dashboard["DashboardBody"]["Fn::Sub"]
    assert '"stage", "prod"' in body, "parameters are filled in"
    assert "${Stage}" not in body
    assert "${AWS::Region}" in body
    (stream_statement,) = [
        statement
        for statement in statements(resources["PublishEventsRole"])
        if statement["Action"] == "dynamodb:ListStreams"
    ]
    assert stream_statement["Resource"] == {"Fn::Sub": "${OperationsTable.Arn}/stream/*"}
    assert deployed()["Outputs"]["ApiUrl"]["Value"] == {
        "Fn::Sub": "https://${OperationsApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}/"
    }


def test_a_sub_of_parameters_alone_is_the_text_it_makes() -> None:
    log_group = deployed()["Resources"]["PutOperationLogGroup"]["Properties"]
    assert log_group["LogGroupName"] == "/aws/lambda/operations-api-prod-put-operation"


# --- docs/deploy.md, "What protects the data": its table of roles is what the stack deploys ----------


def statements(role: dict[str, Any]) -> list[dict[str, Any]]:
    (policy,) = role["Properties"]["Policies"]
    found: list[dict[str, Any]] = policy["PolicyDocument"]["Statement"]
    return found


def named(resource: Any) -> str:
    """A statement's resource as the doc writes it: `Table.Arn`, `Table.Arn/index/name`."""
    if isinstance(resource, dict) and "Fn::GetAtt" in resource:
        return ".".join(resource["Fn::GetAtt"])
    if isinstance(resource, dict) and "Fn::Sub" in resource:
        return str(resource["Fn::Sub"]).replace("${", "").replace("}", "")
    return str(resource)


Grant = tuple[str, frozenset[str], frozenset[str]]  # role, actions, resources


def deployed_grants() -> set[Grant]:
    grants = set()
    for name, resource in deployed()["Resources"].items():
        if resource["Type"] != "AWS::IAM::Role":
            continue
        assert "ManagedPolicyArns" not in resource["Properties"], name
        for statement in statements(resource):
            assert statement["Effect"] == "Allow"
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            targets = (
                statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            )
            grants.add((name, frozenset(actions), frozenset(named(target) for target in targets)))
    return grants


def documented_grants(document: str) -> set[Grant]:
    """The rows of the doc's role table: an empty first cell continues the role above."""
    lines = document.splitlines()
    start = next(index for index, line in enumerate(lines) if line.strip() == ROLE_TABLE_HEADER)
    grants, role = set(), ""
    for line in lines[start + 2 :]:
        if not line.strip().startswith("|"):
            break
        role_cell, actions, resources = line.strip().strip("|").split("|")
        role = next(iter(CODE.findall(role_cell)), role)
        grants.add((role, frozenset(CODE.findall(actions)), frozenset(CODE.findall(resources))))
    return grants


def test_the_deploy_guide_states_every_roles_grants_as_deployed() -> None:
    documented = documented_grants((ROOT / "docs" / "deploy.md").read_text(encoding="utf-8"))
    deployed_set = deployed_grants()
    assert documented == deployed_set, (
        f"in docs/deploy.md only: {sorted(map(str, documented - deployed_set))}; "
        f"deployed only: {sorted(map(str, deployed_set - documented))}"
    )


def test_each_function_runs_under_the_role_its_row_names() -> None:
    resources = deployed()["Resources"]
    for name, role in (
        ("PutOperationFunction", "PutOperationRole"),
        ("GetOperationFunction", "GetOperationRole"),
        ("ListOperationsFunction", "ListOperationsRole"),
        ("CountOperationsFunction", "CountOperationsRole"),
        ("PublishEventsFunction", "PublishEventsRole"),
    ):
        assert resources[name]["Properties"]["Role"] == {"Fn::GetAtt": [role, "Arn"]}


def test_a_table_that_differs_from_the_stack_is_caught() -> None:
    document = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
    widened = document.replace("`dynamodb:GetItem` |", "`dynamodb:GetItem`, `dynamodb:Scan` |")
    assert documented_grants(widened) != deployed_grants()


# --- docs/deploy.md, "Outputs": every output of the template, and no other ------------------------------


def documented_outputs(document: str) -> list[str]:
    """The names in the first column of the Outputs table (a row may name several)."""
    section = document.split("\n## Outputs\n", 1)[1].split("\n## ", 1)[0]
    rows = [line.split("|")[1] for line in section.splitlines() if line.startswith("| `")]
    return [name for row in rows for name in CODE.findall(row)]


def test_the_deploy_guide_names_every_output_of_the_stack_once() -> None:
    document = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
    names = documented_outputs(document)
    assert len(names) == len(set(names))
    assert set(names) == set(load_template().document["Outputs"])
    assert set(documented_outputs(document.replace("`FleetTableName`", "`Fleet`"))) != set(names)
