"""The console ships whole in the client's wheel: templates, stylesheet and script (it works offline), and
Jinja2 among the requirements."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from devtools.template import ROOT
from operations_client._console.app import STATIC_TYPES
from operations_client._console.pages import environment

pytestmark = pytest.mark.slow


def test_the_wheel_holds_every_template_and_asset_and_requires_jinja2(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "-w",
            str(tmp_path),
            str(ROOT / "client"),
        ],
        check=True,
    )
    (wheel,) = tmp_path.glob("operations_client-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        metadata = next(archive.read(name) for name in names if name.endswith(".dist-info/METADATA")).decode()
    console = "operations_client/_console"
    templates = {f"{console}/templates/{name}" for name in environment().list_templates()}
    assets = {f"{console}/static/{name}" for name in STATIC_TYPES}
    assert templates | assets <= names
    assert "Requires-Dist: jinja2" in metadata
