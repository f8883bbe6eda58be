"""The garbage collector around a cold start (operations_api/coldstart.py): paused while a handler imports,
then what the imports and the first request made frozen, and collection always resumed."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from operations_api import coldstart


@pytest.fixture(autouse=True)
def collector_as_it_was() -> Iterator[None]:
    yield
    gc.unfreeze()
    gc.enable()


def test_collection_pauses_inside_the_block_then_resumes_with_what_it_made_frozen() -> None:
    frozen_before = gc.get_freeze_count()
    with coldstart.collector_paused():
        assert not gc.isenabled()
        made = [[index] for index in range(1000)]
    assert gc.isenabled()
    assert gc.get_freeze_count() >= frozen_before + len(made)


def test_an_import_that_raises_leaves_collection_on_and_freezes_nothing() -> None:
    frozen_before = gc.get_freeze_count()
    with pytest.raises(ModuleNotFoundError), coldstart.collector_paused():
        import a_module_that_does_not_exist  # type: ignore[import-not-found]  # noqa: F401
    assert gc.isenabled()
    assert gc.get_freeze_count() == frozen_before


def test_what_the_first_request_made_is_frozen_once_even_when_it_fails() -> None:
    served: list[int] = []

    @coldstart.freeze_after_first_request
    def handler(request: int) -> int:
        served.append(request)
        if request == 1:
            raise RuntimeError("the first request failed")
        return request

    with pytest.raises(RuntimeError):
        handler(1)
    frozen_by_first = gc.get_freeze_count()
    assert frozen_by_first > 0
    gc.unfreeze()
    assert handler(2) == 2
    assert gc.get_freeze_count() == 0, "only the first request freezes"
    assert served == [1, 2]
