"""The functions' AWS clients read botocore's endpoint data cut to their services (`clients`), and resolve
every region as botocore's whole data does."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from botocore.config import Config
from botocore.exceptions import UnknownServiceError
from botocore.loaders import Loader

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


def test_the_committed_endpoint_data_is_the_installed_botocores_cut_to_our_services() -> None:
    assert [folder.name for folder in botocore_endpoints.FOLDER.iterdir()] == [botocore.__version__], (
        "one cut, of the botocore the lock pins: run `make botocore-data`"
    )
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
    try:
        for region in regions:
            expected = request_sent(botocores, service, region, VARIANTS[variant])
            assert request_sent(ours, service, region, VARIANTS[variant]) == expected, region
            if variant == "standard":
                assert isinstance(expected, tuple), f"{region}: {expected}"  # sent, not refused
    finally:
        clients.botocore_session.cache_clear()


def test_the_endpoint_data_is_read_from_the_cut_and_taken_as_botocores_own() -> None:
    loader = clients.botocore_session().get_component("data_loader")
    _, path = loader.load_data_with_path("endpoints")
    assert path.startswith(clients.ENDPOINT_DATA)
    assert loader.is_builtin_path(path)
    assert not loader.is_builtin_path("/elsewhere/endpoints.json")


def test_another_botocore_reads_its_own_endpoint_data(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clients, "ENDPOINT_DATA", str(botocore_endpoints.FOLDER / "0.0.0"))
    loader = clients.services_loader(None)
    _, path = loader.load_data_with_path("endpoints")
    assert path.startswith(loader.BUILTIN_DATA_PATH)
    assert loader.is_builtin_path(path)


@pytest.mark.usefixtures("no_endpoint_overrides")
@pytest.mark.parametrize("where", ["AWS_DATA_PATH", "~/.aws/models"])
def test_endpoint_data_a_user_adds_comes_first_as_with_botocore(
    where: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = json.loads(botocore_endpoints.TARGET.read_text(encoding="utf-8"))
    aws = next(partition for partition in data["partitions"] if partition["partition"] == "aws")
    aws["services"]["dynamodb"]["endpoints"]["eu-west-1"] = {"hostname": "ddb.custom.example.com"}
    folder = tmp_path / "models"
    folder.mkdir()
    (folder / "endpoints.json").write_text(json.dumps(data), encoding="utf-8")
    if where == "AWS_DATA_PATH":
        monkeypatch.setenv("AWS_DATA_PATH", str(folder))
    else:
        monkeypatch.setattr(Loader, "CUSTOMER_DATA_PATH", str(folder))
    clients.botocore_session.cache_clear()
    try:
        ours = request_sent(clients.botocore_session(), "dynamodb", "eu-west-1", Config())
    finally:
        clients.botocore_session.cache_clear()
    botocores = botocore.session.Session()
    botocores.register_component("data_loader", Loader(extra_search_paths=[str(folder)]))
    assert ours == request_sent(botocores, "dynamodb", "eu-west-1", Config())
    assert isinstance(ours, tuple), ours
    assert ours[0].startswith("https://ddb.custom.example.com"), ours


def test_only_our_services_are_known_and_another_is_refused_by_name() -> None:
    session = clients.botocore_session()
    assert session.get_available_services() == sorted(clients.SERVICES)
    with pytest.raises(UnknownServiceError, match="s3"):
        session.create_client("s3", region_name="us-east-1")
