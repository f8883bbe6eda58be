"""Configuration from environment variables, read once per process.

No `from __future__ import annotations` here: `Settings`' fields are then types, not strings that
`typing.NamedTuple` would compile one by one at every cold start (docs/design.md, "Named tuples, not
dataclasses, on a request's path").
"""

import os
from functools import lru_cache
from typing import Final, NamedTuple

# The template's ListShards default: the list index's partitions per status.
DEFAULT_LIST_SHARDS: Final = 4


class Settings(NamedTuple):
    table_name: str
    region: str
    dynamodb_endpoint_url: str | None
    client_connect_timeout_seconds: float
    client_read_timeout_seconds: float
    client_max_attempts: int
    list_shards: int
    retention_days: int
    event_bus_name: str = ""  # the change events' bus; only the stream consumer has it
    events_endpoint_url: str | None = None
    events_dead_letter_queue_url: str = ""  # where the loop sends an event EventBridge refused
    history_table_name: str = ""  # the history's table (operations_api/history/layout.py)
    fleet_table_name: str = ""  # the counts and operations by cluster (operations_api/fleet/layout.py)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Read the environment. Lambda sets AWS_REGION; the template sets TABLE_NAME.

    The DynamoDB client's budget (3 attempts of at most 0.5 s to connect and 1.5 s to read, plus standard
    retry backoff of at most 1 + 2 s) ends within 9 s, inside the functions' 10 s timeout, so a stuck store
    gives the caller a 503 problem rather than a Lambda timeout. The stream consumer's EventBridge client
    has the same budget per PutEvents call; EVENT_BUS_NAME (set by the template for it alone) names its bus.
    """
    table_name = os.environ.get("TABLE_NAME", "").strip()
    if not table_name:
        raise RuntimeError("TABLE_NAME is not set: it names the DynamoDB table of operations")
    return Settings(
        table_name=table_name,
        region=os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1",
        dynamodb_endpoint_url=os.environ.get("DYNAMODB_ENDPOINT_URL") or None,
        client_connect_timeout_seconds=float(os.environ.get("AWS_CLIENT_CONNECT_TIMEOUT", "0.5")),
        client_read_timeout_seconds=float(os.environ.get("AWS_CLIENT_READ_TIMEOUT", "1.5")),
        client_max_attempts=int(os.environ.get("AWS_CLIENT_MAX_ATTEMPTS", "3")),
        list_shards=_whole_number("LIST_SHARDS", default=DEFAULT_LIST_SHARDS, minimum=1),
        retention_days=_whole_number("RETENTION_DAYS", default=0, minimum=0),
        event_bus_name=os.environ.get("EVENT_BUS_NAME", "").strip(),
        events_endpoint_url=os.environ.get("EVENTS_ENDPOINT_URL") or None,
        events_dead_letter_queue_url=os.environ.get("EVENTS_DEAD_LETTER_QUEUE_URL", "").strip(),
        history_table_name=os.environ.get("HISTORY_TABLE_NAME", "").strip(),
        fleet_table_name=os.environ.get("FLEET_TABLE_NAME", "").strip(),
    )


@lru_cache(maxsize=1)
def get_stage() -> str:
    """The deployment stage (the template's Stage parameter, as STAGE): the metrics' one dimension.
    Apart from TABLE_NAME's settings, so a function without a table can count too."""
    return os.environ.get("STAGE", "").strip() or "local"


def _whole_number(name: str, *, default: int, minimum: int) -> int:
    """The list index's shard count and the retention period (template parameters ListShards and
    RetentionDays): a wrong value stops the function at once rather than mis-index or expire records."""
    text = os.environ.get(name, "").strip() or str(default)
    if not (text.isascii() and text.isdigit()) or int(text) < minimum:
        raise RuntimeError(f"{name} must be a whole number of at least {minimum}, not {text!r}")
    return int(text)
