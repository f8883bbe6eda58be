"""Which API the end-to-end suite drives, as serverless-test-samples' integration tests choose it.

`OPERATIONS_API_URL` names a deployed API's base URL; `AWS_SAM_STACK_NAME` names a stack whose outputs
(`ApiUrl`) and parameters (`RetentionDays`, `AuthMode`) CloudFormation gives. With neither, the suite runs
against a local server of its own (conftest.py). A deployed target that cannot be used is a
TargetUnavailable, whose message says what is missing: the suite then skips, saying so.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from operations_client import CredentialsError, OperationsClient, UnavailableError


@dataclass(frozen=True)
class Target:
    url: str  # the API's base URL
    source: str  # where the URL came from, for messages
    retention_days: int | None  # the service's RetentionDays; None: not known
    authenticated: bool | None  # whether the API refuses unsigned requests; None: not known
    sign: bool | None = None  # None: the client's own choice (every endpoint but loopback is signed)
    region: str | None = None  # None: the one the URL names, else the AWS configuration's

    @property
    def deployed(self) -> bool:
        return self.source != LOCAL_SOURCE


LOCAL_SOURCE = "the local server (make run's), behind a SigV4 check"


class TargetUnavailable(Exception):
    """A deployed API was asked for and cannot be driven; the message says what is missing."""


def deployed_target(environment: Mapping[str, str], cloudformation: Callable[[], Any]) -> Target | None:
    """The API the environment names, or None for the local run. `cloudformation` makes a client."""
    url = environment.get("OPERATIONS_API_URL", "").strip()
    if url:
        retention = environment.get("RETENTION_DAYS", "").strip()
        retention_days = int(retention) if retention.isdigit() else None
        return Target(url, "OPERATIONS_API_URL", retention_days, authenticated=None)
    stack_name = environment.get("AWS_SAM_STACK_NAME", "").strip()
    if stack_name:
        return stack_target(stack_name, cloudformation)
    return None


def stack_target(stack_name: str, cloudformation: Callable[[], Any]) -> Target:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        (stack,) = cloudformation().describe_stacks(StackName=stack_name)["Stacks"]
    except (BotoCoreError, ClientError) as error:
        raise TargetUnavailable(
            f"AWS_SAM_STACK_NAME={stack_name}: CloudFormation cannot describe the stack ({error}); check "
            "its name, the region (AWS_REGION) and the AWS credentials (AWS_PROFILE, aws sso login)"
        ) from None
    outputs = {output["OutputKey"]: output["OutputValue"] for output in stack.get("Outputs", [])}
    parameters = {
        item["ParameterKey"]: item.get("ParameterValue", "") for item in stack.get("Parameters", [])
    }
    if "ApiUrl" not in outputs:
        raise TargetUnavailable(
            f"AWS_SAM_STACK_NAME={stack_name}: the stack ({stack.get('StackStatus')}) has no output ApiUrl: "
            "is it the operations API, deployed to the end?"
        )
    return Target(
        outputs["ApiUrl"],
        f"stack {stack_name}'s ApiUrl",
        int(parameters.get("RetentionDays") or 0),
        authenticated=parameters.get("AuthMode", "AWS_IAM") != "NONE",
    )


def check_reachable(client: OperationsClient, target: Target) -> None:
    """One list request: a TargetUnavailable when no answer comes or there is nothing to sign with."""
    try:
        client.list_page(page_size=1)
    except CredentialsError as error:
        raise TargetUnavailable(
            f"{target.source} {target.url} needs signed requests: {error.detail}"
        ) from None
    except UnavailableError as error:
        raise TargetUnavailable(f"{target.source} {target.url} does not answer: {error.detail}") from None
