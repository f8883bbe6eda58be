"""Suite "events": the stream consumer's cold start against a bare PutEvents process (measured as the API
functions' are, with the same probes), and its throughput on a batch of stream records against the same
PutEvents calls made bare; EventBridge is moto's server on loopback.
"""

from __future__ import annotations

import io
import json
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stdout
from pathlib import Path
from typing import Any, Final

import boto3

from devtools.bench.fresh import (
    TABLE,
    Environment,
    Fresh,
    against_floor,
    clocked,
    environments,
    interleaved,
    moto_server,
    probe,
    use_services,
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
    """The PutEvents entries the consumer makes of these records (the floor sends the same)."""
    from operations_api.events import changes as change_events
    from operations_api.events import publisher

    return [publisher.entry(event) for record in records if (event := change_events.change_event(record))]


def cold_start(
    environment: Environment, service: dict[str, str], files: Path, pairs: int, count: bool
) -> dict[str, Any]:
    """Interleaved pairs of fresh processes: the consumer's first batch (one record), the floor's one call."""
    records = creations(1)
    (files / "batch.json").write_text(json.dumps({"Records": records}))
    call = {"service": "events", "operation": "put_events", "arguments": {"Entries": entries_of(records)}}
    (files / "entries.json").write_text(json.dumps(call))
    consumer = str(environment.function_root / CONSUMER)
    python, path = environment.python, environment.layer_paths
    handler = Fresh(python, probe("first_request", consumer, str(files / "batch.json"), "0"), path, service)
    floor = Fresh(python, probe("floor", str(files / "entries.json")), path, service)
    return {"environment": environment.name, **against_floor(handler, floor, pairs, count)}


def throughput(count: int, batches: int) -> dict[str, Any]:
    """A batch of stream records through the consumer in this process, warm, against the same PutEvents
    calls made directly with the same client; and how many calls a batch takes."""
    from operations_api.events import publisher
    from tests.support.handlers import FakeLambdaContext, load_function

    consumer = load_function("publish_events")
    records = creations(count)
    sent: list[int] = []
    publisher.events_client().meta.events.register("before-send.events.PutEvents", lambda **_: sent.append(0))
    calls_per_batch = []

    def consume() -> None:
        sent.clear()
        consumer.lambda_handler({"Records": records}, FakeLambdaContext())
        calls_per_batch.append(len(sent))

    entries = entries_of(records)
    groups = [[entries[index] for index in group] for group in publisher.calls(entries)]

    client = publisher.events_client()

    def floor() -> None:
        for group in groups:
            client.put_events(Entries=group)

    consume()  # warm: the first batch's imports and connections are not what this measures
    timed = interleaved(batches, clocked(consume), clocked(floor))
    return {
        "ratio": timed["ratio"],
        "records": count,
        "batch_ms": timed["first"],
        "floor_ms": timed["second"],
        "events_per_second": count / timed["first"] * 1000,
        "floor_events_per_second": count / timed["second"] * 1000,
        "put_events_calls": max(calls_per_batch),
    }


@contextmanager
def local_eventbridge() -> Iterator[dict[str, str]]:
    """moto's server on loopback, with the bus; this process configured for it: what the consumer (and the
    floor) are configured with."""
    with moto_server() as endpoint:
        service = {
            "EVENT_BUS_NAME": BUS,
            "EVENTS_ENDPOINT_URL": endpoint,
            "AWS_ENDPOINT_URL_EVENTBRIDGE": endpoint,  # the boto3 floor's (EventBridge is the service id)
        }
        use_services(**service)
        boto3.client("events", endpoint_url=endpoint).create_event_bus(Name=BUS)
        yield {"TABLE_NAME": TABLE, **service}
