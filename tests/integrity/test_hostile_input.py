"""Hostile input, by hand (docs/api.md, "Strict types"): what a fuzzer rarely finds, sent as raw bytes
over HTTP.

Every refusal is a 4xx problem document and leaves nothing stored; a record that is valid, however odd
(a NUL inside a string), is stored and comes back exactly. Nothing is ever a 5xx.
"""

from __future__ import annotations

import json
from typing import Any, Final

import pytest

from operations_api.record import rules
from tests.support import raw_http
from tests.support.events import get_event, put_event
from tests.support.handlers import Invoke
from tests.support.raw_http import Reply, call, put_json
from tests.support.records import record_for

JSON: Final = {"Content-Type": "application/json"}
DEPTH: Final = 100_000


def record_bytes(operation_id: str, **overrides: Any) -> bytes:
    return json.dumps(record_for(operation_id, **overrides)).encode("utf-8")


def with_response_status(operation_id: str, status_code_json: bytes) -> bytes:
    """A record whose response.status_code is the given JSON number text, verbatim."""
    text = record_bytes(operation_id, response={"status_code": 200, "body": ""})
    return text.replace(b'"status_code": 200', b'"status_code": ' + status_code_json)


def hostile_bodies(operation_id: str) -> dict[str, tuple[bytes, str]]:
    """name -> (body, the problem code it must get)."""
    valid = record_bytes(operation_id)
    return {
        "a number with 400 digits": (
            with_response_status(operation_id, b"1" + b"0" * 400),
            "VALIDATION_ERROR",
        ),
        "a number with 5,000 digits": (with_response_status(operation_id, b"9" * 5000), "MALFORMED_JSON"),
        "a number that overflows a double": (
            with_response_status(operation_id, b"1e400"),
            "VALIDATION_ERROR",
        ),
        "a negative status code": (with_response_status(operation_id, b"-200"), "VALIDATION_ERROR"),
        "minus zero": (with_response_status(operation_id, b"-0"), "VALIDATION_ERROR"),
        "a fractional status code": (with_response_status(operation_id, b"200.5"), "VALIDATION_ERROR"),
        "NaN": (with_response_status(operation_id, b"NaN"), "MALFORMED_JSON"),
        "arrays nested 100,000 deep": (b"[" * DEPTH + b"]" * DEPTH, "MALFORMED_JSON"),
        "objects nested 100,000 deep in the record": (
            valid.replace(
                b'"request": {', b'"request": {"x": ' + b'{"a": ' * DEPTH + b"1" + b"}" * DEPTH + b", "
            ),
            "MALFORMED_JSON",
        ),
        "an unknown key nested 50 deep": (
            valid.replace(b'"request": {', b'"request": {"x": ' + b'{"a": ' * 50 + b"1" + b"}" * 50 + b", "),
            "VALIDATION_ERROR",
        ),
        "invalid UTF-8": (valid.replace(b"net-a", b"net-\xff\xfe"), "MALFORMED_JSON"),
        "a lone UTF-16 surrogate": (valid.replace(b"net-a", b"net-\\ud800"), "MALFORMED_JSON"),
        "a raw NUL byte inside a string": (valid.replace(b"net-a", b"net\x00a"), "MALFORMED_JSON"),
        "a 100,000-character id in the body": (
            json.dumps(record_for("a" * 100_000)).encode(),
            "VALIDATION_ERROR",
        ),
        "a duplicate key": (valid[:-1] + b', "status": "completed"}', "MALFORMED_JSON"),
        "a duplicate key deep inside": (
            valid.replace(b'"method": "POST"', b'"method": "POST", "method": "PUT"'),
            "MALFORMED_JSON",
        ),
        "an empty body": (b"", "MALFORMED_JSON"),
        "whitespace only": (b" \r\n\t ", "MALFORMED_JSON"),
        "a top-level array": (b"[" + valid + b"]", "MALFORMED_JSON"),
        "a top-level null": (b"null", "MALFORMED_JSON"),
        "a truncated document": (valid[: len(valid) // 2], "MALFORMED_JSON"),
    }


HOSTILE_NAMES: Final = list(hostile_bodies("x"))


def assert_refused_and_nothing_stored(base_url: str, reply: Reply, operation_id: str, code: str) -> None:
    assert 400 <= reply.status < 500, (reply.status, reply.body[:300])
    assert reply.problem_code == code, reply.body[:300]
    assert len(reply.body) < 4096, "a problem never echoes the input"
    assert raw_http.get(base_url, operation_id).status == 404


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_a_hostile_body_is_a_4xx_problem_and_nothing_is_stored(http_server: str, name: str) -> None:
    operation_id = f"hostile-{HOSTILE_NAMES.index(name)}"
    body, code = hostile_bodies(operation_id)[name]
    reply = call(http_server, "PUT", f"/v1/operations/{operation_id}", body, JSON)
    assert_refused_and_nothing_stored(http_server, reply, operation_id, code)


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/xml"],
)
def test_a_record_sent_as_another_media_type_is_refused(http_server: str, content_type: str) -> None:
    operation_id = f"media-{content_type.split('/')[1][:8].replace(';', '')}"
    body = record_bytes(operation_id)
    reply = call(http_server, "PUT", f"/v1/operations/{operation_id}", body, {"Content-Type": content_type})
    assert_refused_and_nothing_stored(http_server, reply, operation_id, "UNSUPPORTED_MEDIA_TYPE")


@pytest.mark.parametrize(
    "text",
    [
        "a\u0000b",
        "\u0000" * 1000,
        "\u202eevil\u202c",
        "\U0001f600 emoji",
        "\\ud800 (escaped text, not one)",
        "é" * 5,
    ],
)
def test_odd_but_valid_text_is_stored_and_read_back_exactly(http_server: str, text: str) -> None:
    record = record_for("odd-text", sub_status=text, last_update_time="20261122_070000")
    record["request"]["body"] = text
    reply = put_json(http_server, record)
    assert reply.status == 200, reply.body[:300]
    assert reply.json() == record
    assert raw_http.get(http_server, "odd-text").json() == record


def test_a_nul_in_the_path_is_a_400_naming_operation_id(http_server: str) -> None:
    reply = raw_http.get(http_server, "op%00-1")
    assert (reply.status, reply.problem_code) == (400, "VALIDATION_ERROR"), reply.body[:300]
    assert reply.json()["errors"] == [{"parameter": "operation_id", "detail": rules.OPERATION_ID_RULE}]


def test_a_100000_character_path_id_is_a_400_problem_that_does_not_echo_it(put: Invoke) -> None:
    """API Gateway refuses a request line this long itself (10 KB); the function, were it reached, too."""
    long_id = "a" * 100_000
    result = put(put_event(record_for(long_id), operation_id=long_id))
    assert result["statusCode"] == 400
    assert result["headers"]["Content-Type"] == "application/problem+json"
    assert len(result["body"]) < 4096
    assert json.loads(result["body"])["errors"] == [
        {"parameter": "operation_id", "detail": rules.OPERATION_ID_RULE}
    ]


def test_a_100000_character_get_id_is_a_400_problem(get: Invoke) -> None:
    result = get(get_event("a" * 100_000))
    assert result["statusCode"] == 400
    assert len(result["body"]) < 4096
    assert json.loads(result["body"])["errors"] == [
        {"parameter": "operation_id", "detail": rules.OPERATION_ID_RULE}
    ]
