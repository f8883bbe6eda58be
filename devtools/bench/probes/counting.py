"""Who makes the source text a cold start compiles, for probes/first_request.py and probes/floor.py.

With bytecode shipped, a cold start only parses and compiles text made at run time. `install` wraps
compile(), exec() and eval() to count each call on a string, by kind (the function that made the text) and
by the module it was made for (the first caller outside the module that generates it: typing, dataclasses,
collections).
"""

import builtins
import collections
import sys
from collections.abc import Callable

KINDS = {
    "ForwardRef.__init__": "forward references",
    "namedtuple": "namedtuples",
    "_FuncBuilder.add_fns_to_class": "dataclasses",  # Python 3.13
    "_create_fn": "dataclasses",  # 3.12 and older
}
GENERATORS = ("typing.py", "typing_extensions.py", "dataclasses.py", "collections/__init__.py")


def install() -> dict[str, collections.Counter[str]]:
    """Count from now on; the counts, by kind then module, fill the returned dict as the process goes."""
    made: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)

    def counting(real: Callable[..., object]) -> Callable[..., object]:
        def call(source: object, *args: object, **kwargs: object) -> object:
            if isinstance(source, str | bytes):
                caller = sys._getframe(1)
                kind = KINDS.get(caller.f_code.co_qualname, "other")
                while caller.f_back is not None and caller.f_code.co_filename.endswith(GENERATORS):
                    caller = caller.f_back
                made[kind][caller.f_globals.get("__name__", "?")] += 1
            return real(source, *args, **kwargs)

        return call

    for name in ("compile", "exec", "eval"):
        setattr(builtins, name, counting(getattr(builtins, name)))
    return made
