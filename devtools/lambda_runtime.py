"""What the local server and `make invoke` both stand in for: Lambda's context, a function's environment
as the template gives it, credentials for local use, and a local DynamoDB with the template's table.
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import urlsplit

from botocore.exceptions import ClientError

from devtools.template import Function, load_template

DEFAULT_TABLE_NAME: Final = "operations"
DEFAULT_EVENT_BUS_NAME: Final = "operations-events"
LOCAL_REGION: Final = "us-east-1"
LOCAL_ACCOUNT: Final = "123456789012"
LOOPBACK_HOSTS: Final = frozenset({"127.0.0.1", "localhost", "::1"})


@dataclass(frozen=True)
class LambdaContext:
    """What handlers (and Powertools' inject_lambda_context) read of Lambda's context object."""

    function_name: str
    memory_limit_in_mb: int
    timeout_seconds: int
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    started: float = field(default_factory=time.monotonic)

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:{LOCAL_REGION}:{LOCAL_ACCOUNT}:function:{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.timeout_seconds - (time.monotonic() - self.started)) * 1000))


def local_table_name() -> str:
    return os.environ.get("TABLE_NAME") or DEFAULT_TABLE_NAME


def local_event_bus_name() -> str:
    return os.environ.get("EVENT_BUS_NAME") or DEFAULT_EVENT_BUS_NAME


def function_environment(function: Function, table_name: str) -> dict[str, str]:
    """The function's variables from the template: a !Ref to the table is the local table's name, to the
    event bus the local bus's name, to a queue nothing, to a parameter the parameter's default."""
    return {key: _resolve(value, table_name) for key, value in function.environment.items()}


def _resolve(value: Any, table_name: str) -> str:
    if not (isinstance(value, dict) and "Ref" in value):
        return str(value)
    template = load_template()
    target = value["Ref"]
    if target == template.table_logical_id:
        return table_name
    if template.resources.get(target, {}).get("Type") == "AWS::Events::EventBus":
        return local_event_bus_name()
    if template.resources.get(target, {}).get("Type") == "AWS::SQS::Queue":
        return ""  # no dead-letter queue locally: an event the bus refuses fails its record, said in the log
    default = template.parameter_default(target)
    if default is None:
        raise ValueError(f"cannot resolve !Ref {target} locally: it is neither the table nor a parameter")
    return str(default)


def use_local_region() -> None:
    os.environ.setdefault("AWS_DEFAULT_REGION", LOCAL_REGION)
    os.environ.setdefault("AWS_REGION", os.environ["AWS_DEFAULT_REGION"])


def use_dummy_credentials_for(endpoint_url: str) -> None:
    """Dummy keys for a DynamoDB on this machine (moto, DynamoDB Local, dynalite accept any), unless keys are
    set already. For a remote endpoint (a real table) the user's own credential chain is left alone."""
    if urlsplit(endpoint_url).hostname in LOOPBACK_HOSTS:
        os.environ.setdefault("AWS_ACCESS_KEY_ID", "local")
        os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "local")


@dataclass(frozen=True)
class LocalDynamoDB:
    endpoint_url: str
    table_name: str
    embedded: bool
    stop: Callable[[], None]


def start_dynamodb(table_name: str) -> LocalDynamoDB:
    """DYNAMODB_ENDPOINT_URL if set (creating the table there only if missing), else moto's server in this
    process on a free port, whose endpoint is then put in DYNAMODB_ENDPOINT_URL for the handlers."""
    use_local_region()
    external = os.environ.get("DYNAMODB_ENDPOINT_URL")
    if external:
        use_dummy_credentials_for(external)
        _ensure_table(external, table_name)
        return LocalDynamoDB(external, table_name, embedded=False, stop=lambda: None)
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto's own access log is noise here
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    os.environ["DYNAMODB_ENDPOINT_URL"] = endpoint
    use_dummy_credentials_for(endpoint)
    _ensure_table(endpoint, table_name)
    return LocalDynamoDB(endpoint, table_name, embedded=True, stop=server.stop)


def _ensure_table(endpoint: str, table_name: str) -> None:
    import botocore.session

    client = botocore.session.get_session().create_client("dynamodb", endpoint_url=endpoint)
    try:
        client.describe_table(TableName=table_name)
        return
    except client.exceptions.ResourceNotFoundException:
        pass
    client.create_table(**load_template().create_table_request(table_name))
    client.get_waiter("table_exists").wait(TableName=table_name, WaiterConfig={"Delay": 0.2})
    enable_time_to_live(client, table_name)


def enable_time_to_live(client: Any, table_name: str) -> None:
    """The template's TTL on a local table, where that DynamoDB knows TTL (dynalite does not; the service
    checks expiry on every read, so nothing depends on it locally)."""
    request = load_template().time_to_live_request(table_name)
    if request is None:
        return
    try:
        client.update_time_to_live(**request)
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code")
        if code not in ("UnknownOperationException", "UnknownOperation"):
            raise
