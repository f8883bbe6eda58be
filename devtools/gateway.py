"""API Gateway's HTTP API, as the local server plays it: an HTTP request into the payload 2.0 event the
function receives, and the function's result back into HTTP, as API Gateway maps them.

Request bodies: API Gateway gives the function the body as text only for text/*, application/json,
application/xml and application/javascript (a missing Content-Type, and form data, arrive base64-encoded,
as observed on real HTTP APIs). Here a body of those types that is not valid UTF-8 is base64-encoded too,
so the handler sees the exact bytes and can refuse them.
"""

from __future__ import annotations

import base64
import binascii
import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import parse_qsl, urlsplit

from devtools.lambda_runtime import LOCAL_ACCOUNT
from devtools.template import Route

TEXT_MEDIA_TYPES: Final = frozenset({"application/json", "application/xml", "application/javascript"})
NOT_FOUND: Final = (404, {"message": "Not Found"})
INTERNAL_ERROR: Final = (500, {"message": "Internal Server Error"})
TOO_LARGE: Final = (413, {"message": "Request Entity Too Large"})
BAD_REQUEST: Final = (400, {"message": "Bad Request"})


def new_request_id() -> str:
    """An id shaped like API Gateway's (e.g. "Jd8sK1ExampleRq=")."""
    return base64.b32encode(uuid.uuid4().bytes).decode().rstrip("=")[:15] + "="


@dataclass(frozen=True)
class HttpRequest:
    method: str
    target: str  # the path and query as the client sent them
    headers: list[tuple[str, str]]
    body: bytes
    source_ip: str = "127.0.0.1"
    request_id: str = field(default_factory=new_request_id)


def build_event(request: HttpRequest, route: Route, path_parameters: dict[str, str]) -> dict[str, Any]:
    """The event API Gateway's HTTP API (payload format 2.0) sends for this request."""
    url = urlsplit(request.target)
    headers, cookies = _event_headers(request.headers)
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route.route_key,
        "rawPath": url.path,
        "rawQueryString": url.query,
        "headers": headers,
        "requestContext": _request_context(request, route, headers),
        "isBase64Encoded": False,
    }
    if cookies:
        event["cookies"] = cookies
    if url.query:
        event["queryStringParameters"] = _joined(parse_qsl(url.query, keep_blank_values=True))
    if path_parameters:
        event["pathParameters"] = path_parameters
    if request.body:
        event["body"], event["isBase64Encoded"] = encode_body(request.body, headers.get("content-type", ""))
    return event


def _event_headers(raw_headers: list[tuple[str, str]]) -> tuple[dict[str, str], list[str]]:
    """Lower-case names, repeated headers joined with commas; Cookie headers become the cookies list."""
    cookies = [
        part.strip()
        for name, value in raw_headers
        if name.lower() == "cookie"
        for part in value.split(";")
        if part.strip()
    ]
    others = [(name.lower(), value) for name, value in raw_headers if name.lower() != "cookie"]
    return _joined(others), cookies


def _joined(pairs: list[tuple[str, str]]) -> dict[str, str]:
    joined: dict[str, str] = {}
    for key, value in pairs:
        joined[key] = f"{joined[key]},{value}" if key in joined else value
    return joined


def _request_context(request: HttpRequest, route: Route, headers: dict[str, str]) -> dict[str, Any]:
    now = time.time()
    domain = headers.get("host", "127.0.0.1")
    return {
        "accountId": LOCAL_ACCOUNT,
        "apiId": "local",
        "domainName": domain,
        "domainPrefix": domain.split(".", 1)[0],
        "http": {
            "method": request.method,
            "path": urlsplit(request.target).path,
            "protocol": "HTTP/1.1",
            "sourceIp": request.source_ip,
            "userAgent": headers.get("user-agent", ""),
        },
        "requestId": request.request_id,
        "routeKey": route.route_key,
        "stage": "$default",
        "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
        "timeEpoch": int(now * 1000),
    }


def encode_body(body: bytes, content_type: str) -> tuple[str, bool]:
    """(body, isBase64Encoded): text for textual media types that decode as UTF-8, else base64."""
    media_type = content_type.partition(";")[0].strip().lower()
    if media_type.startswith("text/") or media_type in TEXT_MEDIA_TYPES:
        try:
            return body.decode("utf-8"), False
        except UnicodeDecodeError:
            pass
    return base64.b64encode(body).decode("ascii"), True


@dataclass
class HttpAnswer:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


class MalformedLambdaResponse(Exception):
    """A result that API Gateway cannot map to HTTP: it answers 500 then."""


def to_http(result: Any) -> HttpAnswer:
    """Map a handler's result to HTTP as API Gateway does for payload 2.0. A result without statusCode
    (a dict without one, a list, a string...) is taken as the body of a 200 application/json response."""
    if not (isinstance(result, dict) and "statusCode" in result):
        text = result if isinstance(result, str) else json.dumps(result)
        return HttpAnswer(200, [("Content-Type", "application/json")], text.encode())
    try:
        return HttpAnswer(int(result["statusCode"]), _result_headers(result), _result_body(result))
    except (TypeError, ValueError, AttributeError, binascii.Error) as error:
        raise MalformedLambdaResponse(f"{type(error).__name__}: {error}") from error


def _result_headers(result: dict[str, Any]) -> list[tuple[str, str]]:
    headers = [(name, str(value)) for name, value in (result.get("headers") or {}).items()]
    for name, values in (result.get("multiValueHeaders") or {}).items():
        headers.extend((name, str(value)) for value in values)
    headers.extend(("Set-Cookie", str(cookie)) for cookie in result.get("cookies") or [])
    return headers


def _result_body(result: dict[str, Any]) -> bytes:
    body = result.get("body")
    if body is None:
        return b""
    if not isinstance(body, str):
        raise TypeError(f"body is a {type(body).__name__}, not a string")
    return base64.b64decode(body, validate=True) if result.get("isBase64Encoded") else body.encode()


def json_answer(status: int, payload: dict[str, Any]) -> HttpAnswer:
    return HttpAnswer(status, [("Content-Type", "application/json")], json.dumps(payload).encode())
