"""The history loop: each accepted change of a record becomes its history entry, exactly once, and then an
event on the stack's bus.

Not behind API Gateway: Lambda's event source mapping calls it with batches of DynamoDB stream records
(template.yaml: bisection on error, retried until recorded, partial batch responses). What a record means
is `events.changes`; its entry, `history.recording`; the PutEvents batching and the dead-letter queue,
`events.publisher`; the batch and its partial response, `events.stream` (docs/events.md, docs/design.md).
"""

from __future__ import annotations

from operations_api import coldstart

with coldstart.collector_paused():  # no garbage collection while the libraries load (coldstart.py)
    from typing import Any

    from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
    from aws_lambda_powertools.utilities.typing import LambdaContext

    from operations_api import snapstart, store
    from operations_api.events import publisher
    from operations_api.events import stream as stream_batch

logger = stream_batch.logger
# with SnapStart on, made before the snapshot
snapstart.register_hooks(publisher.events_client, store.dynamodb_client)


@coldstart.freeze_after_first_request
@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return stream_batch.process(event, context)
