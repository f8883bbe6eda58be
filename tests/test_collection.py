"""`make test` runs every test module under tests/: none is left out by pytest's collection rules; and
no module imports from a conftest.py, whose helpers live in tests/support/.

pytest's default `norecursedirs` skips folders named `build`, so tests/build once never ran while every
run reported green; pyproject.toml now names the folders to skip, and this keeps it so.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from tests.support.environment import ROOT

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


def conftest_imports(path: Path) -> list[str]:
    """The conftest modules a file imports by name (pytest loads conftest files itself: their fixtures need
    no import, and whatever else a test needs lives in tests/support/)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    imported = [
        *(node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)),
        *(alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names),
    ]
    return [module for module in imported if module.split(".")[-1] == "conftest"]


def test_no_module_imports_from_a_conftest() -> None:
    offenders = {
        path.relative_to(ROOT).as_posix(): found
        for folder in ("tests", "devtools", "ops")
        for path in sorted((ROOT / folder).rglob("*.py"))
        if (found := conftest_imports(path))
    }
    assert offenders == {}
