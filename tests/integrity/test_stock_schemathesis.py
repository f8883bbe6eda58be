"""The stock schemathesis command line, as a user runs it against `make run`: every check, every phase.

`schemathesis run openapi.json -c all` finds schemathesis.toml at the repository's root, which tells it
what the document cannot (devtools/schemathesis_hooks.py). It passes only when every request that fits
openapi.json is accepted, every other one refused, and every answer is the one the document describes.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Final

import pytest

from devtools.template import ROOT
from tests.support.servers import running_server

pytestmark = pytest.mark.fuzzing

SCHEMATHESIS: Final = Path(sys.executable).parent / "schemathesis"
RUN_SECONDS: Final = 900


def test_schemathesis_run_with_every_check_passes_against_the_local_server(tmp_path: Path) -> None:
    command = [
        str(SCHEMATHESIS),
        "--config-file",
        str(ROOT / "schemathesis.toml"),
        "run",
        str(ROOT / "openapi.json"),
        "--checks",
        "all",
        "--url",
    ]
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    with running_server() as base_url:
        # in a directory of its own: what schemathesis leaves behind (.schemathesis/) stays out of the tree
        answer = subprocess.run(
            [*command, base_url],
            cwd=tmp_path,
            env=environment,
            capture_output=True,
            text=True,
            timeout=RUN_SECONDS,
            check=False,
        )
    assert answer.returncode == 0, answer.stdout[-8000:] + answer.stderr[-2000:]
    assert "Test cases:" in answer.stdout
