"""The build `make invoke` runs (for this machine's architecture), and `make` run as a user runs it."""

from __future__ import annotations

import json
import os
import subprocess
from typing import Any

from devtools.template import ROOT, load_template

RUNTIME_VERSION = load_template().runtime.removeprefix("python")
INVOKE_BUILD = ROOT / ".aws-sam" / "invoke-build"  # the Makefile's INVOKE_BUILD_DIR
BUILD_SECONDS = 900  # an outer bound only: a cold build on a loaded machine takes a minute or two


def as_a_user_runs_make() -> dict[str, str]:
    """This environment without what an enclosing `make test` or a test sets: the Makefile's own
    defaults and paths apply, as in a terminal."""
    inherited = ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "BUILD_DIR", "INVOKE_BUILD_DIR", "FN", "EVENT")
    dynamodb = ("DYNAMODB_ENDPOINT_URL", "TABLE_NAME")
    return {key: value for key, value in os.environ.items() if key not in (*inherited, *dynamodb)}


def handler_result(answer: subprocess.CompletedProcess[str]) -> Any:
    """What `make invoke` printed as the handler's result: the JSON document that ends its output, after
    whatever make printed first (a rebuild's commands hold braces too)."""
    assert answer.returncode == 0, answer.stdout[-4000:] + answer.stderr[-4000:]
    lines = answer.stdout.splitlines()
    start = max(index for index, line in enumerate(lines) if line in ("{", "["))
    return json.loads("\n".join(lines[start:]))
