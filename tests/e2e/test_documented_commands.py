"""docs/deploy.md's commands for this suite: the local one runs as written, from the repository's root (the
docs' examples test runs blocks in a temporary folder, where `tests/e2e` is not), the deployed one is the
same command with the stack named, and the same command drives an API named by OPERATIONS_API_URL."""

from __future__ import annotations

import os
import re
import subprocess
from typing import Final

import pytest

from devtools.template import ROOT
from tests.http.test_doc_examples import Example, examples
from tests.support.e2e import LOCAL_RETENTION_DAYS, PATIENCE_SECONDS, retaining_server

pytestmark = pytest.mark.e2e

NESTED: Final = "E2E_DOCUMENTED_RUN"  # set for the runs of the suite started here: their copies skip
SUITE_COMMAND: Final = re.compile(r"\bpytest tests/e2e\b")
TARGET_VARIABLES: Final = ("OPERATIONS_API_URL", "AWS_SAM_STACK_NAME")
ITSELF: Final = "a run of the suite by this test (it would start another)"


def suite_commands() -> tuple[Example, Example]:
    """The deployed form and the local form, in the order docs/deploy.md shows them."""
    deployed, local = [e for e in examples(ROOT / "docs" / "deploy.md") if SUITE_COMMAND.search(e.text)]
    return deployed, local


def test_the_deployed_command_is_the_local_one_with_the_stack_named() -> None:
    deployed, local = suite_commands()
    assert deployed.not_run_reason == "needs a deployed stack and AWS credentials"
    assert deployed.text.startswith("AWS_SAM_STACK_NAME=operations-api-dev ")
    assert deployed.text.endswith(local.text)
    assert local.not_run_reason is not None
    assert "tests/e2e/test_documented_commands.py runs this block there" in local.not_run_reason


def run_suite(command: str, **variables: str) -> subprocess.CompletedProcess[str]:
    """The command, run by bash from the repository's root, in this environment without a target of its
    own but `variables`; this test skips in that run."""
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in TARGET_VARIABLES and not name.startswith(("PYTEST_", "COV_CORE_"))
    }
    return subprocess.run(
        ["bash", "-euo", "pipefail", "-c", command],
        cwd=ROOT,
        env={**environment, **variables, NESTED: "1"},
        capture_output=True,
        text=True,
        timeout=PATIENCE_SECONDS * 2,
        check=False,
    )


def skip_reasons(answer: subprocess.CompletedProcess[str]) -> list[str]:
    """The reasons of the run's skipped tests (pytest's -ra summary), once it passed."""
    assert answer.returncode == 0, answer.stdout + answer.stderr
    assert re.search(r"\b\d{2,} passed\b", answer.stdout.strip().splitlines()[-1]), answer.stdout
    return sorted(line.split(": ", 1)[1] for line in answer.stdout.splitlines() if line.startswith("SKIPPED"))


@pytest.mark.slow
@pytest.mark.skipif(NESTED in os.environ, reason=ITSELF)
def test_the_local_command_runs_the_whole_suite_as_written() -> None:
    _, local = suite_commands()
    assert skip_reasons(run_suite(local.text)) == [ITSELF, ITSELF]


@pytest.mark.slow
@pytest.mark.skipif(NESTED in os.environ, reason=ITSELF)
def test_the_suite_drives_an_api_named_by_its_url() -> None:
    """OPERATIONS_API_URL: here a local server started as `RETENTION_DAYS=1 make run`; it checks no
    signature, so only what needs an authorizer is skipped, saying why."""
    _, local = suite_commands()
    with retaining_server() as url:
        answer = run_suite(local.text, OPERATIONS_API_URL=url, RETENTION_DAYS=str(LOCAL_RETENTION_DAYS))
    assert skip_reasons(answer) == [
        "OPERATIONS_API_URL may take unsigned requests (AuthMode NONE, or not known)",
        "OPERATIONS_API_URL may take unsigned requests (AuthMode NONE, or not known)",
        ITSELF,
        ITSELF,
        "the gate stands in for API Gateway's authorizer in the local run only",
    ]
