"""One source of pinned versions: uv.lock. What the layer ships is exported from it, never written by hand."""

from __future__ import annotations

import subprocess

from devtools.template import ROOT

UV = ROOT / ".tools" / "uv" / "bin" / "uv"
LAYER_PINS = ROOT / "layers" / "operations" / "requirements.lock"


def test_the_layers_pins_are_the_locks() -> None:
    """After a change to pyproject.toml's dependencies or to uv.lock, `make layer-pins` brings them back."""
    assert UV.exists(), "uv is missing: any make target that needs an environment installs it"
    exported = subprocess.run(
        [str(UV), "export", "--quiet", "--locked", "--no-default-groups", "--no-hashes", "--no-emit-project"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    pins = [line for line in exported.splitlines() if line and not line.startswith(" ") and "==" in line]
    committed = [
        line for line in LAYER_PINS.read_text().splitlines() if "==" in line and not line.startswith(" ")
    ]
    assert committed == pins
    assert {pin.split("==")[0] for pin in pins} >= {"aws-lambda-powertools", "jsonpatch"}


def test_no_pins_are_kept_by_hand_beside_the_locks() -> None:
    assert sorted(path.name for path in ROOT.glob("requirements*.txt")) == []
    assert not (ROOT / "layers" / "operations" / "requirements.txt").exists()
