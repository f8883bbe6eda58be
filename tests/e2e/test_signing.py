"""The API accepts what the client signed, and only that: against a deployed stack its AWS_IAM authorizer
decides, in the local run the SigV4 check in front of the server (sigv4_gate.py) does as it would."""

from __future__ import annotations

from datetime import datetime

import pytest

from operations_client import OperationsClient, OperationsError
from tests.e2e.sigv4_gate import SigV4Gate
from tests.e2e.target import Target
from tests.support.e2e import client_of
from tests.support.records import record_at

pytestmark = pytest.mark.e2e


def test_a_signed_put_and_get_pass_the_signature_check(
    client: OperationsClient, gate: SigV4Gate, new_id: str, now: datetime
) -> None:
    passed = gate.passed
    record = record_at(new_id, now)
    client.put(new_id, record, if_none_match=True)
    assert client.get(new_id).record == record
    assert gate.passed == passed + 2, "both requests were signed, checked and passed on"


@pytest.fixture
def authenticated(target: Target) -> Target:
    if not target.authenticated:
        pytest.skip(f"{target.source} may take unsigned requests (AuthMode NONE, or not known)")
    return target


def test_an_unsigned_request_is_refused_with_403(authenticated: Target, new_id: str) -> None:
    unsigned = OperationsClient(authenticated.url, sign=False)
    with pytest.raises(OperationsError) as refused:
        unsigned.get(new_id)
    assert (refused.value.status, refused.value.code) == (403, "HTTP_403")


def test_a_request_signed_with_unknown_keys_is_refused_with_403(
    authenticated: Target, new_id: str, now: datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDE2EUNKNOWNKEY")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-a-secret-the-api-knows")
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    with pytest.raises(OperationsError) as refused:
        client_of(authenticated).put(new_id, record_at(new_id, now))
    assert refused.value.status == 403
