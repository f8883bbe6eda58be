"""Lambda SnapStart's runtime hooks: what a snapshot should hold, and what a restored copy must renew.

With SnapStart (the template's `SnapStart` parameter), Lambda initialises a version once, snapshots its
memory, and starts later environments from copies of that snapshot. So the snapshot should hold what
every request needs and is costly to make (the settings, the DynamoDB client with its service model and
endpoint rules), and each restored copy must renew what may not be shared between copies or outlive the
pause: the random generator's state (every copy would draw the same numbers, botocore's retry jitter
included) and the client itself (made again from the snapshot's session: a fresh connection pool and
credentials resolved anew, the loaded models reused).

The hooks come from `snapshot_restore_py`, which Lambda's Python managed runtime provides; elsewhere
(locally, in tests) it is absent and `register_hooks` registers nothing.
"""

from __future__ import annotations

import random

from operations_api import store
from operations_api.settings import get_settings, get_stage


def before_snapshot() -> None:
    """Make, during the snapshotted initialisation, what the first request would otherwise make."""
    get_settings()
    get_stage()
    store.dynamodb_client()


def after_restore() -> None:
    """Renew what a copy of the snapshot shares with every other copy."""
    random.seed()  # from os.urandom: each restored copy draws its own numbers
    store.dynamodb_client.cache_clear()
    store.dynamodb_client()


def register_hooks() -> bool:
    """Register the hooks with Lambda's runtime, where it offers them; say whether it did."""
    try:
        from snapshot_restore_py import (  # type: ignore[import-not-found]  # only in Lambda's runtime
            register_after_restore,
            register_before_snapshot,
        )
    except ImportError:
        return False
    register_before_snapshot(before_snapshot)
    register_after_restore(after_restore)
    return True
