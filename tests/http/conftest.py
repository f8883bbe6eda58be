"""The local server (`make run`), started in this process on a free port with moto behind it (its client:
tests/support/http.py). The records come from the event fixtures in events/, so these tests send what
`sam local invoke -e` would."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from devtools import local_server
from devtools.lambda_runtime import local_table_name, local_table_names
from tests.support.servers import environment_restored


@pytest.fixture(scope="module")
def local_api() -> Iterator[str]:
    """The base URL of a running local API. Per module, not per session: the server's environment
    (DYNAMODB_ENDPOINT_URL...) and the service's cached clients would otherwise stay in place, pointing at
    it, for the rest of the session's tests; they are put back when the module's tests are done."""
    with environment_restored():
        os.environ.pop("DYNAMODB_ENDPOINT_URL", None)
        running = local_server.start(port=0)
        try:
            yield running.url
        finally:
            running.stop()


@pytest.fixture(scope="module")
def local_fleet(local_api: str) -> tuple[Any, str]:
    """A client of the local API's DynamoDB and the name of its fleet table, to seed what the loop keeps."""
    import boto3

    client = boto3.client("dynamodb", endpoint_url=os.environ["DYNAMODB_ENDPOINT_URL"])
    return client, local_table_names(local_table_name())["FleetTable"]
