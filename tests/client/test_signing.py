"""Signing (docs/client.md, "Signing"): loopback unsigned by default, anything else SigV4 for execute-api;
the signature is checked here as API Gateway checks it, by computing it again from what was received."""

from __future__ import annotations

import hmac
from typing import Any

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from operations_client import CredentialsError, OperationsClient
from operations_client._signing import is_loopback, region_of
from tests.client.fake_api import FakeApi, Received, Reply
from tests.support.cli import FAST

KEY, SECRET = "AKIDCLIENTTEST", "client-test-secret"
RECORD = {"operation_id": "op-1", "status": "executing"}


@pytest.fixture
def credentials(monkeypatch: pytest.MonkeyPatch) -> Credentials:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    return Credentials(KEY, SECRET)


@pytest.fixture
def no_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    for name in ("AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


def signature_holds(received: Received, credentials: Credentials, host: str, region: str) -> bool:
    """Recompute the SigV4 signature of the request as received, over the headers it says it signed."""
    authorization = received.headers["Authorization"]
    scheme, _, fields = authorization.partition(" ")
    parts = dict(field.strip().split("=", 1) for field in fields.split(","))
    signed_names = parts["SignedHeaders"].split(";")
    headers = {name: value for name, value in received.headers.items() if name.lower() in signed_names}
    headers["Host"] = host  # what the client addressed, as the gateway sees it
    request = AWSRequest(
        method=received.method, url=f"http://{host}{received.raw_path}", data=received.body, headers=headers
    )
    request.context["timestamp"] = received.headers["X-Amz-Date"]
    signer = SigV4Auth(credentials, "execute-api", region)
    canonical = signer.canonical_request(request)
    expected = signer.signature(signer.string_to_sign(request, canonical), request)
    scope = f"{KEY}/{received.headers['X-Amz-Date'][:8]}/{region}/execute-api/aws4_request"
    return (
        scheme == "AWS4-HMAC-SHA256"
        and parts["Credential"] == scope
        and hmac.compare_digest(parts["Signature"], expected)
    )


def signed_client(fake_api: FakeApi, **options: Any) -> OperationsClient:
    return OperationsClient(fake_api.url, sign=True, retry_policy=FAST, **options)


def test_a_signed_put_verifies_with_the_same_credentials(fake_api: FakeApi, credentials: Credentials) -> None:
    fake_api.answer(Reply(200, RECORD))
    signed_client(fake_api, region="eu-west-1").put("op-1", RECORD, if_match='"v1"')
    (received,) = fake_api.received
    host = fake_api.url.removeprefix("http://")
    assert signature_holds(received, credentials, host, "eu-west-1")
    assert "if-match" in received.headers["Authorization"], "the precondition is signed too"
    assert not signature_holds(received, Credentials(KEY, "another-secret"), host, "eu-west-1")
    tampered = Received(**{**received.__dict__, "body": received.body.replace(b"executing", b"completed")})
    assert not signature_holds(tampered, credentials, host, "eu-west-1")


def test_a_signed_list_query_verifies(fake_api: FakeApi, credentials: Credentials) -> None:
    fake_api.answer(Reply(200, {"operations": []}))
    signed_client(fake_api, region="us-east-2").list_page(status=["executing", "failed"], page_token="a+b/c=")
    (received,) = fake_api.received
    assert received.query == {"status": "executing,failed", "page_token": "a+b/c="}
    assert signature_holds(received, credentials, fake_api.url.removeprefix("http://"), "us-east-2")


def test_temporary_credentials_send_their_session_token(
    fake_api: FakeApi, credentials: Credentials, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_SESSION_TOKEN", "token-1")
    fake_api.answer(Reply(200, RECORD))
    signed_client(fake_api, region="eu-west-1").get("op-1")
    assert fake_api.received[0].headers["X-Amz-Security-Token"] == "token-1"


def test_loopback_is_unsigned_unless_asked(fake_api: FakeApi, credentials: Credentials) -> None:
    fake_api.answer(Reply(200, RECORD), Reply(200, RECORD))
    OperationsClient(fake_api.url).get("op-1")
    OperationsClient(fake_api.url, sign=True, region="eu-west-1").get("op-1")
    unsigned, signed = fake_api.received
    assert "Authorization" not in unsigned.headers
    assert "Authorization" in signed.headers


def test_missing_credentials_are_told_before_any_request(fake_api: FakeApi, no_credentials: None) -> None:
    with pytest.raises(CredentialsError) as caught:
        signed_client(fake_api, region="eu-west-1").get("op-1")
    assert caught.value.code == "CREDENTIALS_MISSING"
    assert "--no-sign" in caught.value.detail
    assert fake_api.received == []


def test_a_profile_that_does_not_exist_is_a_credentials_error(
    fake_api: FakeApi, no_credentials: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_PROFILE", "no-such-profile")
    with pytest.raises(CredentialsError) as caught:
        signed_client(fake_api, region="eu-west-1").get("op-1")
    assert "no-such-profile" in caught.value.detail
    assert fake_api.received == []


def test_a_missing_region_is_told_before_any_request(
    fake_api: FakeApi, credentials: Credentials, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    with pytest.raises(CredentialsError) as caught:
        signed_client(fake_api).get("op-1")
    assert caught.value.code == "REGION_MISSING"
    assert fake_api.received == []


def test_the_region_comes_from_the_aws_configuration_when_the_url_names_none(
    fake_api: FakeApi, credentials: Credentials, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "ap-northeast-1")
    fake_api.answer(Reply(200, RECORD))
    signed_client(fake_api).get("op-1")
    assert "/ap-northeast-1/execute-api/" in fake_api.received[0].headers["Authorization"]


@pytest.mark.parametrize(
    ("endpoint", "loopback"),
    [
        ("http://127.0.0.1:3000", True),
        ("http://localhost:3000/", True),
        ("http://LOCALHOST", True),
        ("http://[::1]:3000", True),
        ("http://127.0.0.2:3000", True),
        ("https://abc123.execute-api.eu-west-1.amazonaws.com", False),
        ("http://10.0.0.1", False),
        ("http://localhost.example.com", False),
    ],
)
def test_loopback_endpoints(endpoint: str, loopback: bool) -> None:
    assert is_loopback(endpoint) is loopback


def test_the_region_is_read_from_an_execute_api_url() -> None:
    assert region_of("https://abc123.execute-api.eu-west-1.amazonaws.com/") == "eu-west-1"
    assert region_of("https://abc123.execute-api.cn-north-1.amazonaws.com.cn") == "cn-north-1"
    assert region_of("https://api.example.com") is None
