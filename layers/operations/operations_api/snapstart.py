"""Lambda SnapStart's runtime hooks: what a snapshot should hold, and what a restored copy must renew.

With SnapStart (the template's `SnapStart` parameter), Lambda initialises a version once, snapshots its
memory, and starts later environments from copies of that snapshot. So the snapshot should hold what
every request needs and is costly to make (the settings, the function's AWS client with its service model
and endpoint rules), and each restored copy must renew what may not be shared between copies or outlive the
pause: the random generator's state (every copy would draw the same numbers, botocore's retry jitter
included) and the client itself (made again from the snapshot's botocore session, `clients`: a fresh
connection pool and credentials resolved anew, the loaded models reused).

The hooks come from `snapshot_restore_py`, which Lambda's Python managed runtime provides; elsewhere
(locally, in tests) it is absent and `register_hooks` registers nothing.
"""

from __future__ import annotations

import random
from typing import Protocol

from operations_api.settings import get_settings, get_stage


class ClientFactory(Protocol):
    """A cached factory of one AWS client, such as `store.dynamodb_client` (functools' cache)."""

    def __call__(self) -> object: ...

    def cache_clear(self) -> None: ...


def before_snapshot(*clients: ClientFactory) -> None:
    """Make, during the snapshotted initialisation, what the first request would otherwise make."""
    get_settings()
    get_stage()
    for client in clients:
        client()


def after_restore(*clients: ClientFactory) -> None:
    """Renew what a copy of the snapshot shares with every other copy."""
    random.seed()  # from os.urandom: each restored copy draws its own numbers
    for client in clients:
        client.cache_clear()
        client()


def register_hooks(*clients: ClientFactory) -> bool:
    """Register the hooks for the function's clients with Lambda's runtime, where it offers them; say
    whether it did."""
    try:
        from snapshot_restore_py import (  # type: ignore[import-not-found]  # only in Lambda's runtime
            register_after_restore,
            register_before_snapshot,
        )
    except ImportError:
        return False
    register_before_snapshot(before_snapshot, *clients)
    register_after_restore(after_restore, *clients)
    return True
