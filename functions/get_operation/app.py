"""GET /v1/operations/{operation_id}: read the record of one operation.

Its one input, the path's id, is checked by `service` with the contract's rule, so this function runs
without Powertools' validation and never imports pydantic: about a quarter less cold start
(docs/performance.md). `make openapi` documents the parameter with the contract's rule.
"""

from __future__ import annotations

import gc

# No cyclic garbage collection while this module imports: the libraries make some 40,000 objects that live
# as long as the process, and collecting while they are made only rescans them. Resumed at the end.
gc.disable()

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from operations_api import api, service, snapstart, store

app = api.create_app()
logger = api.logger
snapstart.register_hooks(store.dynamodb_client)  # with SnapStart on, made before the snapshot


@app.get(
    api.OPERATION_PATH,
    summary="Read the state of an operation",
    description="Returns the record exactly as the last accepted PUT stored it, read strongly consistently.",
    responses=api.route_responses("the record; its version in ETag", 400, 404, 500, 503),
)
def get_operation(operation_id: str) -> Response[str]:
    return api.operation_response(service.get_operation(operation_id))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return api.serve(app, event, context)


# The imports are done: what they made leaves the collector's reach for good, and collection resumes.
gc.freeze()
gc.enable()
