"""`make test` runs every test module under tests/: none is left out by pytest's collection rules.

pytest's default `norecursedirs` skips folders named `build`, so tests/build once never ran while every
run reported green; pyproject.toml now names the folders to skip, and this keeps it so.
"""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT

COLLECT_SECONDS = 600  # an outer bound only: collecting imports every test module


def collected_modules() -> set[str]:
    listing = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=COLLECT_SECONDS,
        check=True,
    ).stdout
    return {line.split("::", 1)[0] for line in listing.splitlines() if "::" in line}


def test_every_test_module_under_tests_is_collected() -> None:
    on_disk = {path.relative_to(ROOT).as_posix() for path in (ROOT / "tests").rglob("test_*.py")}
    assert on_disk - collected_modules() == set()
