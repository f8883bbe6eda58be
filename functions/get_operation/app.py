"""GET /v1/operations/{operation_id}: read the record of one operation.

Its one input, the path's id, is checked by `service` with the contract's rule, so this function runs
without Powertools' validation and never imports pydantic, which would lengthen its cold start
(docs/design.md, "Validation without pydantic at run time"). `make openapi` documents the parameter with
the contract's rule.
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


@coldstart.freeze_after_first_request
@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return api.serve(app, event, context)
