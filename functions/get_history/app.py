"""GET /v1/operations/{operation_id}/history and /history/{sequence}: an operation's history, read only.

A page of its entries, oldest first, or the whole record as it was after one change, with that version's
ETag (docs/api.md, "History"). Its inputs are checked by `history.query` and `service`, never by
Powertools' validation (no pydantic on the cold path, as for the GET); `jsonpatch` is imported only when
a version between checkpoints is rebuilt. Its role may only read: GetItem and Query on the history's
table, never the records' (the history's head says whether the operation is shown).
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
    from operations_api.history import reading

app = api.create_app()
logger = api.logger
snapstart.register_hooks(store.dynamodb_client)  # with SnapStart on, made before the snapshot

NOT_FOUND = {404: "no such operation (or its record expired), or a sequence its history has not reached"}


@app.get(
    api.HISTORY_PATH,
    summary="Read an operation's history",
    description="A page of the operation's history entries, oldest first; next_page_token leads to the "
    "next page. A page holds at most page_size entries and stays under 5 MB, so it may hold fewer (at "
    "least one). Each parameter may be given once; an unknown one is refused with 400 VALIDATION_ERROR "
    "naming it.",
    responses={
        200: {
            "description": "a page of entries; next_page_token when another page follows",
            "content": {api.JSON_CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/HistoryPage"}}},
        },
        **api.problem_responses(
            400, 404, 500, 503, descriptions={400: "the id, a query parameter or the page_token is not valid"}
        ),
    },
)
def get_history(operation_id: str) -> Response[str]:
    return api.json_response(reading.history_page(operation_id, app.current_event.raw_query_string))


@app.get(
    api.VERSION_PATH,
    summary="Read an operation as it was after one change",
    description="The whole record as it was after the change of this sequence in the operation's history, "
    "with that version's ETag.",
    responses=api.route_responses("the record as it was; its version in ETag", 400, 404, 500, 503)
    | api.problem_responses(404, descriptions=NOT_FOUND),
)
def get_history_version(operation_id: str, sequence: str) -> Response[str]:
    return api.operation_response(reading.version_at(operation_id, sequence))


@coldstart.freeze_after_first_request
@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return api.serve(app, event, context)
