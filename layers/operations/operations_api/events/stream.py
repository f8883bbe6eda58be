"""The stream loop's batch: DynamoDB stream records in, history entries written, change events on the bus.

Powertools' batch processing takes the records in stream order. Each is read (`events.changes`), written to
the history exactly once (`history.recording`, which numbers it), and becomes its events. Never skip: once
a change fails, every later record of the batch is reported failed too, without being tried (Powertools
would go on), so Lambda retries from the first failed one and nothing after it is recorded out of order;
the mapping retries until it succeeds. The log names the operation held back.

Time: before each change but the first, the loop looks at the time Lambda leaves it; below TIME_MARGIN_MS,
it reports the rest of the batch failed, untried, so that the next invocation starts there, rather than
running into the timeout (which would log nothing and retry the whole batch, bisected). That is
back-pressure, not a fault: one INFO line, `batch cut short`, names where the next invocation resumes, and
HistoryChangesHeldBack does not count it (the iterator age shows a loop that falls behind).

Then the events of the changes recorded are put in as few PutEvents calls as EventBridge allows
(`events.publisher`); an event refused after the retries goes whole to the dead-letter queue and the loop
goes on. Only an event that neither the bus nor the queue took fails its record (and the later ones):
its change is already recorded, so the retry publishes it again (consumers de-duplicate). The answer is
Lambda's partial batch response (ReportBatchItemFailures); when every record fails, Powertools raises, so
that Lambda bisects the batch. One log line a batch: counts and error names, never a record.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final, NoReturn

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from operations_api import metrics
from operations_api.events import publisher
from operations_api.events.changes import ChangeEvent, events_of, read_change
from operations_api.fleet import gauges
from operations_api.history import recording

logger = Logger()
processor: Final = BatchProcessor(event_type=EventType.DynamoDBStreams)
# Left for one more change and the batch's events: a record naming thousands of clusters makes hundreds of
# BatchWriteItem calls (25 items each), and a PutEvents call that fails uses the client's whole budget
# (settings). 60 s of the function's 300 leaves room for both; the first change of a batch is always tried.
TIME_MARGIN_MS: Final = 60_000


class HeldBack(Exception):
    """An earlier change of the batch failed: this one waits for it (it is never skipped)."""


class Deferred(Exception):
    """Too little time was left to record this change: the next invocation starts with it."""


class EventNotPublished(Exception):
    """Neither EventBridge nor the dead-letter queue took the record's event."""


@dataclass
class Batch:
    """What one invocation did, for its log line and metrics."""

    failed: bool = False
    tried: int = 0  # the records handed to the history
    deferred: int = 0  # the records left to the next invocation for want of time
    retries: int = 0  # transactions built again after meeting concurrent writers (history.transactions)
    entries_written: int = 0
    events: list[tuple[dict[str, Any], ChangeEvent]] = field(default_factory=list)


def process(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    """Record and publish a batch of stream records; the records that failed, for Lambda to retry."""
    records: list[dict[str, Any]] = event.get("Records") or []
    batch = Batch()
    outcome = publisher.Published()
    unsent: list[int] = []  # of the unpublished events, those the dead-letter queue did not take either

    def handle(record: DynamoDBRecord) -> None:
        if batch.failed:
            raise HeldBack("an earlier change of this batch failed")
        if batch.deferred or (batch.tried and context.get_remaining_time_in_millis() < TIME_MARGIN_MS):
            _defer(record.raw_event, batch, len(records), context)
        batch.tried += 1
        try:
            for change_event in record_change(record.raw_event, batch):
                batch.events.append((record.raw_event, change_event))
        except Exception as error:
            batch.failed = True
            logger.error("change held back", extra=_held_back(record.raw_event, error))
            raise

    try:
        with processor(records=records, handler=handle, lambda_context=context):
            processor.process()
            outcome = publisher.publish([publisher.entry(change) for _, change in batch.events])
            refused = [publisher.entry(batch.events[index][1]) for index in outcome.unpublished]
            unsent = publisher.dead_letter(refused)
            _fail_from_first_lost(records, batch, {outcome.unpublished[index] for index in unsent})
    finally:
        _log_batch(records, batch, outcome, len(unsent))
        _count_batch(batch, outcome)
    if batch.entries_written:
        gauges.publish_if_due()
    return processor.response()


def record_change(record: dict[str, Any], batch: Batch) -> list[ChangeEvent]:
    """Write one stream record's history (once) and return its events, in the order they are published."""
    change = read_change(record)
    recorded = recording.record(change)
    if recorded is None:
        return []
    batch.entries_written += recorded.entries_written
    batch.retries += recorded.retries
    return events_of(change, recorded.sequence, recorded.expired_sequence, recorded.expired_time)


def _defer(record: dict[str, Any], batch: Batch, records: int, context: LambdaContext) -> NoReturn:
    """Report this record failed, untried, for want of time; the first one deferred is logged."""
    if not batch.deferred:
        logger.info(
            "batch cut short",
            extra={
                **_named(record),
                "deferred": records - batch.tried,
                "remaining_ms": context.get_remaining_time_in_millis(),
            },
        )
    batch.deferred += 1
    raise Deferred(f"less than {TIME_MARGIN_MS} ms left: the next invocation starts here")


def _fail_from_first_lost(records: list[dict[str, Any]], batch: Batch, lost: set[int]) -> None:
    """An event that went nowhere fails its record and every later one that has not failed yet."""
    if not lost:
        return
    numbers = [_sequence_number(record) for record in records]
    first = numbers.index(_sequence_number(batch.events[min(lost)][0]))
    failed = {_sequence_number(record.raw_event) for record, _ in _failures()}
    for record in records[first:]:
        if _sequence_number(record) not in failed:
            error = EventNotPublished("neither the bus nor the dead-letter queue took its event")
            processor.failure_handler(DynamoDBRecord(record), (EventNotPublished, error, None))


def _failures() -> list[tuple[DynamoDBRecord, Any]]:
    """The records Powertools has reported failed so far (its fail_messages are typed for every source)."""
    return [(message, None) for message in processor.fail_messages if isinstance(message, DynamoDBRecord)]


def _sequence_number(record: dict[str, Any]) -> str:
    number: str = record["dynamodb"]["SequenceNumber"]
    return number


def _held_back(record: dict[str, Any], error: Exception) -> dict[str, Any]:
    return {**_named(record), "error": type(error).__name__, "reason": str(error)[:256]}


def _named(record: dict[str, Any]) -> dict[str, Any]:
    change = record.get("dynamodb", {})
    return {
        "operation_id": change.get("Keys", {}).get("operation_id", {}).get("S"),
        "stream_sequence_number": change.get("SequenceNumber"),
    }


def _count_batch(batch: Batch, outcome: publisher.Published) -> None:
    if batch.entries_written:
        metrics.count(metrics.HISTORY_ENTRIES_WRITTEN, batch.entries_written)
    if outcome.published:
        metrics.count(metrics.EVENTS_PUBLISHED, outcome.published)
    if outcome.unpublished:
        metrics.count(metrics.EVENTS_NOT_PUBLISHED, len(outcome.unpublished))
    if held_back := len(processor.exceptions) - batch.deferred:
        metrics.count(metrics.HISTORY_CHANGES_HELD_BACK, held_back)


def _log_batch(records: list[dict[str, Any]], batch: Batch, outcome: publisher.Published, lost: int) -> None:
    errors = {kind.__name__ for kind, _, _ in processor.exceptions if kind not in (None, Deferred)}
    logger.info(
        "batch",
        extra={
            "records": len(records),
            "entries_written": batch.entries_written,
            "events": len(batch.events),
            "published": outcome.published,
            "dead_lettered": len(outcome.unpublished) - lost,
            "held_back": len(processor.exceptions) - batch.deferred,
            "deferred": batch.deferred,
            "conflicts_retried": batch.retries,
            "put_events_calls": outcome.calls,
            "errors": sorted(outcome.errors | outcome.refusals | errors),
        },
    )
