"""Suite "events": the stream consumer's cold start against a bare PutEvents process, and its throughput on
a batch of 100 stream records against the same PutEvents calls made bare.

Measured as the API functions are (devtools/bench/cold.py): a fresh process imports the handler and handles
one batch (one record, one PutEvents call), against a fresh process that only imports boto3 and makes that
same call; interleaved pairs, ratios of medians. EventBridge is moto's server on loopback.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stdout
from pathlib import Path
from typing import Any, Final

from devtools.bench.fresh import (
    CLIENT_CREDENTIALS,
    CREDENTIALS,
    Environment,
    against_floor,
    environments,
    interleaved,
    moto_server,
    probe,
)
from devtools.local_events import creations

BUS: Final = "bench-events"
CONSUMER: Final = "PublishEventsFunction"


def measure(quick: bool) -> dict[str, Any]:
    pairs, records, batches = (1, 10, 2) if quick else (11, 100, 15)
    measured = [env for env in environments(quick) if "no bytecode" not in env.name]
    with local_eventbridge() as service, tempfile.TemporaryDirectory(prefix="bench-events-") as work:
        cold = [cold_start(env, service, Path(work), pairs, not quick) for env in measured]
        with redirect_stdout(io.StringIO()):  # the consumer's log lines are written, as on Lambda, not shown
            warm = throughput(records, batches)
    return {"pairs": pairs, "warm_batches": batches, "cold": cold, "warm": warm}


def entries_of(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The PutEvents entries the consumer makes of these records, creations each at sequence 1 (the floor
    sends the same)."""
    from operations_api.events import changes as change_events
    from operations_api.events import publisher

    changes = [change for record in records if (change := change_events.read_change(record))]
    return [publisher.entry(event) for change in changes for event in change_events.events_of(change, 1)]


def service_environment(endpoint: str) -> dict[str, str]:
    """What the consumer (and the floor) are configured with: the local EventBridge and the bench's bus."""
    return {
        "TABLE_NAME": "bench-operations",
        "EVENT_BUS_NAME": BUS,
        "EVENTS_ENDPOINT_URL": endpoint,
        "AWS_ENDPOINT_URL_EVENTBRIDGE": endpoint,  # the boto3 floor's (EventBridge is the service id)
    }


def cold_start(
    environment: Environment, service: dict[str, str], files: Path, pairs: int, count: bool
) -> dict[str, Any]:
    """Interleaved pairs of fresh processes: the consumer's first batch (one record), the floor's one call."""
    records = creations(1)
    (files / "batch.json").write_text(json.dumps({"Records": records}))
    call = {"service": "events", "operation": "put_events", "arguments": {"Entries": entries_of(records)}}
    (files / "entries.json").write_text(json.dumps(call))
    consumer = str(environment.function_root / CONSUMER)
    handler_args = probe("first_request", consumer, str(files / "batch.json"), "0")
    floor_args = probe("floor", str(files / "entries.json"))
    measured = against_floor(
        environment, handler_args, floor_args, environment.layer_paths, service, pairs, count
    )
    return {"environment": environment.name, **measured}


def throughput(count: int, batches: int) -> dict[str, Any]:
    """A batch of stream records through the consumer in this process, warm, against the same PutEvents
    calls made directly with the same client; and how many calls a batch takes."""
    from operations_api.events import publisher
    from tests.support.handlers import FakeLambdaContext, load_function

    consumer = load_function("publish_events")
    records = creations(count)
    sent: list[str] = []
    publisher.events_client().meta.events.register(
        "before-send.events.PutEvents", lambda **_: sent.append("call")
    )
    calls_per_batch = []

    def consume() -> float:
        sent.clear()
        started = time.perf_counter()
        consumer.lambda_handler({"Records": records}, FakeLambdaContext())
        elapsed = time.perf_counter() - started
        calls_per_batch.append(len(sent))
        return elapsed

    entries = entries_of(records)
    groups = list(publisher.calls(entries))
    client = publisher.events_client()

    def floor() -> float:
        started = time.perf_counter()
        for group in groups:
            client.put_events(Entries=[entries[index] for index in group])
        return time.perf_counter() - started

    consume()  # warm: the first batch's imports and connections are not what this measures
    timed = interleaved(batches, consume, floor)
    batch_seconds, floor_seconds = timed["first"], timed["second"]
    return {
        "ratio": timed["ratio"],
        "records": count,
        "batch_ms": batch_seconds * 1000,
        "floor_ms": floor_seconds * 1000,
        "events_per_second": count / batch_seconds,
        "floor_events_per_second": count / floor_seconds,
        "put_events_calls": max(calls_per_batch),
    }


@contextmanager
def local_eventbridge() -> Iterator[dict[str, str]]:
    """moto's server on loopback, with the bus; this process configured for it (service_environment), its
    cached settings and client forgotten (an earlier suite of the same run may have made them)."""
    from operations_api import settings
    from operations_api.events import publisher

    with moto_server() as endpoint:
        import boto3

        os.environ.update({**CREDENTIALS, **service_environment(endpoint)})
        settings.get_settings.cache_clear()
        publisher.events_client.cache_clear()
        boto3.client("events", endpoint_url=endpoint, **CLIENT_CREDENTIALS).create_event_bus(Name=BUS)
        yield service_environment(endpoint)
