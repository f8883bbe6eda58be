"""How the suite chooses the API it drives (target.py), and that it says what is missing when it cannot."""

from __future__ import annotations

from typing import Any

import botocore.session
import pytest
from botocore.stub import Stubber

from operations_client import OperationsClient, RetryPolicy
from tests.e2e.target import Target, TargetUnavailable, check_reachable, deployed_target

pytestmark = pytest.mark.e2e

API_URL = "https://abc123.execute-api.eu-west-1.amazonaws.com/"


def stubbed_cloudformation(answer: dict[str, Any] | str) -> Any:
    """A CloudFormation client answering describe_stacks with this stack, or this error message."""
    client = botocore.session.get_session().create_client(
        "cloudformation", region_name="eu-west-1", aws_access_key_id="k", aws_secret_access_key="s"
    )
    stubber = Stubber(client)
    if isinstance(answer, str):
        stubber.add_client_error("describe_stacks", "ValidationError", answer)
    else:
        stubber.add_response("describe_stacks", answer, {"StackName": "operations-api-dev"})
    stubber.activate()
    return client


def stack(outputs: dict[str, str], parameters: dict[str, str]) -> dict[str, Any]:
    return {
        "Stacks": [
            {
                "StackName": "operations-api-dev",
                "CreationTime": "2026-11-22T06:42:30Z",
                "StackStatus": "UPDATE_COMPLETE",
                "Outputs": [{"OutputKey": key, "OutputValue": value} for key, value in outputs.items()],
                "Parameters": [
                    {"ParameterKey": key, "ParameterValue": value} for key, value in parameters.items()
                ],
            }
        ]
    }


def no_cloudformation() -> Any:
    raise AssertionError("CloudFormation is asked only for AWS_SAM_STACK_NAME")


def test_without_a_deployed_target_the_suite_runs_locally() -> None:
    assert deployed_target({}, no_cloudformation) is None
    assert deployed_target({"OPERATIONS_API_URL": " ", "AWS_SAM_STACK_NAME": ""}, no_cloudformation) is None


def test_a_url_is_driven_as_given_with_the_retention_it_is_told() -> None:
    assert deployed_target({"OPERATIONS_API_URL": API_URL}, no_cloudformation) == Target(
        API_URL, "OPERATIONS_API_URL", retention_days=None, authenticated=None
    )
    told = deployed_target({"OPERATIONS_API_URL": API_URL, "RETENTION_DAYS": "7"}, no_cloudformation)
    assert told is not None
    assert (told.retention_days, told.deployed, told.sign) == (7, True, None)


def test_a_stack_gives_its_api_url_retention_and_authentication() -> None:
    answer = stack({"ApiUrl": API_URL, "TableName": "t"}, {"RetentionDays": "30", "AuthMode": "AWS_IAM"})
    found = deployed_target(
        {"AWS_SAM_STACK_NAME": "operations-api-dev"}, lambda: stubbed_cloudformation(answer)
    )
    assert found == Target(API_URL, "stack operations-api-dev's ApiUrl", 30, authenticated=True)
    sandbox = stack({"ApiUrl": API_URL}, {"RetentionDays": "0", "AuthMode": "NONE"})
    found = deployed_target(
        {"AWS_SAM_STACK_NAME": "operations-api-dev"}, lambda: stubbed_cloudformation(sandbox)
    )
    assert found is not None
    assert (found.retention_days, found.authenticated) == (0, False)


def test_a_stack_that_cannot_be_read_is_told_by_name() -> None:
    missing = "Stack with id operations-api-dev does not exist"
    with pytest.raises(TargetUnavailable) as told:
        deployed_target({"AWS_SAM_STACK_NAME": "operations-api-dev"}, lambda: stubbed_cloudformation(missing))
    assert str(told.value).startswith("AWS_SAM_STACK_NAME=operations-api-dev: CloudFormation cannot describe")
    assert missing in str(told.value)
    assert "AWS_REGION" in str(told.value)


def test_a_stack_without_an_api_url_is_told() -> None:
    half = stack({"TableName": "t"}, {})
    with pytest.raises(TargetUnavailable) as told:
        deployed_target({"AWS_SAM_STACK_NAME": "operations-api-dev"}, lambda: stubbed_cloudformation(half))
    assert "has no output ApiUrl" in str(told.value)


def test_an_api_that_does_not_answer_is_told_with_its_address() -> None:
    nowhere = Target("http://127.0.0.1:9", "OPERATIONS_API_URL", None, None)
    quick = RetryPolicy(attempts=1)
    with pytest.raises(TargetUnavailable) as told:
        check_reachable(OperationsClient(nowhere.url, retry_policy=quick), nowhere)
    assert str(told.value).startswith("OPERATIONS_API_URL http://127.0.0.1:9 does not answer:")


def test_a_signed_target_without_credentials_is_told(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    deployed = Target(API_URL, "OPERATIONS_API_URL", None, None)
    with pytest.raises(TargetUnavailable) as told:
        check_reachable(OperationsClient(deployed.url), deployed)
    assert f"OPERATIONS_API_URL {API_URL} needs signed requests: no AWS credentials found" in str(told.value)
