"""GET /v1/operations: find operations by status and update time, newest first, a page at a time.

Its inputs, the query's parameters, are checked by `listing.query`; the page is read by `listing.shards`
from the list index (or, with `cluster`, from the fleet table's cluster index), never from the records
(docs/api.md, "Listing operations"). Read-only: its role may only Query those. `make openapi` documents
the parameters and the page from `listing.query`.
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
    from operations_api.listing import query as listing

app = api.create_app()
logger = api.logger
snapstart.register_hooks(store.dynamodb_client)  # with SnapStart on, made before the snapshot


@app.get(
    api.OPERATIONS_PATH,
    summary="Find operations",
    description="A page of operation summaries, newest first (last_update_time descending, then "
    "operation_id ascending), filtered by status and update time; next_page_token leads to the next page. "
    "Each parameter may be given once; an unknown parameter, or an updated_since that is not before "
    "updated_before, is refused with 400 VALIDATION_ERROR naming the parameter.",
    operation_id="listOperations",
    responses={
        200: {
            "description": "a page of summaries; next_page_token when another page follows",
            "content": {api.JSON_CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/OperationPage"}}},
        },
        **api.problem_responses(
            400, 500, 503, descriptions={400: "a query parameter or the page_token is not valid"}
        ),
    },
)
def list_operations() -> Response[str]:
    listed = listing.list_operations(app.current_event.raw_query_string)
    logger.append_keys(dynamodb_requests=listed.page.requests)
    return api.page_response(listed.answer, listed.page.capacity_units)


@coldstart.freeze_after_first_request
@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return api.serve(app, event, context)
