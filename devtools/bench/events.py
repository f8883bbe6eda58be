"""Suite "events": the history loop's cold start and warm throughput against the same PutEvents calls made
bare, and its requests per record, on moto's server. docs/performance.md, "Change events", says how."""

from __future__ import annotations

import io
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stdout
from pathlib import Path
from typing import Any, Final

import boto3

from devtools.bench.cold import Processes
from devtools.bench.fresh import (
    TABLE,
    Requests,
    against_floors,
    clocked,
    dynamodb_service,
    environments,
    interleaved,
    local_dynamodb,
    probe,
    reset_moto,
    use_services,
)
from devtools.lambda_runtime import ensure_tables
from devtools.local_events import creations

BUS: Final = "bench-events"
CONSUMER: Final = "PublishEventsFunction"


def measure(quick: bool) -> dict[str, Any]:
    pairs, records, batches = (1, 10, 2) if quick else (11, 100, 15)
    measured = [env for env in environments(quick) if "no bytecode" not in env.name]
    with local_eventbridge() as service, tempfile.TemporaryDirectory(prefix="bench-events-") as work:
        cold = [cold_start(Processes(env, service, Path(work)), pairs, not quick) for env in measured]
        with redirect_stdout(io.StringIO()):  # the consumer's log lines are written, as on Lambda, not shown
            warm = throughput(records, batches, service["DYNAMODB_ENDPOINT_URL"])
    return {"pairs": pairs, "warm_batches": batches, "cold": cold, "warm": warm}


def entries_of(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The PutEvents entries the consumer makes of these records, creations each at sequence 1 (the floor
    sends the same)."""
    from operations_api.events import changes as change_events
    from operations_api.events import publisher

    changes = [change for record in records if (change := change_events.read_change(record))]
    return [publisher.entry(event) for change in changes for event in change_events.events_of(change, 1)]


def cold_start(processes: Processes, pairs: int, count: bool) -> dict[str, Any]:
    """Interleaved pairs of fresh processes: the consumer's first batch (one record), the floor's one call."""
    records = creations(1)
    call = {
        "service": "events",
        "calls": [{"operation": "put_events", "arguments": {"Entries": entries_of(records)}}],
    }
    consumer = str(processes.environment.function_root / CONSUMER)
    batch = processes.written("batch", {"Records": records})
    handler = processes.fresh(probe("first_request", consumer, batch, "0"))
    floor = processes.fresh(probe("floor", processes.written("entries", call)))
    return {
        "environment": processes.environment.name,
        **against_floors(handler, {"floor": floor}, pairs, count),
    }


def throughput(count: int, batches: int, endpoint: str) -> dict[str, Any]:
    """A batch of stream records (creations of new operations: each one history entry) through the loop in
    this process, warm, against the same PutEvents calls made directly with the same client; how many
    PutEvents calls a batch takes, and how many DynamoDB requests a record. Each batch finds moto emptied
    (untimed): moto's TransactWriteItems deep-copies every table it writes, so on tables that kept every
    earlier batch's entries each batch took longer than the one before."""
    from operations_api import store
    from operations_api.events import publisher
    from tests.support.handlers import FakeLambdaContext, load_function

    consumer = load_function("publish_events")
    batch_numbers = iter(range(1_000_000))
    client = publisher.events_client()
    sent, stored = Requests(client, "events"), Requests(store.dynamodb_client())
    calls_per_batch, requests_per_record = [], []

    def consume() -> float:
        emptied(endpoint)
        sent.reset()
        stored.reset()
        fresh = creations(count, prefix=f"b{next(batch_numbers)}")  # new operations: nothing redelivered
        started = time.perf_counter()
        answer = consumer.lambda_handler({"Records": fresh}, FakeLambdaContext())
        elapsed = (time.perf_counter() - started) * 1000
        if answer["batchItemFailures"]:
            raise RuntimeError(f"the loop held back part of a batch: {answer}")
        calls_per_batch.append(sent.count)
        requests_per_record.append(stored.count / count)
        return elapsed

    entries = entries_of(creations(count))
    groups = [[entries[index] for index in group] for group in publisher.calls(entries)]

    def floor() -> None:
        for group in groups:
            client.put_events(Entries=group)

    consume()  # warm: the first batch's imports and connections are not what this measures
    timed = interleaved(batches, consume, clocked(floor))
    return {
        "ratio": timed["ratio"],
        "records": count,
        "batch_ms": timed["first"],
        "floor_ms": timed["second"],
        "events_per_second": count / timed["first"] * 1000,
        "floor_events_per_second": count / timed["second"] * 1000,
        "put_events_calls": max(calls_per_batch),
        "dynamodb_requests_per_record": max(requests_per_record),
    }


@contextmanager
def local_eventbridge() -> Iterator[dict[str, str]]:
    """moto's server on loopback, with the bus and the template's tables (the loop writes the history);
    this process configured for it: what the loop (and the floor) are configured with."""
    with local_dynamodb("moto") as (endpoint, _):
        service = {
            **dynamodb_service(endpoint),
            "EVENT_BUS_NAME": BUS,
            "EVENTS_ENDPOINT_URL": endpoint,
            "AWS_ENDPOINT_URL_EVENTBRIDGE": endpoint,  # the boto3 floor's (EventBridge is the service id)
            # moto answers in this busy process: a transaction past the loop's 1.5 s would be sent again,
            # find its own first write, and hold the rest of the batch back
            "AWS_CLIENT_READ_TIMEOUT": "60",
        }
        use_services(**service)
        emptied(endpoint)
        yield {"TABLE_NAME": TABLE, **service}


def emptied(endpoint: str) -> None:
    """moto as local_eventbridge made it: emptied (reset_moto), then the template's tables and the bus."""
    reset_moto(endpoint)
    ensure_tables(boto3.client("dynamodb", endpoint_url=endpoint), TABLE)
    boto3.client("events", endpoint_url=endpoint).create_event_bus(Name=BUS)
