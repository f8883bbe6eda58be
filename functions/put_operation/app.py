"""PUT /v1/operations/{operation_id}: create or replace the whole record of one operation."""

from __future__ import annotations

import gc

# No cyclic garbage collection while this module imports: the libraries make some 40,000 objects that live
# as long as the process, and collecting while they are made only rescans them. Resumed at the end.
gc.disable()

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Header, Path
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from operations_api import api, service
from operations_api.models import Operation

app = api.create_app()
logger = api.logger


@app.put(
    api.OPERATION_PATH,
    summary="Record the state of an operation",
    description="Creates or replaces the whole record. Writes never go back: an older last_update_time, or "
    "another status after a terminal one, is refused with 409 and nothing changes.",
    responses=api.route_responses("the record as stored; its version in ETag", 400, 409, 412, 413, 500, 503),
)
def put_operation(
    operation_id: Annotated[str, Path(**api.OPERATION_ID_PARAMETER)],
    record: Annotated[Operation, Body(description="the whole record of the operation")],
    if_match: Annotated[str | None, Header(description="apply only to this stored version (ETag)")] = None,
    if_none_match: Annotated[str | None, Header(description="`*`: only create, never replace")] = None,
) -> Response[str]:
    stored = service.put_operation(operation_id, record, if_match=if_match, if_none_match=if_none_match)
    return api.operation_response(stored)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return api.serve(app, event, context)


# The imports are done: what they made leaves the collector's reach for good, and collection resumes.
gc.freeze()
gc.enable()
