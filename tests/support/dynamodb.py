"""A DynamoDB table of the template's shape on any endpoint, read directly, and the service pointed at it."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from operations_api import store

_table_numbers = itertools.count(1)

UseEndpoint = Callable[[str, str], None]  # (endpoint URL, table name): the service uses them from now on


def new_table_name() -> str:
    """A table name of its own, for a test that must not see another's records."""
    return f"operations-{next(_table_numbers)}"


@dataclass(frozen=True)
class DynamoTable:
    """A table of the template's shape, on some DynamoDB endpoint."""

    endpoint_url: str
    name: str
    client: Any

    def item(self, operation_id: str) -> dict[str, Any] | None:
        response = self.client.get_item(
            TableName=self.name, Key={"operation_id": {"S": operation_id}}, ConsistentRead=True
        )
        item: dict[str, Any] | None = response.get("Item")
        return item

    def record(self, operation_id: str) -> dict[str, Any] | None:
        """The stored record, as the service would read it back (without `_version`)."""
        stored = store.get_operation(operation_id)
        return stored.document if stored else None
