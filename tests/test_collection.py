"""`make test` runs every test module under tests/: none is left out by pytest's collection rules; and
no module imports from a conftest.py, whose helpers live in tests/support/; and `make test-fast` leaves
out exactly the slow suites pyproject.toml lists.

pytest's default `norecursedirs` skips folders named `build`, so tests/build once never ran while every
run reported green; pyproject.toml now names the folders to skip, and this keeps it so.
"""

from __future__ import annotations

import ast
import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path

from tests.support.build import as_a_user_runs_make
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


def slow_suites() -> dict[str, str]:
    """The markers pyproject.toml describes as "slow suite: why": each name, and why."""
    pytest_options = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["pytest"]
    described = (marker.partition(": ") for marker in pytest_options["ini_options"]["markers"])
    return {
        name: why.removeprefix("slow suite: ") for name, _, why in described if why.startswith("slow suite: ")
    }


def fast_selection() -> str:
    """The -m expression of the pytest command `make test-fast` runs (printed by make, not run)."""
    printed = subprocess.run(
        ["make", "--no-print-directory", "--dry-run", "test-fast", "PYTEST_ARGS="],
        cwd=ROOT,
        env=as_a_user_runs_make(),
        capture_output=True,
        text=True,
        timeout=COLLECT_SECONDS,
        check=True,
    ).stdout
    (command,) = [line for line in printed.splitlines() if " -m pytest " in line]
    words = shlex.split(command)
    return words[words.index("-m", words.index("pytest")) + 1]


def test_make_test_fast_leaves_out_exactly_the_slow_suites() -> None:
    slow = slow_suites()
    assert {"dynalite", "races", "fuzzing", "build", "slow", "browser"} <= set(slow)
    assert all(why.strip() for why in slow.values()), slow
    selection = re.fullmatch(r"not \((.*)\)", fast_selection())
    assert selection is not None
    assert selection.group(1).split(" or ") == list(slow)
