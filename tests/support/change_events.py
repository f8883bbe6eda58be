"""What the change-event tests share: the pipeline on moto (the table's real stream read with DynamoDB
Streams' API, the real consumer, a rule on the bus sending every event to an SQS queue), and the events'
JSON Schema, which every event received is checked against."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from functools import cache
from types import ModuleType
from typing import Any

import jsonschema_rs

from devtools.local_events import LocalBus, StreamReader
from tests.support.environment import ROOT, TABLE_NAME
from tests.support.handlers import FakeLambdaContext

BUS_NAME = "operations-events-test"
SCHEMA_PATH = ROOT / "docs" / "operation-event.schema.json"


@cache
def event_validator() -> Any:
    return jsonschema_rs.validator_for(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))


def schema_errors(event: dict[str, Any]) -> list[str]:
    return [error.message for error in event_validator().iter_errors(event)]


@dataclass
class Pipeline:
    """The stream, the consumer and a subscriber's queue, all on moto (inside the `table` fixture's mock)."""

    consumer: ModuleType
    reader: StreamReader = field(init=False)
    bus: LocalBus = field(init=False)
    responses: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.reader = StreamReader(None, TABLE_NAME)
        self.bus = LocalBus(None, BUS_NAME)

    def stream_records(self) -> list[dict[str, Any]]:
        """The stream's records since the last read, as Lambda delivers them."""
        return self.reader.read()

    def consume(self, records: list[dict[str, Any]]) -> dict[str, Any]:
        response: dict[str, Any] = self.consumer.lambda_handler({"Records": records}, FakeLambdaContext())
        self.responses.append(response)
        return response

    def received(self) -> list[dict[str, Any]]:
        """The events the subscriber's queue received since the last call, each checked by the schema."""
        events = self.bus.received()
        for event in events:
            assert schema_errors(event) == [], event
        return events

    def deliver(self) -> list[dict[str, Any]]:
        """Run the consumer on the stream's new records, as Lambda would; the events they made."""
        records = self.stream_records()
        if records:
            assert self.consume(records) == {"batchItemFailures": []}
        return self.received()


def use_bus(name: str = BUS_NAME) -> None:
    """The consumer's settings name this bus (none: ""), and its client is made afresh."""
    from operations_api import settings
    from operations_api.events import publisher

    if name:
        os.environ["EVENT_BUS_NAME"] = name
    else:
        os.environ.pop("EVENT_BUS_NAME", None)
    settings.get_settings.cache_clear()
    publisher.events_client.cache_clear()
