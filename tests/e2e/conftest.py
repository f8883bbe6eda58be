"""The end-to-end suite's target and client (target.py says how the target is chosen).

Against a deployed stack the client signs with the caller's own AWS credentials (tests/conftest.py replaces
them with test values for the other suites; each test here gets them back). The local run starts `make
run`'s server with a retention period, behind a SigV4 check (sigv4_gate.py), and signs every request with
the test credentials. Every id starts with this run's prefix: a deployed table is shared, and has no DELETE.
"""

from __future__ import annotations

import os
import re
import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from typing import Any, Final, TypeVar

import pytest

from operations_client import OperationsClient
from tests.conftest import CALLER_ENVIRONMENT, minimal_record
from tests.e2e.sigv4_gate import SigV4Gate, sigv4_gate
from tests.e2e.target import LOCAL_SOURCE, Target, TargetUnavailable, check_reachable, deployed_target
from tests.integrity.server_fleet import running_server

LOCAL_RETENTION_DAYS: Final = 1  # the local server runs as `RETENTION_DAYS=1 make run`
LOCAL_REGION: Final = "us-east-1"
PATIENCE_SECONDS: Final = 180.0  # the outer bound of every wait: generous, a loaded machine is slow
RUN_PREFIX: Final = f"e2e-{datetime.now(UTC):%Y%m%d%H%M%S}-{secrets.token_hex(3)}"
POLL_SECONDS: Final = 0.25

Found = TypeVar("Found")


def utc_time(moment: datetime) -> str:
    """A time as the API writes it (docs/api.md, "Times")."""
    return f"{moment:%Y%m%d_%H%M%S}"


def record_at(operation_id: str, moment: datetime, **overrides: Any) -> dict[str, Any]:
    """A record of this id, last updated at `moment`; a completed or failed one with its response."""
    record = minimal_record(
        operation_id=operation_id, occurred_time=utc_time(moment), last_update_time=utc_time(moment)
    )
    record.update(overrides)
    if record["status"] in ("completed", "failed") and "response" not in record:
        record["response"] = {"status_code": 201, "body": '{"id": "net-7781"}'}
    return record


def eventually(probe: Callable[[], Found], what: str) -> Found:
    """The probe's first true answer, asked again until PATIENCE_SECONDS have passed. A deployed list
    reads DynamoDB's indexes, which take a write a moment after the table does: a list polls for it."""
    deadline = time.monotonic() + PATIENCE_SECONDS
    while not (found := probe()):
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: still not so after {PATIENCE_SECONDS:g} s (last answer: {found!r})")
        time.sleep(POLL_SECONDS)
    return found


@contextmanager
def caller_aws_environment() -> Iterator[None]:
    """The caller's own AWS_* variables (credentials, profile, region) while in the block."""
    with pytest.MonkeyPatch.context() as patch:
        for name in {*os.environ, *CALLER_ENVIRONMENT}:
            if name.startswith("AWS_") and name in CALLER_ENVIRONMENT:
                patch.setenv(name, CALLER_ENVIRONMENT[name])
            elif name.startswith("AWS_"):
                patch.delenv(name)
        yield


def cloudformation() -> Any:
    """A client of a session of its own: boto3's default one may hold the test credentials already."""
    import boto3

    return boto3.session.Session().client("cloudformation")


@contextmanager
def retaining_server() -> Iterator[str]:
    """`RETENTION_DAYS=1 make run`'s server, on a port of its own: its base URL. The variable is set only
    while it starts: other tests' servers, started later by this process, keep every record."""
    with ExitStack() as stack:
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("RETENTION_DAYS", str(LOCAL_RETENTION_DAYS))
            server_url = stack.enter_context(running_server())
        yield server_url


@contextmanager
def local_target() -> Iterator[tuple[Target, SigV4Gate]]:
    """`make run`'s server with RetentionDays 1, behind a SigV4 check of this process's test credentials."""
    import botocore.session

    keys = botocore.session.get_session().get_credentials().get_frozen_credentials()
    with ExitStack() as stack:
        server_url = stack.enter_context(retaining_server())
        gate = stack.enter_context(sigv4_gate(server_url, keys, LOCAL_REGION))
        target = Target(gate.url, LOCAL_SOURCE, LOCAL_RETENTION_DAYS, True, sign=True, region=LOCAL_REGION)
        yield target, gate


@pytest.fixture(scope="session")
def target_and_gate() -> Iterator[tuple[Target, SigV4Gate | None]]:
    try:
        with caller_aws_environment():
            deployed = deployed_target(CALLER_ENVIRONMENT, cloudformation)
            if deployed is not None:
                check_reachable(client_of(deployed), deployed)
    except TargetUnavailable as unavailable:
        pytest.skip(f"the end-to-end suite cannot reach the API it was asked for: {unavailable}")
    if deployed is not None:
        yield deployed, None
        return
    with local_target() as (target, gate):
        yield target, gate


@pytest.fixture(scope="session")
def target(target_and_gate: tuple[Target, SigV4Gate | None]) -> Target:
    return target_and_gate[0]


@pytest.fixture
def gate(target_and_gate: tuple[Target, SigV4Gate | None]) -> SigV4Gate:
    """The local run's SigV4 check; a deployed API has its own authorizer, which this cannot watch."""
    found = target_and_gate[1]
    if found is None:
        pytest.skip("the gate stands in for API Gateway's authorizer in the local run only")
    return found


@pytest.fixture
def signing_credentials(target_and_gate: tuple[Target, SigV4Gate | None]) -> Iterator[None]:
    """A deployed API is signed for with the caller's credentials; the local run with the test ones."""
    if not target_and_gate[0].deployed:
        yield
        return
    with caller_aws_environment():
        yield


def client_of(target: Target) -> OperationsClient:
    return OperationsClient(target.url, region=target.region, sign=target.sign)


@pytest.fixture
def client(target: Target, signing_credentials: None) -> OperationsClient:
    return client_of(target)


@pytest.fixture
def new_id(request: pytest.FixtureRequest) -> str:
    """An id of this test's own, in this run's own space."""
    return f"{RUN_PREFIX}-{re.sub(r'[^A-Za-z0-9._~-]', '-', request.node.name)}"[:128]


@pytest.fixture
def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)
