"""The HTTP edge the API functions share: the resolver, problem responses, and one access-log line a request.

Handlers stay thin: they declare their route and call `service`; everything HTTP-shaped is here.
"""

from __future__ import annotations

import binascii
import json
import time
from collections.abc import Mapping
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, Final

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.utilities.typing import LambdaContext

from operations_api import jsonbody, metrics, problems
from operations_api.problems import Problem
from operations_api.service import etag
from operations_api.store import StoredOperation

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
    from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2

JSON_CONTENT_TYPE: Final = "application/json"
OPERATION_PATH: Final = "/v1/operations/<operation_id>"
OPERATIONS_PATH: Final = "/v1/operations"
COUNTS_PATH: Final = "/v1/operation-counts"
HISTORY_PATH: Final = f"{OPERATION_PATH}/history"
VERSION_PATH: Final = f"{HISTORY_PATH}/<sequence>"
# The PUT's optional headers (RFC 9110 preconditions, `service.parse_entity_tags`), and what `make openapi`
# says of them.
IF_MATCH: Final = "if-match"
IF_NONE_MATCH: Final = "if-none-match"
PRECONDITION_HEADERS: Final = {
    IF_MATCH: "apply only to this stored version (ETag)",
    IF_NONE_MATCH: "`*`: only create, never replace",
}

MAX_LOGGED_TEXT: Final = 256  # a path or id is clipped in logs and problems: a hostile one can be 10 MB

logger = Logger()


def clip(text: str | None) -> str | None:
    return text if text is None or len(text) <= MAX_LOGGED_TEXT else text[:MAX_LOGGED_TEXT] + "…"


PROBLEM_DESCRIPTIONS: Final = {
    400: "malformed JSON, an invalid record, a bad header, or a path/body id mismatch",
    404: "no such operation",
    409: "the write conflicts with the stored state (STALE_UPDATE, TERMINAL_STATUS)",
    412: "an If-Match / If-None-Match precondition failed",
    413: "the record is larger than a DynamoDB item may be",
    500: "an unexpected fault",
    503: "the store is throttling or unavailable; retry after Retry-After seconds",
}


def route_responses(success: str, *problem_statuses: int) -> dict[int, OpenAPIResponse]:
    """The OpenAPI `responses` of a route: 200 with the record and its ETag, then its problem answers."""
    responses: dict[int, OpenAPIResponse] = {
        200: {
            "description": success,
            "headers": {"ETag": {"description": "the stored version", "schema": {"type": "string"}}},
            # a reference, not the model: no function imports the models; `make openapi` puts the
            # Operation schema into the document
            "content": {JSON_CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/Operation"}}},
        }
    }
    return {**responses, **problem_responses(*problem_statuses)}


def problem_responses(
    *statuses: int, descriptions: Mapping[int, str] | None = None
) -> dict[int, OpenAPIResponse]:
    """The OpenAPI `responses` of a route's problem answers; `descriptions` override the usual ones."""
    responses: dict[int, OpenAPIResponse] = {}
    for status in statuses:
        responses[status] = {
            "description": (descriptions or {}).get(status, PROBLEM_DESCRIPTIONS[status]),
            "content": {problems.PROBLEM_CONTENT_TYPE: {"schema": problems.PROBLEM_SCHEMA}},
        }
    if 503 in statuses:
        responses[503]["headers"] = {"Retry-After": {"description": "seconds", "schema": {"type": "integer"}}}
    return responses


def create_app() -> APIGatewayHttpResolver:
    """The resolver with our problem answers. Without Powertools' validation, which would import pydantic:
    the GET checks its path id with `rules`, the PUT validates its body with `record.validation`
    (the schema compiled into plain Python)."""
    app = APIGatewayHttpResolver()

    def on_problem(problem: Problem) -> Response[str]:
        return problem_response(app, problem)

    def on_undecodable_body(error: ValueError) -> Response[str]:
        return problem_response(app, problems.malformed_json("the body is not UTF-8 text"))

    def on_unknown_route(error: Exception) -> Response[str]:
        return problem_response(app, problems.route_not_found())

    def on_unexpected(error: Exception) -> Response[str]:
        logger.exception("unexpected error", extra={"error_type": type(error).__name__})
        return problem_response(app, problems.internal_error())

    app.exception_handler(Problem)(on_problem)
    app.exception_handler([UnicodeDecodeError, binascii.Error])(on_undecodable_body)
    app.not_found(on_unknown_route)
    app.exception_handler(Exception)(on_unexpected)
    return app


def json_body(event: APIGatewayProxyEventV2) -> Any:
    """The request body's JSON: sent as application/json or with no Content-Type, not empty, and strict
    (`jsonbody`). Anything else is a 400 problem; a body that is not UTF-8 (or not base64, where API
    Gateway says it is) raises, and `create_app` answers MALFORMED_JSON."""
    content_type = (event.headers.get("content-type") or "").strip()
    if content_type and not is_json_content_type(content_type):
        raise problems.unsupported_media_type(content_type)
    if not event.body:
        raise problems.empty_body()
    try:
        return jsonbody.loads_object(event.decoded_body or "")
    except jsonbody.MalformedJson as error:
        raise problems.malformed_json(str(error)) from None


def caller_principal(event: APIGatewayProxyEventV2) -> str | None:
    """Who asks: the caller's IAM identity as API Gateway's IAM authorizer reports it (payload 2.0), or None
    where no authorizer ran (the local server)."""
    authorizer = event.raw_event.get("requestContext", {}).get("authorizer") or {}
    user_arn = (authorizer.get("iam") or {}).get("userArn")
    return user_arn if isinstance(user_arn, str) and user_arn else None


def is_json_content_type(content_type: str) -> bool:
    """application/json, with or without parameters, in any case: the one media type read as JSON."""
    return content_type.partition(";")[0].strip().lower() == JSON_CONTENT_TYPE


def operation_response(stored: StoredOperation) -> Response[str]:
    """200 with the record exactly as stored, its ETag, and what it cost (in the access log)."""
    if stored.capacity_units is not None:
        logger.append_keys(capacity_units=stored.capacity_units)
    return Response(
        status_code=200,
        content_type=JSON_CONTENT_TYPE,
        body=json.dumps(stored.document, ensure_ascii=False, separators=(",", ":")),
        headers={"ETag": etag(stored.version), "Cache-Control": "no-store"},
    )


def written_response(stored: StoredOperation) -> Response[str]:
    """200 for a PUT the store accepted, counted by the record's status."""
    metrics.count(metrics.ACCEPTED_WRITES, breakdown=stored.document["status"])
    return operation_response(stored)


def page_response(payload: dict[str, Any], capacity_units: float | None = None) -> Response[str]:
    """200 with a page of the list, counted."""
    metrics.count(metrics.LIST_PAGES)
    return json_response(payload, capacity_units)


def json_response(payload: dict[str, Any], capacity_units: float | None = None) -> Response[str]:
    """200 with a JSON document that is not a record (a page of the list), never cached."""
    if capacity_units is not None:
        logger.append_keys(capacity_units=capacity_units)
    return Response(
        status_code=200,
        content_type=JSON_CONTENT_TYPE,
        body=json.dumps(payload, ensure_ascii=False, separators=(",", ":")),
        headers={"Cache-Control": "no-store"},
    )


def problem_response(app: APIGatewayHttpResolver, problem: Problem) -> Response[str]:
    event = app.current_event
    logger.append_keys(problem_code=problem.code)
    count_problem(event.request_context.http.method, problem)
    return Response(
        status_code=int(problem.status),
        content_type=problems.PROBLEM_CONTENT_TYPE,
        body=problem.body(instance=clip(event.raw_path) or "", request_id=event.request_context.request_id),
        headers={**problem.headers, "Cache-Control": "no-store"},
    )


def count_problem(method: str, problem: Problem) -> None:
    """An unavailable store, on any route; a write refused (4xx), by its code. A 500 is no refusal: the
    API's 5xx alarm and the function's logs tell it."""
    if problem.status == HTTPStatus.SERVICE_UNAVAILABLE:
        metrics.count(metrics.STORE_UNAVAILABLE)
    elif method == "PUT" and problem.status < HTTPStatus.INTERNAL_SERVER_ERROR:
        metrics.count(metrics.REFUSED_WRITES, breakdown=problem.code)


def serve(app: APIGatewayHttpResolver, event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Resolve one API Gateway event and log one line for it: never a body, never a header value."""
    started = time.perf_counter()
    result = app.resolve(event, context)
    logger.info(
        "request",
        extra={
            "http_method": event.get("requestContext", {}).get("http", {}).get("method"),
            "path": clip(event.get("rawPath")),
            "operation_id": clip((event.get("pathParameters") or {}).get("operation_id")),
            "status_code": result.get("statusCode"),
            "latency_ms": round((time.perf_counter() - started) * 1000, 3),
        },
    )
    return result
