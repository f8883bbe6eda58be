"""GET /v1/operation-counts: how many operations are in progress, and finished lately, by status.

Its one input, `hours`, is checked by `fleet.counts`, which reads the counters the stream loop keeps in
the fleet table: one Query per counts shard, never the records, never the list's index
(docs/api.md, "Counting operations"). Read-only: its role may only Query the fleet table.
"""

from __future__ import annotations

from operations_api import coldstart

with coldstart.collector_paused():  # no garbage collection while the libraries load (coldstart.py)
    coldstart.lean_imports()  # Powertools' HTTP resolver without every other resolver (coldstart.py)
    from typing import Any

    from aws_lambda_powertools.event_handler import Response
    from aws_lambda_powertools.logging import correlation_paths
    from aws_lambda_powertools.utilities.typing import LambdaContext

    from operations_api import api, snapstart, store
    from operations_api.fleet import counts

app = api.create_app()
logger = api.logger
snapstart.register_hooks(store.dynamodb_client)  # with SnapStart on, made before the snapshot


@app.get(
    api.COUNTS_PATH,
    summary="Count operations by status",
    description="How many operations are now in each in-progress status, and how many finished in each "
    "terminal status with a last_update_time in the last `hours` whole hours (UTC: the current hour and "
    "the hours before it). Exact within about a second of the last write; its cost does not grow with the "
    "number of operations. An unknown or repeated parameter is refused with 400 VALIDATION_ERROR naming it.",
    operation_id="countOperations",
    responses={
        200: {
            "description": "the counts",
            "content": {api.JSON_CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/OperationCounts"}}},
        },
        **api.problem_responses(400, 500, 503, descriptions={400: "hours, or an unknown parameter"}),
    },
)
def count_operations() -> Response[str]:
    counted = counts.count_operations(app.current_event.raw_query_string)
    logger.append_keys(dynamodb_requests=counted.requests)
    return api.json_response(counted.answer, counted.capacity_units)


@coldstart.freeze_after_first_request
@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return api.serve(app, event, context)
