"""How the local server maps HTTP to payload 2.0 events and results back, as API Gateway's HTTP API does."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from devtools.gateway import HttpRequest, MalformedLambdaResponse, build_event, encode_body, to_http
from devtools.local_api import CompiledRoute, LocalApi, answer
from devtools.template import Route

PUT_ROUTE = Route("PUT", "/v1/operations/{operation_id}", "PutOperationFunction")


def test_the_event_is_payload_2_0_as_api_gateway_sends_it() -> None:
    headers = [
        ("Content-Type", "application/octet-stream"),
        ("Host", "127.0.0.1:3000"),
        ("Cookie", "a=1; b=2"),
        ("X-Twice", "1"),
        ("x-twice", "2"),
    ]
    request = HttpRequest("PUT", "/v1/operations/op%7E1?x=1&x=2&y=", headers, b"\xff", "10.0.0.7")
    event = build_event(request, PUT_ROUTE, {"operation_id": "op~1"})
    assert event["version"] == "2.0"
    assert event["routeKey"] == event["requestContext"]["routeKey"] == "PUT /v1/operations/{operation_id}"
    assert (event["rawPath"], event["rawQueryString"]) == ("/v1/operations/op%7E1", "x=1&x=2&y=")
    assert event["queryStringParameters"] == {"x": "1,2", "y": ""}
    assert event["cookies"] == ["a=1", "b=2"]
    assert event["headers"] == {
        "content-type": "application/octet-stream",
        "host": "127.0.0.1:3000",
        "x-twice": "1,2",
    }
    assert event["pathParameters"] == {"operation_id": "op~1"}
    assert (event["body"], event["isBase64Encoded"]) == (base64.b64encode(b"\xff").decode(), True)
    context = event["requestContext"]
    assert context["http"] == {
        "method": "PUT",
        "path": "/v1/operations/op%7E1",
        "protocol": "HTTP/1.1",
        "sourceIp": "10.0.0.7",
        "userAgent": "",
    }
    assert (context["requestId"], context["stage"]) == (request.request_id, "$default")
    assert context["timeEpoch"] > 0


def test_a_request_without_body_query_or_cookies_leaves_those_keys_out() -> None:
    event = build_event(HttpRequest("GET", "/v1/operations/op-1", [], b""), PUT_ROUTE, {})
    assert not {"body", "cookies", "queryStringParameters", "pathParameters"} & event.keys()
    assert event["isBase64Encoded"] is False


def test_each_request_gets_a_fresh_request_id() -> None:
    ids = {HttpRequest("GET", "/", [], b"").request_id for _ in range(50)}
    assert len(ids) == 50


@pytest.mark.parametrize(
    ("content_type", "body", "as_text"),
    [
        ("application/json", b'{"a": "\xc3\xa9"}', True),
        ("application/json; charset=utf-8", b"{}", True),
        ("text/plain", b"hi", True),
        ("application/xml", b"<a/>", True),
        ("application/javascript", b"1", True),
        ("application/json", b"\xff", False),  # not UTF-8: base64, so the handler sees the exact bytes
        ("application/octet-stream", b"hi", False),
        ("application/x-www-form-urlencoded", b"a=1", False),
        ("application/merge-patch+json", b"{}", False),
        ("", b"{}", False),  # no Content-Type at all
    ],
)
def test_bodies_are_text_only_for_textual_media_types(content_type: str, body: bytes, as_text: bool) -> None:
    encoded, is_base64 = encode_body(body, content_type)
    assert is_base64 is not as_text
    assert (base64.b64decode(encoded) if is_base64 else encoded.encode()) == body


def test_a_result_maps_to_status_headers_cookies_and_a_decoded_body() -> None:
    result = {
        "statusCode": 201,
        "headers": {"Content-Type": "image/png"},
        "multiValueHeaders": {"X-Many": ["1", "2"]},
        "cookies": ["c=1; Secure", "d=2"],
        "body": base64.b64encode(b"\x89PNG").decode(),
        "isBase64Encoded": True,
    }
    http_answer = to_http(result)
    assert (http_answer.status, http_answer.body) == (201, b"\x89PNG")
    assert http_answer.headers == [
        ("Content-Type", "image/png"),
        ("X-Many", "1"),
        ("X-Many", "2"),
        ("Set-Cookie", "c=1; Secure"),
        ("Set-Cookie", "d=2"),
    ]


@pytest.mark.parametrize(
    ("result", "body"),
    [({"hello": "world"}, b'{"hello": "world"}'), ("plain text", b"plain text"), ([1, 2], b"[1, 2]")],
)
def test_a_result_without_status_code_is_a_200_json_body(result: Any, body: bytes) -> None:
    http_answer = to_http(result)
    assert (http_answer.status, http_answer.headers, http_answer.body) == (
        200,
        [("Content-Type", "application/json")],
        body,
    )


@pytest.mark.parametrize(
    "result",
    [
        {"statusCode": "abc"},
        {"statusCode": 200, "body": {"not": "a string"}},
        {"statusCode": 200, "body": "not base64!", "isBase64Encoded": True},
    ],
)
def test_a_result_api_gateway_cannot_map_is_refused(result: dict[str, Any]) -> None:
    with pytest.raises(MalformedLambdaResponse):
        to_http(result)


class StubApi(LocalApi):
    """One route, GET /thing, whose function returns or raises what it is given; nothing is imported."""

    def __init__(self, outcome: Any) -> None:
        self.routes = [CompiledRoute.of(Route("GET", "/thing/{id}", "ThingFunction"))]
        self.outcome = outcome
        self.events: list[dict[str, Any]] = []

    def invoke(self, route: Route, event: dict[str, Any]) -> Any:
        self.events.append(event)
        if isinstance(self.outcome, Exception):
            raise self.outcome
        return self.outcome


def test_a_function_that_raises_is_api_gateways_500() -> None:
    http_answer = answer(StubApi(RuntimeError("boom")), HttpRequest("GET", "/thing/1", [], b""))
    assert (http_answer.status, json.loads(http_answer.body)) == (500, {"message": "Internal Server Error"})


def test_a_malformed_result_is_api_gateways_500() -> None:
    http_answer = answer(StubApi({"statusCode": "x"}), HttpRequest("GET", "/thing/1", [], b""))
    assert http_answer.status == 500


def test_no_function_runs_for_a_request_no_route_takes() -> None:
    api = StubApi({"statusCode": 200})
    for method, target in (("GET", "/other"), ("PUT", "/thing/1"), ("GET", "/thing/1/more")):
        http_answer = answer(api, HttpRequest(method, target, [], b""))
        assert (http_answer.status, json.loads(http_answer.body)) == (404, {"message": "Not Found"})
    assert api.events == []


def test_path_parameters_are_decoded_from_the_matched_segments() -> None:
    api = StubApi({"statusCode": 204})
    assert answer(api, HttpRequest("GET", "/thing/a%20b?q=1", [], b"")).status == 204
    assert api.events[0]["pathParameters"] == {"id": "a b"}
