"""The template's HTTP API routes, each served by its function's real handler, in this process.

Where this differs from Lambda, on purpose:
- Environment variables are process-wide, so the functions' variables are merged (the union). Both
  functions here take the same keys from the template's Globals, so nothing is lost; a key that two
  functions set differently would be a conflict, and starting refuses it.
- One request is handled at a time per server process: Powertools keeps the current event on a class that
  every resolver of a process shares, so two handlers running at once in one process would read each
  other's events. (On Lambda each instance is its own process.) For concurrency, run several servers.
"""

from __future__ import annotations

import importlib.util
import os
import re
import sys
import threading
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from types import ModuleType
from typing import Any
from urllib.parse import unquote, urlsplit

from devtools import local_events
from devtools.gateway import (
    INTERNAL_ERROR,
    NOT_FOUND,
    HttpAnswer,
    HttpRequest,
    build_event,
    json_answer,
    to_http,
)
from devtools.lambda_runtime import LambdaContext, function_environment
from devtools.template import Function, Route, load_template

Handler = Callable[[dict[str, Any], Any], Any]


class LoadedFunction:
    """One imported instance of a function's handler."""

    def __init__(self, function: Function) -> None:
        self.function = function
        self.handler = _load_handler(function)

    def invoke(self, event: dict[str, Any]) -> Any:
        context = LambdaContext(self.function.logical_id, self.function.memory_size, self.function.timeout)
        return self.handler(event, context)


def _load_handler(function: Function) -> Handler:
    """Import the function's module under a name of its own (both functions' modules are `app`), with its
    code folder on sys.path while it imports, as Lambda's task root would be."""
    path = function.code_dir / f"{function.module_name}.py"
    name = f"local_{function.logical_id}_{function.module_name}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module: ModuleType = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    with _on_sys_path(str(function.code_dir)):
        spec.loader.exec_module(module)
    handler: Handler = getattr(module, function.function_name)
    return handler


@contextmanager
def _on_sys_path(folder: str) -> Iterator[None]:
    sys.path.insert(0, folder)
    try:
        yield
    finally:
        sys.path.remove(folder)


@dataclass(frozen=True)
class CompiledRoute:
    route: Route
    pattern: re.Pattern[str]

    @classmethod
    def of(cls, route: Route) -> CompiledRoute:
        regex = ""
        for part in re.split(r"(\{[^}]+\})", route.path):
            if part.startswith("{") and part.endswith("+}"):  # a greedy path variable
                regex += f"(?P<{part[1:-2]}>.+)"
            elif part.startswith("{"):
                regex += f"(?P<{part[1:-1]}>[^/]+)"
            else:
                regex += re.escape(part)
        return cls(route, re.compile(f"^{regex}$"))


class LocalApi:
    """The template's HttpApi routes, each served by its function's real handler."""

    change_events: local_events.LocalEvents | None = None  # set by start() when the table has a stream

    def __init__(self, table_name: str, overrides: Mapping[str, str] | None = None) -> None:
        """`overrides`: variables that replace the template's (before the handlers import and read them)."""
        template = load_template()
        self.table_name = table_name
        os.environ.update(merged_environment(template.functions.values(), table_name))
        os.environ.update(overrides or {})
        for layer_dir in template.layer_dirs.values():  # the source layout: the package at the top
            if str(layer_dir) not in sys.path:
                sys.path.insert(0, str(layer_dir))
        forget_cached_configuration()
        self.routes = [CompiledRoute.of(route) for route in template.routes]
        self.functions = {name: LoadedFunction(function) for name, function in template.functions.items()}
        self._one_at_a_time = threading.Lock()

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        for compiled in self.routes:
            if compiled.route.method in (method, "ANY") and (found := compiled.pattern.match(path)):
                return compiled.route, {name: unquote(value) for name, value in found.groupdict().items()}
        return None

    def invoke(self, route: Route, event: dict[str, Any]) -> Any:
        return self.invoke_function(route.function_id, event)

    def invoke_function(self, function_id: str, event: dict[str, Any]) -> Any:
        with self._one_at_a_time:
            return self.functions[function_id].invoke(event)


def merged_environment(functions: Collection[Function], table_name: str) -> dict[str, str]:
    """The union of the functions' variables (environment variables are process-wide here)."""
    merged: dict[str, str] = {}
    for function in functions:
        for key, value in function_environment(function, table_name).items():
            if merged.get(key, value) != value:
                raise ValueError(f"functions set {key} differently; one local process cannot serve both")
            merged[key] = value
    return merged | parameters_given(functions)


def parameters_given(functions: Collection[Function]) -> dict[str, str]:
    """The variables the template sets from a parameter that this process was given, as a deploy with
    that parameter would set them: `RETENTION_DAYS=1 make run` serves with RetentionDays 1."""
    parameters = load_template().document.get("Parameters", {})
    return {
        key: os.environ[key]
        for function in functions
        for key, value in function.environment.items()
        if isinstance(value, dict) and value.get("Ref") in parameters and os.environ.get(key)
    }


def forget_cached_configuration() -> None:
    """The service reads its settings once per process; a server started in a process that already
    served (a test session) must read them again, and so must one that runs after a server stopped (its
    DynamoDB and EventBridge endpoints are gone)."""
    from operations_api import settings, store
    from operations_api.events import publisher

    settings.get_settings.cache_clear()
    store.dynamodb_client.cache_clear()
    publisher.events_client.cache_clear()
    publisher.queue_client.cache_clear()


def answer(api: LocalApi, request: HttpRequest) -> HttpAnswer:
    """What API Gateway answers: its own 404 for a request no route takes (no function runs), the
    function's result mapped to HTTP, or its own 500 when the function fails."""
    path = urlsplit(request.target).path
    if api.change_events and (listed := api.change_events.answer(request.method, path)):
        return json_answer(*listed)
    found = api.match(request.method, path)
    if found is None:
        return json_answer(*NOT_FOUND)
    route, path_parameters = found
    try:
        return to_http(api.invoke(route, build_event(request, route, path_parameters)))
    except Exception as error:
        sys.stderr.write(f"{route.function_id} failed: {type(error).__name__}: {error}\n")
        return json_answer(*INTERNAL_ERROR)
