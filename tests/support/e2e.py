"""The end-to-end suite's helpers: its patience, its run's id prefix, the caller's AWS environment, and
the local target (`RETENTION_DAYS=1 make run`'s server behind a SigV4 check)."""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from typing import Any, Final, TypeVar

import pytest

from operations_client import OperationsClient
from tests.e2e.sigv4_gate import SigV4Gate, sigv4_gate
from tests.e2e.target import LOCAL_SOURCE, Target
from tests.support.environment import CALLER_ENVIRONMENT
from tests.support.servers import running_server

LOCAL_RETENTION_DAYS: Final = 1  # the local server runs as `RETENTION_DAYS=1 make run`
LOCAL_REGION: Final = "us-east-1"
PATIENCE_SECONDS: Final = 180.0  # the outer bound of every wait: generous, a loaded machine is slow
RUN_PREFIX: Final = f"e2e-{datetime.now(UTC):%Y%m%d%H%M%S}-{secrets.token_hex(3)}"
POLL_SECONDS: Final = 0.25

Found = TypeVar("Found")


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


def client_of(target: Target) -> OperationsClient:
    return OperationsClient(target.url, region=target.region, sign=target.sign)
