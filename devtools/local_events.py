"""`make run`'s change events: the local table's stream followed, the real consumer run on its records, and
each event it published shown in the server's log and at GET /_local/events.

The stream is read with DynamoDB Streams' own API (moto implements it; so does DynamoDB Local, dynalite does
not: then the server says so once and serves on without events). Its records are handed, as Lambda would
hand them, to the template's stream consumer (`PublishEventsFunction`), whose PutEvents go to moto's
EventBridge, where a rule on the bus sends every event to an SQS queue that this module reads: what is
listed is what a subscriber would have received. Reading catches up before it answers, so the events of a
PUT that has been answered are listed at once.
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

import botocore.session
from botocore.client import BaseClient
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from devtools.lambda_runtime import LOCAL_REGION, local_event_bus_name
from devtools.template import ROOT, load_template

EVENTS_PATH: Final = "/_local/events"
KEPT_EVENTS: Final = 100
POLL_SECONDS: Final = 0.25
QUEUE_NAME: Final = "operations-api-local-events"
RULE_NAME: Final = "operations-api-local-all"
# Every call bounded, so that the follower's poll under way ends soon after the server is told to stop.
CLIENT_CONFIG: Final = Config(
    connect_timeout=5, read_timeout=30, retries={"mode": "standard", "total_max_attempts": 3}
)
# moto 5.2 answers DynamoDB Streams on its classic endpoint only, not on the account-based one newer
# botocore picks when the stream's ARN names an account.
STREAMS_CONFIG: Final = CLIENT_CONFIG.merge(Config(account_id_endpoint_mode="disabled"))

Invoke = Callable[[str, dict[str, Any]], Any]


def client(service: str, endpoint_url: str | None) -> BaseClient:
    config = STREAMS_CONFIG if service == "dynamodbstreams" else CLIENT_CONFIG
    return botocore.session.get_session().create_client(
        service,
        region_name=os.environ.get("AWS_REGION", LOCAL_REGION),
        endpoint_url=endpoint_url,
        config=config,
    )


def consumer_function_id() -> str:
    """The template's function that an event source mapping feeds from the table's stream."""
    for name, resource in load_template().resources.items():
        events = resource.get("Properties", {}).get("Events", {}).values()
        if resource.get("Type") == "AWS::Serverless::Function" and any(
            event.get("Type") == "DynamoDB" for event in events
        ):
            return name
    raise LookupError("template.yaml has no function fed by the table's stream")


def lambda_records(records: list[dict[str, Any]], stream_arn: str) -> list[dict[str, Any]]:
    """Stream records as GetRecords returns them (botocore parses times), as Lambda delivers them: times in
    epoch seconds, and the stream's ARN."""
    delivered = []
    for record in records:
        change = dict(record["dynamodb"])
        created = change.get("ApproximateCreationDateTime")
        if isinstance(created, datetime):
            change["ApproximateCreationDateTime"] = created.timestamp()
        delivered.append({**record, "dynamodb": change, "eventSourceARN": stream_arn})
    return delivered


def creations(count: int, prefix: str = "op") -> list[dict[str, Any]]:
    """`count` creations of distinct operations (`<prefix>-000`…), as Lambda delivers them: the insert
    fixture of events/ under other ids and sequence numbers (for tests and the benchmark)."""
    fixture = json.loads((ROOT / "events" / "dynamodb_stream_insert.json").read_text(encoding="utf-8"))
    (template,) = fixture["Records"]
    records = []
    for index in range(count):
        record = copy.deepcopy(template)
        operation_id = {"S": f"{prefix}-{index:03d}"}
        record["dynamodb"]["Keys"]["operation_id"] = record["dynamodb"]["NewImage"]["operation_id"] = (
            operation_id
        )
        record["dynamodb"]["SequenceNumber"] = str(1000 + index)
        records.append(record)
    return records


class StreamReader:
    """A table's stream, each shard read from its start (TRIM_HORIZON, as the template's mapping)."""

    def __init__(self, dynamodb_endpoint: str | None, table_name: str) -> None:
        table = client("dynamodb", dynamodb_endpoint).describe_table(TableName=table_name)["Table"]
        self.stream_arn: str | None = table.get("LatestStreamArn")
        self.streams = client("dynamodbstreams", dynamodb_endpoint)
        self.iterators: dict[str, str | None] = {}

    def read(self) -> list[dict[str, Any]]:
        """The records written since the last read, in Lambda's format."""
        if self.stream_arn is None:
            return []
        description = self.streams.describe_stream(StreamArn=self.stream_arn)["StreamDescription"]
        records: list[dict[str, Any]] = []
        for shard in description["Shards"]:
            shard_id = shard["ShardId"]
            if shard_id not in self.iterators:
                self.iterators[shard_id] = self.streams.get_shard_iterator(
                    StreamArn=self.stream_arn, ShardId=shard_id, ShardIteratorType="TRIM_HORIZON"
                )["ShardIterator"]
            iterator = self.iterators[shard_id]
            if iterator is None:  # a closed shard, read to its end
                continue
            answer = self.streams.get_records(ShardIterator=iterator)
            self.iterators[shard_id] = answer.get("NextShardIterator")
            records.extend(answer["Records"])
        return lambda_records(records, self.stream_arn)


class LocalBus:
    """The bus on a local EventBridge, with a rule that sends each of its events to a queue read here."""

    def __init__(self, endpoint_url: str | None, bus_name: str) -> None:
        events, self.sqs = client("events", endpoint_url), client("sqs", endpoint_url)
        with contextlib.suppress(events.exceptions.ResourceAlreadyExistsException):
            events.create_event_bus(Name=bus_name)
        self.queue_url = self.sqs.create_queue(QueueName=QUEUE_NAME)["QueueUrl"]
        attributes = self.sqs.get_queue_attributes(QueueUrl=self.queue_url, AttributeNames=["QueueArn"])
        events.put_rule(
            Name=RULE_NAME, EventBusName=bus_name, EventPattern=json.dumps({"source": ["operations-api"]})
        )
        target = {"Id": "local-list", "Arn": attributes["Attributes"]["QueueArn"]}
        events.put_targets(Rule=RULE_NAME, EventBusName=bus_name, Targets=[target])

    def received(self) -> list[dict[str, Any]]:
        """The events delivered to the queue since the last call (each taken off the queue)."""
        return drain(self.sqs, self.queue_url)


def drain(sqs: BaseClient, queue_url: str) -> list[dict[str, Any]]:
    """The JSON bodies of a queue's messages, each taken off the queue, in the order received."""
    bodies: list[dict[str, Any]] = []
    while messages := sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages"):
        for message in messages:
            bodies.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    return bodies


@dataclass
class LocalEvents:
    """Follows the stream in a background thread; `catch_up` also runs on each GET /_local/events."""

    reader: StreamReader
    bus: LocalBus
    invoke: Invoke
    consumer_id: str
    events: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=KEPT_EVENTS))
    stopping: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    held_back: list[dict[str, Any]] = field(default_factory=list)  # handed to the consumer again, first
    said_held: str | None = None  # the stream sequence number of the record last said to be held back

    def catch_up(self) -> None:
        with self.lock:
            records = [*self.held_back, *self.reader.read()]
            self.held_back = self._consume(records) if records else []
            for event in self.bus.received():
                self.events.append(event)
                print(describe(event), file=sys.stderr, flush=True)

    def _consume(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Run the consumer once on the records; what it must be handed again, before any later record.
        As Lambda's event source mapping: the first record it reported failed and every one after it, or
        the whole batch when the invocation failed; never skipped."""
        try:
            result = self.invoke(self.consumer_id, {"Records": records})
        except Exception as error:  # the whole batch failed (the consumer raises then)
            return self._held_back(records, type(error).__name__)
        failed = {failure["itemIdentifier"] for failure in (result or {}).get("batchItemFailures") or []}
        if not failed:
            self.said_held = None
            return []
        first = next((i for i, record in enumerate(records) if sequence_number(record) in failed), 0)
        return self._held_back(records[first:], f"{len(failed)} reported failed")

    def _held_back(self, records: list[dict[str, Any]], why: str) -> list[dict[str, Any]]:
        """Said once per record that holds the others back, not at every poll."""
        if sequence_number(records[0]) != self.said_held:
            self.said_held = sequence_number(records[0])
            print(
                f"events: {len(records)} records held back ({why}); handed to {self.consumer_id} again "
                "until it takes them, as Lambda retries them",
                file=sys.stderr,
                flush=True,
            )
        return records

    def follow(self) -> None:
        while not self.stopping.wait(POLL_SECONDS):
            try:
                self.catch_up()
            except (ClientError, BotoCoreError) as error:
                print(f"events: {type(error).__name__}: {error}", file=sys.stderr)

    def answer(self, method: str, path: str) -> tuple[int, dict[str, Any]] | None:
        """GET /_local/events: the last events published, oldest first. None: not this module's path."""
        if path.rstrip("/") != EVENTS_PATH:
            return None
        if method != "GET":
            return 405, {"message": "Method Not Allowed"}
        self.catch_up()
        return 200, {"events": list(self.events)}


def sequence_number(record: dict[str, Any]) -> str:
    """A stream record's own position in its shard: Lambda's `itemIdentifier` of a record reported failed."""
    return str(record.get("dynamodb", {}).get("SequenceNumber", ""))


def describe(event: dict[str, Any]) -> str:
    detail = event.get("detail", {})
    return (
        f"event {event.get('detail-type')}: {detail.get('operation_id')} {detail.get('status')} "
        f"(was {detail.get('previous_status')}), version {detail.get('version')}"
    )


def start(
    invoke: Invoke, dynamodb_endpoint: str, table_name: str
) -> tuple[LocalEvents | None, Callable[[], None]]:
    """Follow the table's stream (if it has one) and publish on a local bus; the follower and its stop."""
    try:
        reader = StreamReader(dynamodb_endpoint, table_name)
        if reader.stream_arn is None:
            raise LookupError("the table has no stream")
        reader.read()  # the endpoint answers DynamoDB Streams
    except (ClientError, BotoCoreError, LookupError) as error:
        print(f"events: {dynamodb_endpoint} gives no stream of {table_name!r} ({error}): no change events",
              file=sys.stderr)  # fmt: skip
        return None, lambda: None
    serialise_moto_stream_writes()
    events_endpoint, stop_server = _local_eventbridge(dynamodb_endpoint)
    os.environ["EVENTS_ENDPOINT_URL"] = events_endpoint
    _forget_cached_events_client()
    follower = LocalEvents(
        reader, LocalBus(events_endpoint, local_event_bus_name()), invoke, consumer_function_id()
    )
    thread = threading.Thread(target=follower.follow, name="local-events", daemon=True)
    thread.start()

    def stop() -> None:
        """Once the poll under way is done: each of its calls is bounded (CLIENT_CONFIG, the consumer's)."""
        follower.stopping.set()
        thread.join()
        stop_server()

    return follower, stop


@contextmanager
def shown_after_invoke(function_id: str, dynamodb_endpoint: str) -> Iterator[None]:
    """`make invoke` of the stream consumer: a local bus for it to publish on, and what a rule on that bus
    received, printed afterwards (on stderr, beside the logs; the handler's answer stays alone on stdout)."""
    if function_id != consumer_function_id():
        yield
        return
    endpoint, stop_server = _local_eventbridge(dynamodb_endpoint)
    os.environ["EVENTS_ENDPOINT_URL"] = endpoint
    try:
        bus = LocalBus(endpoint, local_event_bus_name())
        yield
        received = bus.received()
        print(f"invoke: {len(received)} change events published", file=sys.stderr)
        for event in received:
            print(json.dumps(event, indent=2), file=sys.stderr)
    finally:
        stop_server()


def serialise_moto_stream_writes() -> None:
    """moto (5.2.5) numbers a stream record `len(shard.items) + start`, builds it, then appends it, with no
    lock: two writes at once (its server answers each request in a thread of its own) get one sequence
    number, and its iterators, which find a record's position by its number, hand records again, or over
    and over while no write follows. One lock around each record added, in the moto of this process
    (make run's embedded DynamoDB); nothing changes for another DynamoDB."""
    from moto.dynamodb.models.table import StreamShard

    if getattr(StreamShard.add, "serialised", False):
        return
    unlocked_add = StreamShard.add
    lock = threading.Lock()

    def add(shard: StreamShard, old: Any, new: Any) -> None:
        with lock:
            unlocked_add(shard, old, new)

    add.serialised = True  # type: ignore[attr-defined]
    StreamShard.add = add  # type: ignore[method-assign,assignment]


def _local_eventbridge(dynamodb_endpoint: str) -> tuple[str, Callable[[], None]]:
    """moto's server serves every service: the embedded DynamoDB's serves EventBridge and SQS too. For
    another DynamoDB, a moto server of their own."""
    if os.environ.get("EVENTS_ENDPOINT_URL"):
        return os.environ["EVENTS_ENDPOINT_URL"], lambda: None
    try:
        client("sqs", dynamodb_endpoint).list_queues()
        return dynamodb_endpoint, lambda: None
    except (ClientError, BotoCoreError):
        pass
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    return f"http://{host}:{port}", server.stop


def _forget_cached_events_client() -> None:
    from operations_api import settings
    from operations_api.events import publisher

    settings.get_settings.cache_clear()
    publisher.events_client.cache_clear()
