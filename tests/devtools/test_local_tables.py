"""Every table of template.yaml, made locally from its own definition and named after the records' table,
and each function given the local names of the tables the template gives it (`make run`, `make invoke`,
dynalite and the tests' moto all make them so: devtools/lambda_runtime.py)."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from devtools.lambda_runtime import ensure_tables, function_environment, local_table_names, table_variables
from devtools.template import ROOT, Function, load_template
from tests.support.servers import environment_restored

TEMPLATE = load_template()


@pytest.fixture
def moto_dynamodb() -> Iterator[Any]:
    from moto import mock_aws

    with mock_aws():
        import boto3

        yield boto3.client("dynamodb", region_name="us-east-1")


def test_the_records_table_gives_its_name_to_every_other_table() -> None:
    names = local_table_names("ops")
    assert names[TEMPLATE.table_logical_id] == "ops"
    assert names["HistoryTable"] == "ops-history"
    assert set(names) == {
        name for name, res in TEMPLATE.resources.items() if res["Type"] == "AWS::DynamoDB::Table"
    }
    assert len(set(names.values())) == len(names), "no two tables share a name"


def test_every_table_is_made_with_its_template_keys_stream_and_time_to_live(moto_dynamodb: Any) -> None:
    names = ensure_tables(moto_dynamodb, "ops")
    assert sorted(moto_dynamodb.list_tables()["TableNames"]) == sorted(names.values())
    for logical_id, name in names.items():
        declared = TEMPLATE.resources[logical_id]["Properties"]
        table = moto_dynamodb.describe_table(TableName=name)["Table"]
        assert table["KeySchema"] == declared["KeySchema"], logical_id
        assert ("LatestStreamArn" in table) == ("StreamSpecification" in declared), logical_id
        ttl = moto_dynamodb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
        assert (ttl["TimeToLiveStatus"] == "ENABLED") == ("TimeToLiveSpecification" in declared), logical_id
    history = moto_dynamodb.describe_table(TableName="ops-history")["Table"]
    assert [key["AttributeName"] for key in history["KeySchema"]] == ["operation_id", "position"]


def test_tables_already_there_are_kept_and_only_the_missing_ones_made(moto_dynamodb: Any) -> None:
    moto_dynamodb.create_table(**TEMPLATE.create_table_request("ops"))
    moto_dynamodb.put_item(TableName="ops", Item={"operation_id": {"S": "kept"}})
    ensure_tables(moto_dynamodb, "ops")
    ensure_tables(moto_dynamodb, "ops")  # again: nothing to make
    assert moto_dynamodb.get_item(TableName="ops", Key={"operation_id": {"S": "kept"}})["Item"]
    assert "ops-history" in moto_dynamodb.list_tables()["TableNames"]


def test_the_stream_loop_is_given_the_history_tables_local_name() -> None:
    loop = TEMPLATE.functions["PublishEventsFunction"]
    environment = function_environment(loop, "ops")
    assert (environment["TABLE_NAME"], environment["HISTORY_TABLE_NAME"]) == ("ops", "ops-history")
    variables = table_variables("ops")  # what the tests' own environment takes (tests/conftest.py)
    assert (variables["TABLE_NAME"], variables["HISTORY_TABLE_NAME"]) == ("ops", "ops-history")
    assert set(variables.values()) <= set(local_table_names("ops").values())


def a_function_given(value: Any) -> Function:
    return Function(
        "F", TEMPLATE.functions["PublishEventsFunction"].code_dir, "app.handler", {"T": value}, []
    )


@pytest.mark.parametrize("logical_id", TEMPLATE.table_ids)
def test_a_reference_to_any_table_is_its_local_name(logical_id: str) -> None:
    assert function_environment(a_function_given({"Ref": logical_id}), "ops") == {
        "T": local_table_names("ops")[logical_id]
    }


def test_a_reference_to_something_that_is_neither_a_table_nor_a_parameter_is_refused() -> None:
    with pytest.raises(ValueError, match="cannot resolve !Ref Nope locally: it is neither a table nor"):
        function_environment(a_function_given({"Ref": "Nope"}), "ops")


def test_sam_locals_containers_are_given_and_told_to_make_the_same_tables() -> None:
    """`sam local` (docs/deploy.md, Docker): its --env-vars file names each table a function is given, and
    the block that makes them on DynamoDB Local makes each one with the template's keys."""
    parameters = json.loads((ROOT / "events" / "sam-local-env.json").read_text(encoding="utf-8"))[
        "Parameters"
    ]
    expected = table_variables(parameters["TABLE_NAME"])
    assert {key: value for key, value in parameters.items() if key in expected} == expected
    block = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8").split("docker run -d -p 8000:8000")[1]
    made = dict(re.findall(r"--table-name (\S+) (.*?)(?=\naws |\nmake )", block, re.DOTALL))
    assert set(made) == set(expected.values())
    for logical_id, name in local_table_names(parameters["TABLE_NAME"]).items():
        if name in made:
            keys = TEMPLATE.properties_of_table(logical_id)["KeySchema"]
            declared = " ".join(
                f"AttributeName={key['AttributeName']},KeyType={key['KeyType']}" for key in keys
            )
            assert f"--key-schema {declared} " in made[name], name


def test_the_benchs_dynamodb_has_every_table_and_its_processes_are_given_their_names() -> None:
    from devtools.bench import fresh

    with environment_restored(), fresh.local_dynamodb("moto") as (endpoint, _):
        made = boto3.client("dynamodb", endpoint_url=endpoint).list_tables()["TableNames"]
        given = fresh.dynamodb_service(endpoint)
        history = os.environ["HISTORY_TABLE_NAME"]
    assert sorted(made) == sorted(local_table_names(fresh.TABLE).values())
    assert history == given["HISTORY_TABLE_NAME"] == f"{fresh.TABLE}-history"
