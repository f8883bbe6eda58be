"""PUT /v1/operations/{operation_id}: create or replace the whole record of one operation.

Its body is validated by `record`: the schema pydantic builds from the models, compiled into plain
Python, never importing pydantic, pydantic-core or Powertools' validation (docs/design.md, "Validation
without pydantic at run time").
`make openapi` documents the body and headers from the models and `api.PRECONDITION_HEADERS`.
"""

from __future__ import annotations

from operations_api import coldstart

with coldstart.collector_paused():  # no garbage collection while the libraries load (coldstart.py)
    coldstart.lean_imports()  # Powertools' HTTP resolver without every other resolver (coldstart.py)
    from typing import Any

    from aws_lambda_powertools.event_handler import Response
    from aws_lambda_powertools.logging import correlation_paths
    from aws_lambda_powertools.utilities.typing import LambdaContext

    from operations_api import api, service, snapstart, store
    from operations_api.record import validation as record

app = api.create_app()
logger = api.logger
snapstart.register_hooks(store.dynamodb_client)  # with SnapStart on, made before the snapshot


@app.put(
    api.OPERATION_PATH,
    summary="Record the state of an operation",
    description="Creates or replaces the whole record. Writes never go back: an older last_update_time, or "
    "another status after a terminal one, is refused with 409 and nothing changes.",
    responses=api.route_responses("the record as stored; its version in ETag", 400, 409, 412, 413, 500, 503),
)
def put_operation(operation_id: str) -> Response[str]:
    event = app.current_event
    # a bad id is told before the body's faults, as by a GET
    service.check_path_operation_id(operation_id, write=True)
    stored = service.put_operation(
        operation_id,
        record.validate(api.json_body(event)),
        if_match=event.headers.get(api.IF_MATCH),
        if_none_match=event.headers.get(api.IF_NONE_MATCH),
        principal=api.caller_principal(event),
    )
    return api.written_response(stored)


@coldstart.freeze_after_first_request
@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return api.serve(app, event, context)
