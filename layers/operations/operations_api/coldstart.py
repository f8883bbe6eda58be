"""The cyclic garbage collector around a cold start, in one place: every handler does the same two things.

    from operations_api import coldstart

    with coldstart.collector_paused():  # no collection while the libraries load, then frozen
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

This module imports nothing but `gc`, so that collection pauses before anything else loads.
"""

from __future__ import annotations

import gc

TYPE_CHECKING = False  # not typing's: importing typing here would load it before collection pauses
if TYPE_CHECKING:
    from collections.abc import Callable
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
