"""The client's record types and summary are the server's (one definition, generated): a committed file
that differs from a fresh generation fails here, and the server's own records fit the client's types."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any, get_type_hints

import pytest
from pydantic import TypeAdapter
from pydantic import ValidationError as PydanticValidationError

from devtools import client_types
from operations_api.record import models
from operations_api.record import summary as server_summary
from operations_client import _record as client_record
from operations_client import _summary as client_summary
from operations_client._watching import cluster_state
from tests.support.environment import EVENTS
from tests.support.records import full_record, minimal_record


@pytest.mark.parametrize("target", [client_types.RECORD_TARGET, client_types.SUMMARY_TARGET], ids=str)
def test_the_committed_files_are_what_the_server_gives(target: Any) -> None:
    assert target.read_text(encoding="utf-8") == client_types.rendered()[target], (
        f"{target.name} is stale: run `make client-types`"
    )


def server_records() -> list[dict[str, Any]]:
    """Every valid record of the server's fixtures and tests."""
    bodies = [json.loads(path.read_text())["body"] for path in EVENTS.glob("put_operation*.json")]
    valid = [json.loads(body) for body in bodies if _is_valid(body)]
    return [*valid, full_record(), minimal_record(), minimal_record(target_clusters=None, response=None)]


def _is_valid(body: str) -> bool:
    try:
        models.RECORD.validate_json(body)
    except ValueError:
        return False
    return True


def client_types_for_pydantic() -> Any:
    """The client's _record.py as pydantic can read it on Python 3.11 (typing_extensions' TypedDict, the
    same source otherwise), every class closed to unknown keys as the server's are."""
    source = Path(client_record.__file__).read_text(encoding="utf-8")
    module = ModuleType("client_record_for_pydantic")
    sys.modules[module.__name__] = module  # where pydantic resolves the classes' postponed annotations
    try:
        exec(source.replace("from typing import", "from typing_extensions import"), vars(module))  # noqa: S102
        for value in vars(module).values():
            if isinstance(value, type) and hasattr(value, "__required_keys__"):
                value.__pydantic_config__ = {"extra": "forbid", "strict": True}  # type: ignore[attr-defined]
        return TypeAdapter(module.Operation)
    finally:
        del sys.modules[module.__name__]


def test_the_servers_records_fit_the_clients_types() -> None:
    adapter = client_types_for_pydantic()
    records = server_records()
    assert len(records) >= 4
    for record in records:
        assert adapter.validate_python(record, strict=True) == record


def test_the_clients_types_refuse_what_the_servers_refuse_by_type() -> None:
    adapter = client_types_for_pydantic()
    refused = [
        minimal_record(status="finished"),
        minimal_record(response={"status_code": "200", "body": ""}),
        minimal_record(request={"uri": "/x", "method": "GET", "body": ""}),
        minimal_record(target_clusters=[{"cluster_id": "a", "request": {"uri": "/", "method": "GET"}}]),
        minimal_record(colour="red"),
    ]
    for record in refused:
        with pytest.raises(PydanticValidationError):
            models.RECORD.validate_python(record)
        with pytest.raises(PydanticValidationError):
            adapter.validate_python(record)


def keys_of(cls: Any) -> dict[str, tuple[bool, str]]:
    """Each key of a TypedDict: whether it may be absent, and its type's name."""
    hints = get_type_hints(cls, include_extras=True)
    return {key: ("NotRequired" in repr(hint), _name(hint)) for key, hint in hints.items()}


def _name(hint: Any) -> str:
    text = repr(hint)
    for prefix in ("operations_api.record.models.", "operations_client._record.", "typing."):
        text = text.replace(prefix, "")
    return text


def test_every_class_has_the_servers_keys() -> None:
    for name in ("Operation", "TargetCluster", "Rollbacks", "RollbackCluster", "ClusterResponse"):
        server = {key: optional for key, (optional, _) in keys_of(getattr(models, name)).items()}
        client = {key: optional for key, (optional, _) in keys_of(getattr(client_record, name)).items()}
        assert client == server, name


def test_the_summary_is_the_servers() -> None:
    for record in server_records():
        assert client_summary.summarize(record) == server_summary.summarize(record)


def test_each_clusters_state_is_what_the_summary_counts() -> None:
    for record in server_records():
        clusters = record.get("target_clusters") or []
        states = [cluster_state(cluster) for cluster in clusters]
        counts = server_summary.count_clusters(clusters)
        assert {state: states.count(state) for state in ("succeeded", "failed", "pending")} == {
            state: counts[state] for state in ("succeeded", "failed", "pending")
        }
