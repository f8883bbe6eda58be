"""What the local server and `make invoke` both stand in for: Lambda's context, a function's environment
as the template gives it, credentials for local use, and a local DynamoDB with the template's tables.
"""

from __future__ import annotations

import logging
import os
import re
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


def local_table_names(table_name: str) -> dict[str, str]:
    """Each table of the template by its logical id, as named locally: the records' table `table_name`,
    every other one after it (HistoryTable: `<table_name>-history`), so that TABLE_NAME names them all."""
    template = load_template()
    return {
        logical_id: table_name
        if logical_id == template.table_logical_id
        else f"{table_name}-{_kebab(logical_id.removesuffix('Table'))}"
        for logical_id in template.table_ids
    }


def _kebab(camel_case: str) -> str:
    return "-".join(word.lower() for word in re.findall(r"[A-Z][a-z0-9]*", camel_case))


def table_variables(table_name: str) -> dict[str, str]:
    """The variables that the template sets to a table, in any function (TABLE_NAME, HISTORY_TABLE_NAME...),
    each with its local table's name."""
    names = local_table_names(table_name)
    return {
        key: names[value["Ref"]]
        for function in load_template().functions.values()
        for key, value in function.environment.items()
        if isinstance(value, dict) and value.get("Ref") in names
    }


def local_client_timeouts() -> dict[str, str]:
    """A generous read timeout for the functions' AWS clients when they run here, unless one is set: the
    local stand-ins answer slowly on a loaded machine, past the deployed 1.5 s, and botocore would then
    send again a PutItem or PutEvents the stand-in had already taken (a conditional write refused by its
    own first try, an event listed twice): real DynamoDB honours the retry's token, moto does not."""
    return {"AWS_CLIENT_READ_TIMEOUT": os.environ.get("AWS_CLIENT_READ_TIMEOUT", "30")}


def function_environment(function: Function, table_name: str) -> dict[str, str]:
    """The function's variables from the template: a !Ref to a table is that local table's name (named
    after `table_name`, the records' table), to the event bus the local bus's name, to a queue nothing, to
    a parameter the parameter's default."""
    tables = local_table_names(table_name)
    return {key: _resolve(value, tables) for key, value in function.environment.items()}


def _resolve(value: Any, tables: dict[str, str]) -> str:
    if not (isinstance(value, dict) and "Ref" in value):
        return str(value)
    template = load_template()
    target = value["Ref"]
    if target in tables:
        return tables[target]
    if template.resources.get(target, {}).get("Type") == "AWS::Events::EventBus":
        return local_event_bus_name()
    if template.resources.get(target, {}).get("Type") == "AWS::SQS::Queue":
        return ""  # no dead-letter queue locally: an event the bus refuses fails its record, said in the log
    default = template.parameter_default(target)
    if default is None:
        raise ValueError(f"cannot resolve !Ref {target} locally: it is neither a table nor a parameter")
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
    """DYNAMODB_ENDPOINT_URL if set (creating the template's tables there only where missing), else moto's
    server in this process on a free port, whose endpoint is then put in DYNAMODB_ENDPOINT_URL for the
    handlers. `table_name` is the records' table; the others are named after it (local_table_names)."""
    use_local_region()
    external = os.environ.get("DYNAMODB_ENDPOINT_URL")
    if external:
        use_dummy_credentials_for(external)
        ensure_tables(_dynamodb_client(external), table_name)
        return LocalDynamoDB(external, table_name, embedded=False, stop=lambda: None)
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto's own access log is noise here
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    os.environ["DYNAMODB_ENDPOINT_URL"] = endpoint
    use_dummy_credentials_for(endpoint)
    ensure_tables(_dynamodb_client(endpoint), table_name)
    return LocalDynamoDB(endpoint, table_name, embedded=True, stop=server.stop)


def _dynamodb_client(endpoint: str) -> Any:
    import botocore.session

    return botocore.session.get_session().create_client("dynamodb", endpoint_url=endpoint)


def ensure_tables(client: Any, table_name: str) -> dict[str, str]:
    """Every table of the template on this DynamoDB, each made where missing (its key schema, indexes,
    stream and TTL from the template) and waited for until it is active; their names by logical id."""
    names = local_table_names(table_name)
    missing = {logical_id: name for logical_id, name in names.items() if not _exists(client, name)}
    template = load_template()
    for logical_id, name in missing.items():
        client.create_table(**template.create_table_request(name, logical_id))
    for logical_id, name in missing.items():
        waiter = client.get_waiter("table_exists")
        waiter.wait(TableName=name, WaiterConfig={"Delay": 0.05, "MaxAttempts": 600})
        enable_time_to_live(client, name, logical_id)
    return names


def _exists(client: Any, table_name: str) -> bool:
    try:
        client.describe_table(TableName=table_name)
    except client.exceptions.ResourceNotFoundException:
        return False
    return True


def enable_time_to_live(client: Any, table_name: str, logical_id: str | None = None) -> None:
    """The template's TTL on a local table, where that DynamoDB knows TTL (dynalite does not; the service
    checks expiry on every read, so nothing depends on it locally)."""
    request = load_template().time_to_live_request(table_name, logical_id)
    if request is None:
        return
    try:
        client.update_time_to_live(**request)
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code")
        if code not in ("UnknownOperationException", "UnknownOperation"):
            raise
