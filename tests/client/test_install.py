"""`pip install ./client` into a fresh virtual environment gives the library alone, and
`pip install './client[cli]'` a working `opsctl` (slow: each builds the package and installs its
dependencies from the package index or pip's cache)."""

from __future__ import annotations

import json
import subprocess
import venv
from pathlib import Path

import pytest

from devtools.template import ROOT
from operations_client import OperationsClient
from tests.support.cli import clean_environment, run_opsctl
from tests.support.records import record_for

pytestmark = pytest.mark.slow


TERMINAL_PACKAGES = ("click", "rich", "jinja2")  # the [cli] extra's


def installed(home: Path, requirement: str) -> Path:
    """A fresh virtual environment with `pip install REQUIREMENT`, run from the repository's root: its bin."""
    venv.create(home, with_pip=True)
    pip = [str(home / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, requirement], check=True, timeout=600, cwd=ROOT)
    return home / "bin"


@pytest.fixture(scope="module")
def library_alone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return installed(tmp_path_factory.mktemp("client-venv"), "./client")


@pytest.fixture(scope="module")
def opsctl(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return installed(tmp_path_factory.mktemp("opsctl-venv"), "./client[cli]") / "opsctl"


def run_python(bin_dir: Path, code: str, *args: str) -> subprocess.CompletedProcess[str]:
    """`python -c CODE ARGS…` in the installed environment, away from the checkout."""
    return subprocess.run(
        [str(bin_dir / "python"), "-c", code, *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=bin_dir,
        env=clean_environment(),
    )


def test_the_library_alone_reads_and_writes_without_a_package_for_the_terminal(
    library_alone: Path, local_api: str, new_id: str
) -> None:
    code = (
        "import importlib.util, json, sys; from operations_client import OperationsClient; "
        "client = OperationsClient(sys.argv[1]); "
        "client.put(sys.argv[2], json.loads(sys.argv[3])); "
        "print(client.get(sys.argv[2]).record['status']); "
        f"print([name for name in {TERMINAL_PACKAGES!r} if importlib.util.find_spec(name)])"
    )
    answer = run_python(library_alone, code, local_api, new_id, json.dumps(record_for(new_id)))
    assert answer.returncode == 0, answer.stderr
    assert answer.stdout.splitlines() == ["executing", "[]"]


def test_opsctl_without_the_cli_extra_says_how_to_install_it(library_alone: Path) -> None:
    result = run(library_alone / "opsctl", "--endpoint", "http://127.0.0.1:9", "get", "op")
    assert result.returncode == 2
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert "pip install './client[cli]'" in line
    assert "click, rich, jinja2 missing" in line


def run(opsctl: Path, *args: str, **environment: str) -> subprocess.CompletedProcess[str]:
    return run_opsctl(*args, script=opsctl, **environment)


def test_the_installed_opsctl_reads_an_operation(opsctl: Path, local_api: str, new_id: str) -> None:
    stored = OperationsClient(local_api).put(new_id, record_for(new_id))
    result = run(opsctl, "get", new_id, "-o", "json", OPERATIONS_API_URL=local_api)
    assert result.returncode == 0, result.stderr
    assert result.stdout == stored.raw + "\n"
    table = run(opsctl, "--endpoint", local_api, "get", new_id)
    assert "executing" in table.stdout


def test_the_installed_package_is_not_this_checkout(opsctl: Path) -> None:
    answer = run_python(opsctl.parent, "import operations_client; print(operations_client.__file__)")
    assert answer.returncode == 0, answer.stderr
    assert "site-packages" in answer.stdout
    assert str(ROOT / "client") not in answer.stdout


@pytest.mark.parametrize(
    ("args", "told"),
    [
        (["--endpoint", "http://127.0.0.1:9", "get", "op"], "CONNECTION_FAILED"),
        (
            ["--endpoint", "https://abc.execute-api.eu-west-1.amazonaws.com", "get", "op"],
            "CREDENTIALS_MISSING",
        ),
        (["--endpoint", "http://127.0.0.1:9", "put", "op", "-f", "/no/such/file"], "No such file"),
    ],
)
def test_expected_failures_are_told_without_a_traceback(
    opsctl: Path, tmp_path: Path, args: list[str], told: str
) -> None:
    result = run(
        opsctl,
        *args,
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"),
        AWS_CONFIG_FILE=str(tmp_path / "none"),
        AWS_EC2_METADATA_DISABLED="true",
    )
    assert result.returncode in (2, 4)
    assert told in result.stderr
    assert "Traceback" not in result.stderr


def test_the_installed_opsctl_tells_its_version(opsctl: Path) -> None:
    result = run(opsctl, "--version")
    assert result.returncode == 0
    assert result.stdout.startswith("opsctl, version 1.0.0")
