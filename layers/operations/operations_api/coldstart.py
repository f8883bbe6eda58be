"""What a cold start does before a handler's first line, in one place: every API handler does the same three
things.

    from operations_api import coldstart

    with coldstart.collector_paused():  # no collection while the libraries load, then frozen
        coldstart.lean_imports()  # Powertools' event handler without its package's every resolver
        from aws_lambda_powertools... import ...
        from operations_api import api, service

    @coldstart.freeze_after_first_request  # what the first request built (the DynamoDB client) too
    def lambda_handler(event, context): ...

Importing a handler's libraries makes tens of thousands of objects that live as long as the process;
collecting while they are made only rescans them, and every later full collection would rescan them again
(what that costs a large PUT: docs/performance.md). So collection pauses while the handler imports, what
the imports made is frozen out of the collector's reach (`gc.freeze`), and so is what the first request
builds once.
Later garbage is collected as usual. What each step saves: docs/performance.md,
"Optimisations, each measured".

`lean_imports` keeps the import set to what a request uses: `aws_lambda_powertools`' `__init__` imports
Metrics and Tracer, which no handler uses, `metrics`' the `Metrics` class where `operations_api.metrics`
uses its EMF provider, `event_handler`'s every resolver (AppSync and asyncio, Bedrock, VPC Lattice...)
where the handlers use only `api_gateway`'s, and `utilities.data_classes`' every event class where the
resolver uses six. Such a package is put in `sys.modules` from its installed spec with its `__init__`
deferred: its submodules load from their own, unmodified files, and a name the `__init__` re-exports is
taken, when first asked for, from the submodule its `__init__` names (a later `from
aws_lambda_powertools.event_handler import AppSyncResolver` works as ever); the functions the top
package's `__init__` calls (its logger's handler, its User-Agent for botocore) are called at once. Why
this and not an edited copy: docs/design.md, "Powertools' packages without their `__init__`".

This module imports nothing but `gc` and `sys`, so that collection pauses before anything else loads.
"""

from __future__ import annotations

import gc
import sys

TYPE_CHECKING = False  # not typing's: importing typing here would load it before collection pauses
if TYPE_CHECKING:
    import _ast
    from collections.abc import Callable
    from importlib.abc import Loader
    from types import CodeType, ModuleType
    from typing import ParamSpec, TypeVar

    Arguments = ParamSpec("Arguments")
    Result = TypeVar("Result")


class CollectorPaused:
    """No cyclic collection inside the block; on leaving it, what the block made is frozen and collection
    resumes. An import that raises leaves collection on and freezes nothing."""

    def __enter__(self) -> None:
        gc.disable()

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        if kind is None:
            gc.freeze()
        gc.enable()


def collector_paused() -> CollectorPaused:
    return CollectorPaused()


def freeze_after_first_request(handler: Callable[Arguments, Result]) -> Callable[Arguments, Result]:
    """The handler, freezing once, after its first request, what that request built to be reused (the
    DynamoDB client, what the resolver builds on first use). A frozen object is never collected, so the
    few cycles of garbage pending at that moment stay, once."""
    first = [True]

    def serving(*args: Arguments.args, **kwargs: Arguments.kwargs) -> Result:
        try:
            return handler(*args, **kwargs)
        finally:
            if first:
                first.clear()
                gc.freeze()

    return serving


# Packages whose `__init__` only re-exports its submodules' names (and, for the top one, calls two of them),
# far more of them than a handler uses. Parents first: each is deferred before its children are imported.
DEFERRED_PACKAGES = (
    "aws_lambda_powertools",
    "aws_lambda_powertools.metrics",
    "aws_lambda_powertools.event_handler",
    "aws_lambda_powertools.utilities.data_classes",
)


def lean_imports() -> None:
    """Put each of DEFERRED_PACKAGES in `sys.modules` with its `__init__` deferred (unless already
    imported). Call it before importing anything from them."""
    for name in DEFERRED_PACKAGES:
        if name not in sys.modules:
            defer_package_init(name)


def defer_package_init(name: str) -> ModuleType:
    """The installed package `name` as a module made from its own spec, not executed: its submodules load
    from the installed files through its `__path__`; a name it re-exports is taken from the submodule
    that defines it (DeferredInit). The functions its `__init__` calls (Powertools' own logger set up, its
    User-Agent registered with botocore) are called now, in order, as the `__init__` would."""
    import importlib.machinery  # here, not at the top: after the collector pauses
    import importlib.util

    parent_name, _, child = name.rpartition(".")
    parent = importlib.import_module(parent_name) if parent_name else None
    spec = importlib.machinery.PathFinder.find_spec(name, parent.__path__ if parent else None)
    if spec is None or spec.loader is None or spec.submodule_search_locations is None:
        raise ImportError(f"{name} is not an installed package", name=name)
    package = importlib.util.module_from_spec(spec)
    deferred = DeferredInit(package, spec.loader)
    package.__getattr__ = deferred  # type: ignore[method-assign]
    sys.modules[name] = package
    if parent:
        setattr(parent, child, package)
    for called in deferred.init.calls if deferred.init else ():
        getattr(package, called)()
    return package


class DeferredInit:
    """A deferred package's module `__getattr__` (PEP 562), called only for a name it does not hold yet.

    A name its `__init__` imports from a submodule is that submodule's (imported on first use); a
    submodule is imported as the import system would; anything else (`__all__`, a name the `__init__`
    makes itself, or every name if it does more than re-export, assign and call) runs the rest of the
    `__init__`, once: every statement but the calls already made."""

    def __init__(self, package: ModuleType, loader: Loader) -> None:
        self.package, self.loader = package, loader
        self.init = read_init(package.__name__, loader)

    def __call__(self, attribute: str) -> object:
        import importlib.machinery

        made_here = attribute == "__all__" or (self.init is not None and attribute in self.init.assigned)
        if attribute.startswith("__") and not made_here:
            raise AttributeError(attribute)  # the import system's probes (__warningregistry__...)
        if self.init is not None and attribute in self.init.exports:
            module, original = self.init.exports[attribute]
            value: object = getattr(importlib.import_module(module), original)
            setattr(self.package, attribute, value)
            return value
        submodule = f"{self.package.__name__}.{attribute}"
        if importlib.machinery.PathFinder.find_spec(submodule, self.package.__path__) is not None:
            return importlib.import_module(submodule)
        del self.package.__getattr__
        if self.init is None or not self.init.calls:
            self.loader.exec_module(self.package)
        else:
            exec(self.init.rest(), vars(self.package))  # noqa: S102  # the package's own source, less its calls
        return getattr(self.package, attribute)


class ReadInit:
    """What a package's `__init__` does, read from its installed source: the names it re-exports, each
    with the (module, name) it comes from; the re-exported functions it calls without arguments, in
    order; and its other statements (assignments), compiled without the calls when first needed."""

    def __init__(self, tree: _ast.Module, origin: str) -> None:
        self.tree, self.origin = tree, origin
        self.exports: dict[str, tuple[str, str]] = {}
        self.calls: list[str] = []
        self.assigned: set[str] = set()  # the names its assignments make (`__all__`, `__version__`...)

    def rest(self) -> CodeType:
        """The `__init__`'s code without the calls already made."""
        import _ast

        body = [statement for statement in self.tree.body if called_name(statement) is None]
        return compile(_ast.Module(body=body, type_ignores=[]), self.origin, "exec")


def read_init(package: str, loader: Loader) -> ReadInit | None:
    """What the package's `__init__` does (ReadInit); None unless it holds only a docstring, `from ...
    import` statements, assignments to names and calls of the functions it imports, without arguments
    (what each deferred package's holds is pinned by tests/perf/test_lean_imports.py). `_ast` is built in:
    reading costs no import."""
    import _ast

    source = loader.get_source(package) if hasattr(loader, "get_source") else None
    if source is None:
        return None
    origin = getattr(loader, "path", package)
    tree = compile(source, origin, "exec", _ast.PyCF_ONLY_AST)
    if not isinstance(tree, _ast.Module):
        return None
    init = ReadInit(tree, origin)
    for statement in tree.body:
        called = called_name(statement)
        if isinstance(statement, _ast.ImportFrom) and all(alias.name != "*" for alias in statement.names):
            module = absolute_module(package, statement.level, statement.module)
            init.exports |= {alias.asname or alias.name: (module, alias.name) for alias in statement.names}
        elif called is not None and called in init.exports:
            init.calls.append(called)
        elif isinstance(statement, _ast.Assign) and assigned_names(statement):
            init.assigned |= set(assigned_names(statement))
        elif not docstring(statement):
            return None
    return init


def absolute_module(package: str, level: int, module: str | None) -> str:
    """The module a package's `from <level dots><module> import` names."""
    if not level:
        return module or package
    base = package.rsplit(".", level - 1)[0] if level > 1 else package
    return f"{base}.{module}" if module else base


def called_name(statement: _ast.stmt) -> str | None:
    """The name a statement `name()` calls, without arguments; None for any other statement."""
    import _ast

    if not isinstance(statement, _ast.Expr) or not isinstance(statement.value, _ast.Call):
        return None
    call = statement.value
    if call.args or call.keywords or not isinstance(call.func, _ast.Name):
        return None
    return call.func.id


def assigned_names(statement: _ast.Assign) -> list[str]:
    """The names `a = b = ...` assigns; empty if any target is not a plain name."""
    import _ast

    names = [target.id for target in statement.targets if isinstance(target, _ast.Name)]
    return names if len(names) == len(statement.targets) else []


def docstring(statement: _ast.stmt) -> bool:
    import _ast

    value = statement.value if isinstance(statement, _ast.Expr) else None
    return isinstance(value, _ast.Constant) and isinstance(value.value, str)
