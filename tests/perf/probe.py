"""One cold start in a fresh process: import a function's handler and serve it one event from `events/`.

The program's start is the same for every function (how many collections the import set off, whether
collection resumed, what was frozen, a Lambda context); each test adds what it asks of the first request.
The store is a closed port, so the request goes all the way through botocore and fails there, with no
server needed.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from devtools.template import ROOT
from tests.support.environment import closed_store_environment

IMPORT_THE_HANDLER = """
import gc, io, json, sys, weakref
sys.stdout, real = io.StringIO(), sys.stdout
def collections(): return sum(generation["collections"] for generation in gc.get_stats())
before_import = collections()
import app
facts = {"collections_while_importing": collections() - before_import,
    "collecting_after_import": gc.isenabled(), "frozen_by_import": gc.get_freeze_count()}
class Context:
    function_name = "probe"; memory_limit_in_mb = 1024; aws_request_id = "probe"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:probe"
event = json.load(open(sys.argv[1]))
"""


def run_probe(function: str, event: str, then: str, **environment: str) -> dict[str, Any]:
    """Run IMPORT_THE_HANDLER for functions/<function>, then `then` (which writes its facts, as JSON, to
    `real`), on events/<event>.json; the facts it wrote."""
    answer = subprocess.run(
        [sys.executable, "-c", IMPORT_THE_HANDLER + then, str(ROOT / "events" / f"{event}.json")],
        cwd="/",
        env={
            **closed_store_environment(ROOT / "layers" / "operations", ROOT / "functions" / function),
            **environment,
        },
        capture_output=True,
        text=True,
    )
    assert answer.returncode == 0, answer.stderr[-2000:]
    facts: dict[str, Any] = json.loads(answer.stdout)
    return facts
