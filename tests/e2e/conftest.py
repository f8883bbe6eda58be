"""The end-to-end suite's target and client (target.py says how the target is chosen).

Against a deployed stack the client signs with the caller's own AWS credentials (tests/conftest.py replaces
them with test values for the other suites; each test here gets them back). The local run starts `make
run`'s server with a retention period, behind a SigV4 check (sigv4_gate.py), and signs every request with
the test credentials. Every id starts with this run's prefix: a deployed table is shared, and has no DELETE.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from operations_client import OperationsClient
from tests.e2e.sigv4_gate import SigV4Gate
from tests.e2e.target import Target, TargetUnavailable, check_reachable, deployed_target
from tests.support.e2e import RUN_PREFIX, caller_aws_environment, client_of, cloudformation, local_target
from tests.support.environment import CALLER_ENVIRONMENT


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
