"""The functions' AWS clients read botocore's endpoint data cut to their services (`clients`), and resolve
every region as botocore's whole data does."""

from __future__ import annotations

import json
import re
from typing import Any

import botocore.session
import pytest
from botocore.config import Config
from botocore.exceptions import UnknownServiceError

from devtools import botocore_endpoints
from operations_api import clients

# One call of each client the functions make, with what botocore needs to sign it.
CALLS: dict[clients.Service, tuple[str, dict[str, Any]]] = {
    "dynamodb": ("get_item", {"TableName": "operations", "Key": {"operation_id": {"S": "op-1"}}}),
    "events": ("put_events", {"Entries": [{"Source": "operations", "DetailType": "x", "Detail": "{}"}]}),
    "sqs": ("send_message", {"QueueUrl": "https://sqs.us-east-1.amazonaws.com/1/dlq", "MessageBody": "x"}),
}
VARIANTS = {
    "standard": Config(),
    "fips": Config(use_fips_endpoint=True),
    "dual-stack": Config(use_dualstack_endpoint=True),
}
SCOPE = re.compile(r"Credential=[^/]+/\d{8}/(?P<region>[^/]+)/(?P<service>[^/]+)/aws4_request")


class Sent(Exception):
    """Raised instead of sending: the request as botocore would have sent it."""


def request_sent(
    session: botocore.session.Session, service: clients.Service, region: str, config: Config
) -> object:
    """Where `session`'s client of `service` in `region` would send its call, and how it would sign it (or
    what it raised instead)."""
    try:
        client = session.create_client(
            service,
            region_name=region,
            config=config,
            aws_access_key_id="AKID",
            aws_secret_access_key="secret",
        )
    except Exception as error:  # a refusal must be the same refusal
        return repr(error)

    def stop(request: Any, **_: object) -> None:
        scope = SCOPE.search(request.headers["Authorization"].decode())
        raise Sent(request.url, scope and scope.groupdict())

    client.meta.events.register_first("before-send", stop)
    operation, arguments = CALLS[service]
    try:
        getattr(client, operation)(**arguments)
    except Sent as sent:
        return sent.args
    except Exception as error:
        return repr(error)
    raise AssertionError("the call was sent")


@pytest.fixture
def no_endpoint_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    """Endpoints resolved from botocore's data, not the tests' local stand-ins."""
    for name in (
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_DYNAMODB",
        "AWS_ENDPOINT_URL_EVENTBRIDGE",
        "AWS_ENDPOINT_URL_SQS",
    ):
        monkeypatch.delenv(name, raising=False)


def test_the_committed_endpoint_data_is_botocores_cut_to_our_services() -> None:
    committed = botocore_endpoints.TARGET.read_text(encoding="utf-8")
    assert committed == botocore_endpoints.render(), "endpoints.json is stale: run `make botocore-data`"


def test_the_cut_keeps_every_partition_and_only_our_services() -> None:
    whole = botocore.session.Session().get_component("data_loader").load_data("endpoints")
    data = json.loads(botocore_endpoints.TARGET.read_text(encoding="utf-8"))
    assert [partition["partition"] for partition in data["partitions"]] == [
        partition["partition"] for partition in whole["partitions"]
    ]
    assert {name for partition in data["partitions"] for name in partition["services"]} == set(
        clients.SERVICES
    )


@pytest.mark.usefixtures("no_endpoint_overrides")
@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("service", clients.SERVICES)
def test_every_region_resolves_and_signs_as_with_botocores_whole_data(
    service: clients.Service, variant: str
) -> None:
    clients.botocore_session.cache_clear()
    ours, botocores = clients.botocore_session(), botocore.session.Session()
    data = json.loads(botocore_endpoints.TARGET.read_text(encoding="utf-8"))
    regions = [region for partition in data["partitions"] for region in partition["regions"]]
    assert len(regions) > 30
    for region in regions:
        expected = request_sent(botocores, service, region, VARIANTS[variant])
        assert request_sent(ours, service, region, VARIANTS[variant]) == expected, region
    clients.botocore_session.cache_clear()


def test_the_endpoint_data_is_read_from_the_cut_and_taken_as_botocores_own() -> None:
    loader = clients.botocore_session().get_component("data_loader")
    _, path = loader.load_data_with_path("endpoints")
    assert path.startswith(clients.ENDPOINT_DATA)
    assert loader.is_builtin_path(path)
    assert not loader.is_builtin_path("/elsewhere/endpoints.json")


def test_only_our_services_are_known_and_another_is_refused_by_name() -> None:
    session = clients.botocore_session()
    assert session.get_available_services() == sorted(clients.SERVICES)
    with pytest.raises(UnknownServiceError, match="s3"):
        session.create_client("s3", region_name="us-east-1")
