"""`pip install ./client` into a fresh virtual environment gives a working `opsctl` (slow: it builds the
package and installs its dependencies from the package index or pip's cache)."""

from __future__ import annotations

import subprocess
import venv
from pathlib import Path

import pytest

from devtools.template import ROOT
from operations_client import OperationsClient
from tests.client.conftest import clean_environment, record_for, run_opsctl

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def opsctl(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("opsctl-venv")
    venv.create(home, with_pip=True)
    pip = [str(home / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, str(ROOT / "client")], check=True, timeout=600)
    return home / "bin" / "opsctl"


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
    python = opsctl.parent / "python"
    answer = subprocess.run(
        [str(python), "-c", "import operations_client; print(operations_client.__file__)"],
        capture_output=True,
        text=True,
        check=True,
        cwd=opsctl.parent,
        env=clean_environment(),
    )
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
