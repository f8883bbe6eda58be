"""What the package offers (docs/client.md, "The library"): the names of `from operations_client import *`,
and no public module but the package and opsctl's entry point; the rest begins with an underscore."""

from __future__ import annotations

import importlib.util
import pkgutil
import re
from pathlib import Path

import pytest

import operations_client
from operations_client import cli

# pinned here, apart from operations_client.__all__: a name added or dropped there is a change of the API
PINNED = (
    "OperationsClient StoredRecord Page Operation RetryPolicy OperationsError ValidationError NotFoundError "
    "ConflictError Counts PreconditionFailedError UnavailableError CredentialsError WaitTimeout HistoryPage "
    "verify_history Verified HistoryMismatch"
)
PUBLIC_NAMES = sorted(PINNED.split())
CLIENT_DOC = Path(operations_client.__file__).parents[2] / "docs" / "client.md"


def test_a_star_import_gives_the_public_names() -> None:
    namespace: dict[str, object] = {}
    exec("from operations_client import *", namespace)  # noqa: S102  (a constant: what a user writes)
    assert sorted(name for name in namespace if name != "__builtins__") == PUBLIC_NAMES


def test_the_only_public_module_besides_the_package_is_opsctl_s_entry_point() -> None:
    modules = [info.name for info in pkgutil.walk_packages(operations_client.__path__, "operations_client.")]
    public = [name for name in modules if not any(part.startswith("_") for part in name.split("."))]
    assert public == ["operations_client.cli"]
    assert len(modules) > len(public), "the internal modules are found too"


def test_docs_client_md_names_each_public_name() -> None:
    shown = set(re.findall(r"`(\w+)`", CLIENT_DOC.read_text(encoding="utf-8")))
    assert [name for name in PUBLIC_NAMES if name not in shown] == []


def test_opsctl_without_its_packages_says_how_to_install_them(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    found = importlib.util.find_spec
    monkeypatch.setattr(f"{cli.__name__}.find_spec", lambda name: None if name == "rich" else found(name))
    with pytest.raises(SystemExit) as exited:
        cli.main()
    assert exited.value.code == 2
    told = capsys.readouterr()
    assert told.out == ""
    assert told.err == (
        "opsctl needs the client's cli extra (rich missing): "
        "pip install './client[cli]' (or 'operations-client[cli]')\n"
    )
