"""The packages the Lambda Python runtime itself provides (boto3 and botocore), for running built artifacts
outside Lambda: `make invoke` and the smoke tests put these where /var/runtime would be, after the layer
(which ships its own botocore, found first, as on Lambda), and the bench's floors import them. Installed
once per Python version into .tools/ (ignored by git), from PyPI, for the runtime's Python version (all
pure Python, so one install serves every architecture).
"""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

from devtools.template import ROOT

TOOLS = ROOT / ".tools"


def runtime_packages(python_version: str) -> Path:
    """A folder holding boto3/botocore for `python_version` (e.g. "3.13"), installed on first use."""
    boto3_version = version("boto3")
    target = TOOLS / f"lambda-runtime-py{python_version}-boto3-{boto3_version}"
    if not (target / "botocore").is_dir():
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "--no-compile",
                "--python-version",
                python_version,
                "--only-binary=:all:",
                "--target",
                str(target),
                f"boto3=={boto3_version}",
            ],
            check=True,
            timeout=600,
        )
    return target
