"""SnapStart's hooks, called as Lambda calls them: before the snapshot, then after each restore."""

from __future__ import annotations

import random
import sys
import types
from collections.abc import Callable
from typing import Any

import pytest

from operations_api import snapstart, store
from tests.conftest import Invoke, get_event, load_function, minimal_record, put_event

Hook = Callable[[], None]


@pytest.fixture
def lambda_runtime(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[Hook]]:
    """Lambda's `snapshot_restore_py`, recording what registers with it (the real one is only in Lambda)."""
    registered: dict[str, list[Hook]] = {"before_snapshot": [], "after_restore": []}
    module = types.ModuleType("snapshot_restore_py")
    module.register_before_snapshot = registered["before_snapshot"].append  # type: ignore[attr-defined]
    module.register_after_restore = registered["after_restore"].append  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "snapshot_restore_py", module)
    return registered


def snapshot_and_restore(registered: dict[str, list[Hook]]) -> None:
    """Lambda runs the before-snapshot hooks in the reverse order of registration, the after-restore ones
    in the order of registration."""
    for hook in reversed(registered["before_snapshot"]):
        hook()
    for hook in registered["after_restore"]:
        hook()


def test_without_lambdas_runtime_nothing_is_registered_and_the_handlers_import() -> None:
    assert "snapshot_restore_py" not in sys.modules
    assert snapstart.register_hooks() is False


def test_each_handler_registers_the_hooks_when_it_is_imported(lambda_runtime: dict[str, list[Hook]]) -> None:
    for function in ("put_operation", "get_operation"):
        load_function(function)
    assert lambda_runtime == {
        "before_snapshot": [snapstart.before_snapshot] * 2,
        "after_restore": [snapstart.after_restore] * 2,
    }


def test_the_client_made_before_the_snapshot_is_renewed_after_restore_and_works(
    table: Any, put: Invoke, get: Invoke, lambda_runtime: dict[str, list[Hook]]
) -> None:
    assert snapstart.register_hooks() is True
    for hook in reversed(lambda_runtime["before_snapshot"]):
        hook()
    in_snapshot = store.dynamodb_client.cache_info()
    assert in_snapshot.currsize == 1, "the client is made before the snapshot"
    snapshotted_client = store.dynamodb_client()
    for hook in lambda_runtime["after_restore"]:
        hook()
    assert store.dynamodb_client() is not snapshotted_client, "a restored copy gets a client of its own"
    assert put(put_event(minimal_record()))["statusCode"] == 200
    assert get(get_event("op-1"))["statusCode"] == 200


def test_restored_copies_of_one_snapshot_draw_different_random_numbers(
    table: Any, lambda_runtime: dict[str, list[Hook]]
) -> None:
    snapstart.register_hooks()
    random.seed(7)  # the generator's state as the snapshot froze it
    frozen = random.getstate()
    draws = []
    for _ in range(2):  # two environments restored from the same snapshot
        random.setstate(frozen)
        snapshot_and_restore(lambda_runtime)
        draws.append(random.random())  # noqa: S311 (the generator botocore's retry jitter uses)
    random.setstate(frozen)
    without_hooks = random.random()  # noqa: S311
    assert len({*draws, without_hooks}) == 3
