"""The stream consumer's batch: DynamoDB stream records in, change events on the bus, failures reported.

Powertools' batch processing reads each record (`events.changes`); a record that cannot be read fails alone
(a poison record: Lambda's bisection isolates it, and it never blocks the rest). The events are then put
in as few PutEvents calls as EventBridge allows (`events.publisher`), and the record of each event that
could not be published is reported failed too. The answer is Lambda's partial batch response
(ReportBatchItemFailures): Lambda retries from the first failed record, and after its retries hands the
records to the dead-letter queue. When every record fails, Powertools raises, so that Lambda bisects the
batch. One log line a batch: counts and error names, never a record.
"""

from __future__ import annotations

from typing import Any, Final

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from operations_api import metrics
from operations_api.events import publisher
from operations_api.events.changes import ChangeEvent, change_event

logger = Logger()
processor: Final = BatchProcessor(event_type=EventType.DynamoDBStreams)


class EventNotPublished(Exception):
    """EventBridge did not take the record's event after the retries."""


def read_record(record: DynamoDBRecord) -> ChangeEvent | None:
    return change_event(record.raw_event)


def process(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    """Publish the events of a batch of stream records; the records that failed, for Lambda to retry."""
    records: list[dict[str, Any]] = event.get("Records") or []
    outcome = publisher.Published()
    changes: list[tuple[dict[str, Any], ChangeEvent]] = []
    try:
        with processor(records=records, handler=read_record, lambda_context=context):
            for status, result, record in processor.process():
                if status == "success" and result is not None:
                    changes.append((record, result))
            outcome = publisher.publish([publisher.entry(change) for _, change in changes])
            for index in outcome.unpublished:
                processor.failure_handler(DynamoDBRecord(changes[index][0]), _not_published())
    finally:
        _log_batch(records, changes, outcome)
        _count_batch(outcome)
    return processor.response()


def _not_published() -> tuple[type[BaseException], BaseException, None]:
    return EventNotPublished, EventNotPublished("not published after the retries"), None


def _count_batch(outcome: publisher.Published) -> None:
    """Events published, and records failed (each attempt: Lambda retries them, then dead-letters them)."""
    if outcome.published:
        metrics.count(metrics.EVENTS_PUBLISHED, outcome.published)
    if processor.exceptions:
        metrics.count(metrics.EVENTS_NOT_PUBLISHED, len(processor.exceptions))


def _log_batch(records: list[dict[str, Any]], changes: list[Any], outcome: publisher.Published) -> None:
    errors = [type(error) for _, error, _ in processor.exceptions]
    unreadable = {kind.__name__ for kind in errors if kind is not EventNotPublished}
    logger.info(
        "batch",
        extra={
            "records": len(records),
            "events": len(changes),
            "published": outcome.published,
            "unpublished": len(outcome.unpublished),
            "unreadable": len(processor.exceptions) - len(outcome.unpublished),
            "put_events_calls": outcome.calls,
            "errors": sorted(outcome.errors | outcome.refusals | unreadable),
        },
    )
