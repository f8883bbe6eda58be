"""What the Makefile runs, read from `make -n` (nothing is built or installed by these tests)."""

from __future__ import annotations

import platform
import subprocess

from devtools.template import ROOT, load_template

HOST_ARCH = {"x86_64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}[platform.machine()]


def dry_run(*arguments: str) -> str:
    answer = subprocess.run(
        ["make", "--no-print-directory", "-n", "-B", *arguments],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return answer.stdout


def test_make_invoke_runs_a_build_for_this_machine_whatever_the_deployed_architecture() -> None:
    """`make build` then `make invoke` failed on x86_64: the build is arm64, for deploying."""
    commands = dry_run("invoke", "FN=GetOperationFunction", "EVENT=events/get_operation.json")
    assert f"--build-dir .aws-sam/invoke-build --parameter-overrides Architecture={HOST_ARCH}" in commands
    assert "BUILD_DIR=.aws-sam/invoke-build " in commands.splitlines()[-1]


def test_make_build_still_builds_what_deploys_the_templates_architecture() -> None:
    deployed = load_template().parameter_default("Architecture")
    assert f"--build-dir .aws-sam/build --parameter-overrides Architecture={deployed}" in dry_run("build")
