"""The functions' handlers, imported from functions/*/app.py and called as Lambda calls them."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from tests.support.environment import ROOT

Invoke = Callable[[dict[str, Any]], dict[str, Any]]
JsonLogs = Callable[[], list[dict[str, Any]]]


@dataclass
class FakeLambdaContext:
    function_name: str = "operations-api-test"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:operations-api-test"
    aws_request_id: str = "00000000-0000-4000-8000-000000000000"
    remaining_ms: int = 300_000  # the history loop's timeout (template.yaml); only the loop asks

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


def load_function(name: str) -> ModuleType:
    """Import functions/<name>/app.py under a name of its own (both functions' modules are `app`)."""
    spec = importlib.util.spec_from_file_location(f"{name}_app", ROOT / "functions" / name / "app.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def invoker(module: ModuleType) -> Invoke:
    def invoke(event: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = module.lambda_handler(event, FakeLambdaContext())
        return result

    return invoke
