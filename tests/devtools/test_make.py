"""What the Makefile runs, read from `make -n` (nothing is built or installed by these tests)."""

from __future__ import annotations

import subprocess

from devtools.template import ROOT, load_template


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


def test_make_build_still_builds_what_deploys_the_templates_architecture() -> None:
    deployed = load_template().parameter_default("Architecture")
    assert f"--build-dir .aws-sam/build --parameter-overrides Architecture={deployed}" in dry_run("build")


def test_make_upgrade_raises_every_lock_then_regenerates_what_follows_from_them_and_tests() -> None:
    commands = dry_run("upgrade").splitlines()
    locks = [line for line in commands if " lock --upgrade" in line]
    assert [line.partition("--upgrade")[2].strip() for line in locks] == [
        "",
        "--project envs/sam",
        "--project envs/checkov",
    ]
    after = commands[commands.index(locks[-1]) :]
    for step in ("-o layers/operations/requirements.lock", "devtools.record_schema", "devtools.openapi"):
        assert any(step in line for line in after), step
    assert any("-m pytest --cov" in line for line in after), "then the tests"


def test_make_run_installs_only_what_serving_needs() -> None:
    commands = dry_run("run")
    assert "UV_PROJECT_ENVIRONMENT=.venv-run" in commands
    assert "--no-default-groups --group run" in commands
    assert ".venv-run/bin/python -m devtools.local_server" in commands
