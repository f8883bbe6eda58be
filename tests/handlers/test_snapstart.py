"""SnapStart's hooks, called as Lambda calls them: before the snapshot, then after each restore."""

from __future__ import annotations

import random
import sys
import types
from collections.abc import Callable
from functools import partial
from typing import Any

import pytest

from operations_api import snapstart, store
from operations_api.events import publisher
from tests.support.events import get_event, put_event
from tests.support.handlers import Invoke, load_function
from tests.support.records import minimal_record

Registered = dict[str, list[partial[None]]]


@pytest.fixture
def lambda_runtime(monkeypatch: pytest.MonkeyPatch) -> Registered:
    """Lambda's `snapshot_restore_py`, recording what registers with it (the real one is only in Lambda):
    like it, each register function takes the hook and the arguments to call it with."""
    registered: Registered = {"before_snapshot": [], "after_restore": []}

    def registrar(moment: str) -> Callable[..., None]:
        def register(hook: Callable[..., None], *args: Any) -> None:
            registered[moment].append(partial(hook, *args))

        return register

    module = types.ModuleType("snapshot_restore_py")
    module.register_before_snapshot = registrar("before_snapshot")  # type: ignore[attr-defined]
    module.register_after_restore = registrar("after_restore")  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "snapshot_restore_py", module)
    return registered


def snapshot(registered: Registered) -> None:
    """Lambda runs the before-snapshot hooks in the reverse order of registration."""
    for hook in reversed(registered["before_snapshot"]):
        hook()


def restore(registered: Registered) -> None:
    """And the after-restore hooks in the order of registration."""
    for hook in registered["after_restore"]:
        hook()


def test_without_lambdas_runtime_nothing_is_registered() -> None:
    assert "snapshot_restore_py" not in sys.modules
    assert snapstart.register_hooks(store.dynamodb_client) is False


@pytest.mark.parametrize(
    ("function", "clients"),
    [
        ("put_operation", (store.dynamodb_client,)),
        ("get_operation", (store.dynamodb_client,)),
        ("list_operations", (store.dynamodb_client,)),
        ("publish_events", (publisher.events_client, store.dynamodb_client)),
    ],
)
def test_each_handler_registers_the_hooks_for_its_clients_when_it_is_imported(
    lambda_runtime: Registered, function: str, clients: tuple[Any, ...]
) -> None:
    load_function(function)
    assert [(hook.func, hook.args) for hook in lambda_runtime["before_snapshot"]] == [
        (snapstart.before_snapshot, clients)
    ]
    assert [(hook.func, hook.args) for hook in lambda_runtime["after_restore"]] == [
        (snapstart.after_restore, clients)
    ]


def test_the_client_made_before_the_snapshot_is_renewed_after_restore_and_works(
    table: Any, put: Invoke, get: Invoke, lambda_runtime: Registered
) -> None:
    assert snapstart.register_hooks(store.dynamodb_client) is True
    snapshot(lambda_runtime)
    assert store.dynamodb_client.cache_info().currsize == 1, "the client is made before the snapshot"
    snapshotted_client = store.dynamodb_client()
    restore(lambda_runtime)
    assert store.dynamodb_client() is not snapshotted_client, "a restored copy gets a client of its own"
    assert put(put_event(minimal_record()))["statusCode"] == 200
    assert get(get_event("op-1"))["statusCode"] == 200


def test_restored_copies_of_one_snapshot_draw_different_random_numbers(
    table: Any, lambda_runtime: Registered
) -> None:
    snapstart.register_hooks(store.dynamodb_client)
    random.seed(7)  # the generator's state as the snapshot froze it
    snapshot(lambda_runtime)
    frozen = random.getstate()
    draws = []
    for _ in range(2):  # two environments restored from the same snapshot
        random.setstate(frozen)
        restore(lambda_runtime)
        draws.append(random.random())  # noqa: S311 (the generator botocore's retry jitter uses)
    random.setstate(frozen)
    without_hooks = random.random()  # noqa: S311
    assert len({*draws, without_hooks}) == 3
