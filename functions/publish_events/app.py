"""The table's stream consumer: each accepted change of a record becomes an event on the stack's bus.

Not behind API Gateway: Lambda's event source mapping calls it with batches of DynamoDB stream records
(template.yaml: bisection on error, bounded retries and record age, partial batch responses, a dead-letter
queue). What a record means is `change_events`; the PutEvents batching is `publisher`; the batch and its
partial response, `stream_batch` (docs/events.md).
"""

from __future__ import annotations

from operations_api import coldstart

with coldstart.collector_paused():  # no garbage collection while the libraries load (coldstart.py)
    from typing import Any

    from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
    from aws_lambda_powertools.utilities.typing import LambdaContext

    from operations_api import snapstart
    from operations_api.events import publisher
    from operations_api.events import stream as stream_batch

logger = stream_batch.logger
snapstart.register_hooks(publisher.events_client)  # with SnapStart on, made before the snapshot


@coldstart.freeze_after_first_request
@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return stream_batch.process(event, context)
