"""The table's stream consumer: each accepted change of a record becomes an event on the stack's bus.

Not behind API Gateway: Lambda's event source mapping calls it with batches of DynamoDB stream records
(template.yaml: bisection on error, bounded retries and record age, partial batch responses, a dead-letter
queue). What a record means is `change_events`; the PutEvents batching is `publisher`; the batch and its
partial response, `stream_batch` (docs/events.md).
"""

from __future__ import annotations

import gc

# No cyclic garbage collection while this module imports: the libraries make some 40,000 objects that live
# as long as the process, and collecting while they are made only rescans them. Resumed at the end.
gc.disable()

from typing import Any

from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.typing import LambdaContext

from operations_api import stream_batch

logger = stream_batch.logger


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return stream_batch.process(event, context)


# The imports are done: what they made leaves the collector's reach for good, and collection resumes.
gc.freeze()
gc.enable()
