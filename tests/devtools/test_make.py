"""What the Makefile runs, read from `make -n`, or run for real with stand-ins for the installers (nothing
is built or installed by these tests)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from devtools.template import ROOT, load_template

# as on a machine where both exist, whatever this one has (the Makefile looks them up with `command -v`)
INSTALLERS = ("NPM=/usr/bin/npm", "APT_GET=/usr/bin/apt-get")


def dry_run(*arguments: str) -> str:
    answer = subprocess.run(
        ["make", "--no-print-directory", "-n", "-B", *arguments],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
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


def test_make_unit_installs_neither_dynalite_nor_chromium() -> None:
    """The first target a developer runs installs nothing heavy: those suites skip, saying so."""
    commands = dry_run("unit", *INSTALLERS)
    assert "npm install" not in commands
    assert "apt-get" not in commands
    assert "-m pytest --cov" in commands


def test_make_test_says_what_it_installs_and_why_before_installing_then_tests() -> None:
    commands = dry_run("test", *INSTALLERS)
    for says, installs in (
        ("installing dynalite", "npm install"),
        ("installing chromium", "apt-get install"),
    ):
        assert commands.index(says) < commands.index(installs), says
    assert commands.index("apt-get install") < commands.index("-m pytest --cov"), "installed before the tests"
    assert commands.index("npm install") < commands.index("-m pytest --cov")


def test_installing_dynalite_prints_what_and_why_before_npm_runs(tmp_path: Path) -> None:
    """A real run of the rule, in a copy of the Makefile, with an `npm` that only reports its arguments
    (and makes the prefix folder, as npm does)."""
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    (tmp_path / "template.yaml").touch()
    fake_npm = tmp_path / "bin" / "npm"
    fake_npm.parent.mkdir()
    fake_npm.write_text('#!/bin/sh\necho "npm ran: $*"\nmkdir -p "$3"\n')  # $3: --prefix DIR
    fake_npm.chmod(0o755)
    environment = {**os.environ, "PATH": f"{fake_npm.parent}{os.pathsep}{os.environ['PATH']}"}
    environment = {key: value for key, value in environment.items() if not key.startswith("MAKE")}
    answer = subprocess.run(
        ["make", "--no-print-directory", "dynalite"],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    said = answer.stdout.index("installing dynalite")
    assert "the race and item-size tests" in answer.stdout[said:]
    assert said < answer.stdout.index("npm ran: install"), answer.stdout
    assert (tmp_path / ".tools" / "dynalite" / ".stamp").exists()
