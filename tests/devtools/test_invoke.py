"""`make invoke` (devtools.invoke): what it refuses, and why. tests/build/test_invoke.py runs a real build."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from pathlib import Path

import pytest

from devtools import invoke
from devtools.template import ROOT, load_template

THIS_MACHINE = invoke.MACHINES.get(platform.machine().lower(), platform.machine())
OTHER_MACHINE = "aarch64" if THIS_MACHINE == "x86_64" else "x86_64"


def run_invoke(
    function: str, event: str, build_dir: Path, **environment: str
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DYNAMODB_ENDPOINT_URL", "TABLE_NAME")}
    env.update(BUILD_DIR=str(build_dir), PYTHONPATH=f"{ROOT / 'layers' / 'operations'}{os.pathsep}{ROOT}")
    env.update(environment)
    command = [sys.executable, "-m", "devtools.invoke", function, f"events/{event}"]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def fake_build(root: Path, extension_name: str) -> Path:
    """A build folder holding the functions and a layer with one (empty) compiled extension."""
    for function in load_template().functions:
        (root / function).mkdir(parents=True)
    for layer_id in load_template().layer_dirs:
        package = root / layer_id / "python" / "pydantic_core"
        package.mkdir(parents=True)
        (package / extension_name).touch()
    return root


def test_without_a_build_it_says_to_build_first(tmp_path: Path) -> None:
    answer = run_invoke("GetOperationFunction", "get_operation.json", tmp_path / "no-build")
    assert answer.returncode == 2
    assert "run `make build` first" in answer.stderr
    assert answer.stdout == ""


def test_an_unknown_function_is_refused_naming_the_templates_functions(tmp_path: Path) -> None:
    answer = run_invoke("NoSuchFunction", "get_operation.json", tmp_path)
    assert answer.returncode == 2
    assert all(name in answer.stderr for name in load_template().functions)


def test_a_build_for_another_architecture_says_which_build_to_make(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    build = fake_build(tmp_path, f"_pydantic_core.cpython-313-{OTHER_MACHINE}-linux-gnu.so")
    monkeypatch.setenv("BUILD_DIR", str(build))
    assert invoke.main(["GetOperationFunction", "events/get_operation.json"]) == 2
    expected_arch = invoke.ARCH_OF_MACHINE[THIS_MACHINE]
    assert f"run `make build ARCH={expected_arch}`" in capsys.readouterr().err


def test_extensions_for_a_python_that_is_not_here_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(invoke, "find_python", lambda version: None)
    with pytest.raises(invoke.InvokeError, match=r"CPython 3\.99 .* no python3\.99 here"):
        invoke.choose_interpreter("3.99", "3.99")


def test_a_pure_python_layer_runs_under_this_python_when_the_runtimes_is_missing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(invoke, "find_python", lambda version: None)
    interpreter = invoke.choose_interpreter("3.99", None)
    assert (interpreter.python, interpreter.extra_paths) == (sys.executable, [])
    assert "no python3.99" in interpreter.description


def test_the_extension_tag_gives_the_python_version_and_machine(tmp_path: Path) -> None:
    build = fake_build(tmp_path, f"_pydantic_core.cpython-313-{THIS_MACHINE}-linux-gnu.so")
    extensions = invoke.compiled_extensions([build / "OperationsLayer" / "python"])
    assert invoke.extensions_python_version(extensions) == "3.13"
    invoke.check_extensions_fit_this_machine(extensions)


def test_a_relative_build_dir_names_the_same_folder_from_the_functions_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`make invoke` passes BUILD_DIR=.aws-sam/invoke-build; the function runs with its folder as the working
    directory, so the paths it is given must not depend on the working directory."""
    build = fake_build(
        tmp_path / ".aws-sam" / "invoke-build", f"_pydantic_core.cpython-313-{THIS_MACHINE}-linux-gnu.so"
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BUILD_DIR", ".aws-sam/invoke-build")
    built = invoke.built_function("GetOperationFunction")
    assert built.task_root == build / "GetOperationFunction"
    assert built.layer_paths == [build / "OperationsLayer" / "python"]


@pytest.mark.parametrize(("given", "read_timeout"), [(None, "30"), ("2.5", "2.5")])
def test_a_function_invoked_here_waits_patiently_for_the_stand_ins_unless_told_otherwise(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, given: str | None, read_timeout: str
) -> None:
    """On a loaded machine moto answers past the deployed 1.5 s; a retried conditional PUT would then be
    refused by its own first try (moto ignores DynamoDB's retry token)."""
    fake_build(tmp_path / "build", f"_pydantic_core.cpython-313-{THIS_MACHINE}-linux-gnu.so")
    monkeypatch.setenv("BUILD_DIR", str(tmp_path / "build"))
    if given is None:
        monkeypatch.delenv("AWS_CLIENT_READ_TIMEOUT", raising=False)
    else:
        monkeypatch.setenv("AWS_CLIENT_READ_TIMEOUT", given)
    built = invoke.built_function("PutOperationFunction")
    interpreter = invoke.Interpreter(sys.executable, [], "this Python")
    environment = invoke.lambda_environment(built, interpreter, "operations")
    assert environment["AWS_CLIENT_READ_TIMEOUT"] == read_timeout
