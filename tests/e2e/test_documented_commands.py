"""docs/deploy.md's commands for this suite: the local one runs as written, from the repository's root (the
docs' examples test runs blocks in a temporary folder, where `tests/e2e` is not), and the deployed one is the
same command with the stack named."""

from __future__ import annotations

import os
import re
import subprocess
from typing import Final

import pytest

from devtools.template import ROOT
from tests.e2e.conftest import PATIENCE_SECONDS
from tests.http.test_doc_examples import Example, examples

pytestmark = pytest.mark.e2e

NESTED: Final = "E2E_DOCUMENTED_RUN"  # set for the documented run, whose own copy of this test then skips
SUITE_COMMAND: Final = re.compile(r"\bpytest tests/e2e\b")
TARGET_VARIABLES: Final = ("OPERATIONS_API_URL", "AWS_SAM_STACK_NAME")


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


@pytest.mark.slow
@pytest.mark.skipif(NESTED in os.environ, reason="the documented run itself (it would start another)")
def test_the_local_command_runs_the_whole_suite_as_written() -> None:
    _, local = suite_commands()
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in TARGET_VARIABLES and not name.startswith(("PYTEST_", "COV_CORE_"))
    }
    answer = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", local.text],
        cwd=ROOT,
        env={**environment, NESTED: "1"},
        capture_output=True,
        text=True,
        timeout=PATIENCE_SECONDS * 2,
        check=False,
    )
    assert answer.returncode == 0, answer.stdout + answer.stderr
    summary = answer.stdout.strip().splitlines()[-1]
    assert re.search(r"\b\d{2,} passed, 1 skipped\b", summary), answer.stdout
    skipped = [line for line in answer.stdout.splitlines() if line.startswith("SKIPPED")]
    assert len(skipped) == 1
    assert "the documented run itself" in skipped[0]
